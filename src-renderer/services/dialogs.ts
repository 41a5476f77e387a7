// Native file dialogs (Electron only). In the web mode main answers NOT_AVAILABLE and the UI falls
// back to an <input type=file>.
import { errorText, request } from './api.js';

export async function pickLocalPath(title: string, extensions: string[]): Promise<{ path?: string; unavailable?: boolean; error?: string }> {
  try {
    const r = await request('dialog.openFile', { title, extensions });
    return r.path ? { path: r.path } : {};
  } catch (e) {
    if ((e as { code?: string }).code === 'NOT_AVAILABLE') return { unavailable: true };
    return { error: errorText(e) };
  }
}
