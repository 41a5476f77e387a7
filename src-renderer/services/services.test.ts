// The service layer against the in-memory fake console: what the user sees in the stores after
// each action, including the errors where they happened.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_TRANSFER_BYTES } from '../../src-main/common/contract.js';
import { boardKey } from '../lib/board-key.js';
import { boardFiles, useFiles } from '../stores/files-store.js';
import { useFleet } from '../stores/fleet-store.js';
import { useLogs } from '../stores/logs-store.js';
import { useOta } from '../stores/ota-store.js';
import { useProfiles } from '../stores/profiles-store.js';
import { useTty } from '../stores/tty-store.js';
import { FakeConsoleApi } from '../testing/fake-api.js';
import { clearCrashLog, loadCrashLog, resetBoard } from './boards.js';
import { startConsole } from './console.js';
import { deletePath, LARGE_TEXT_BYTES, listDir, makeFolder, openInEditor, renamePath, saveEditor, uploadFiles } from './files.js';
import { resetLogService, subscribeLogs, unsubscribeLogs } from './logs.js';
import { onOtaProgress, stageImage } from './ota.js';
import { connectProfile, disconnectProfile, saveProfile } from './profiles.js';
import { cancelTransfer, downloadFile, uploadData } from './transfers.js';
import { attachTerminal, interrupt, onTtyOutput, openSession, sendInput, transcriptOf } from './tty.js';

async function until<T>(what: () => T | undefined | false, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = what();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

let fake: FakeConsoleApi;
let stop: () => void;
const B1 = boardKey('demo', 'sim/sim-01');
const B3 = boardKey('demo', 'sim/sim-03');

beforeEach(async () => {
  fake = new FakeConsoleApi({ latencyMs: 0, churnPerSecond: 0 });
  stop = startConsole(fake, { tickMs: 60_000 });
  await until(() => useProfiles.getState().loaded);
});

afterEach(() => {
  stop();
  fake.close();
  resetLogService();
  useFleet.setState({ boards: new Map(), crashlogs: {}, actions: {} });
  useFiles.setState({ boards: {} });
  useTty.setState({ sessions: {} });
});

describe('profiles and fleet', () => {
  it('shows the boards of a broker once connected, and drops them on disconnect', async () => {
    await connectProfile('demo');
    expect(useProfiles.getState().profiles.find((p) => p.id === 'demo')?.state).toBe('online');
    expect([...useFleet.getState().boards.keys()]).toEqual([B1, boardKey('demo', 'sim/sim-02'), B3]);
    await disconnectProfile('demo');
    expect(useFleet.getState().boards.size).toBe(0);
  });

  it('fetches every page of a large fleet\'s snapshot', async () => {
    stop();
    fake.close();
    fake = new FakeConsoleApi({ boards: 2_500, latencyMs: 0, churnPerSecond: 0 });
    stop = startConsole(fake, { tickMs: 60_000 });
    await until(() => useProfiles.getState().loaded);
    await connectProfile('demo');
    await until(() => useFleet.getState().boards.size === 2_500 && !useFleet.getState().snapshot.demo?.loading);
    expect(useFleet.getState().snapshot.demo?.error).toBeUndefined();
  });

  it('puts a connection failure on the profile, and a refused profile in the form', async () => {
    fake.profiles.get('lab')!.view.url = 'mqtts://unreachable.example:8883';
    await connectProfile('lab');
    expect(useProfiles.getState().actionError.lab).toMatch(/Broker unreachable: cannot reach/);
    useProfiles.getState().openEditor();
    expect(await saveProfile({ name: 'x', url: 'http://nope' })).toBe(false);
    expect(useProfiles.getState().editor.error).toMatch(/url/);
    expect(useProfiles.getState().editor.open).toBe(true);
  });

  it('saves a profile without ever getting its password back', async () => {
    useProfiles.getState().openEditor();
    expect(await saveProfile({ name: 'Office', url: 'mqtts://office:8883', username: 'me', password: 'pw' })).toBe(true);
    const p = useProfiles.getState().profiles.find((x) => x.name === 'Office')!;
    expect(p.hasPassword).toBe(true);
    expect(JSON.stringify(p)).not.toContain('pw"');
    expect(useProfiles.getState().editor.open).toBe(false);
  });
});

describe('board files', () => {
  beforeEach(() => connectProfile('demo'));

  it('lists, creates, renames and deletes, and shows a failed operation above the tree', async () => {
    await listDir(B1, '/');
    expect(boardFiles(useFiles.getState(), B1).dirs['/']?.entries?.map((e) => e.name)).toContain('main.py');
    expect(await makeFolder(B1, '/', 'data')).toBe(true);
    expect(boardFiles(useFiles.getState(), B1).dirs['/']?.entries?.[0]).toMatchObject({ name: 'data', type: 'dir' });
    expect(await renamePath(B1, '/boot.py', 'boot_old.py')).toBe(true);
    expect(boardFiles(useFiles.getState(), B1).dirs['/']?.entries?.map((e) => e.name)).toContain('boot_old.py');
    expect(await deletePath(B1, '/nope.py', false)).toBe(false);
    expect(boardFiles(useFiles.getState(), B1).opError).toBe('ENOENT: /nope.py');
    expect(await makeFolder(B1, '/', 'a/b')).toBe(false);
    expect(boardFiles(useFiles.getState(), B1).opError).toMatch(/cannot contain/);
  });

  it('uploads a file as a transfer and edits a text file', async () => {
    await uploadFiles(B1, '/', [new File(['print("hi")\n'], 'hello.py')]);
    const t = boardFiles(useFiles.getState(), B1).transfers[0]!;
    expect(t).toMatchObject({ kind: 'upload', path: '/hello.py', state: 'done', phase: 'done', sent: 12, total: 12 });
    await openInEditor(B1, '/hello.py');
    expect(boardFiles(useFiles.getState(), B1).editor?.text).toBe('print("hi")\n');
    useFiles.getState().patchEditor(B1, { text: 'print("bye")\n' });
    await saveEditor(B1);
    expect(boardFiles(useFiles.getState(), B1).editor).toMatchObject({ original: 'print("bye")\n', saving: false });
    expect(new TextDecoder().decode(fake.profiles.get('demo')!.fs.get('sim/sim-01')!.read('/hello.py'))).toBe('print("bye")\n');
  });
});

describe('file transfers', () => {
  beforeEach(() => connectProfile('demo'));
  const fs1 = () => fake.profiles.get('demo')!.fs.get('sim/sim-01')!;
  const transfer = (i = 0) => boardFiles(useFiles.getState(), B1).transfers[i];

  it("shows an upload's progress and cancels it, leaving the board's file as it was", async () => {
    const before = fs1().read('/main.py');
    const running = uploadData(B1, '/main.py', new File([new Uint8Array(1024 * 1024)], 'main.py'));
    const t = await until(() => (transfer()?.phase === 'transferring' && transfer()!.sent > 0 ? transfer() : undefined));
    expect(t).toMatchObject({ state: 'running', total: 1024 * 1024, eta: expect.any(Number) });
    expect(t!.rate).toBeGreaterThan(0);
    await cancelTransfer(B1, t!.id);
    expect(await running).toEqual({ ok: false, error: 'Cancelled' });
    expect(transfer()).toMatchObject({ state: 'cancelled', cancelling: false });
    expect(fs1().read('/main.py')).toEqual(before);
  });

  it('refuses a file above the limit before sending anything, saying what the limit is', async () => {
    const out = await uploadData(B1, '/big.bin', new File([new Uint8Array(MAX_TRANSFER_BYTES + 1)], 'big.bin'));
    expect(out).toEqual({ ok: false, error: 'big.bin is 16.0 MB: at most 16.0 MB can be transferred at once' });
    expect(transfer()).toMatchObject({ state: 'failed', error: out.ok ? '' : out.error });
    expect(() => fs1().read('/big.bin')).toThrow(/ENOENT/);
  });

  it('downloads with progress and hands the bytes to the browser once complete', async () => {
    let saved: Blob | undefined;
    vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => ((saved = b as Blob), 'blob:test'));
    const link = { click: vi.fn(), remove: vi.fn(), style: {} };
    vi.stubGlobal('document', { createElement: () => link, body: { appendChild: vi.fn() } });
    try {
      expect(await downloadFile(B1, '/main.py')).toEqual({ ok: true });
      expect(transfer()).toMatchObject({ kind: 'download', state: 'done', sent: fs1().read('/main.py').length });
      expect(link).toMatchObject({ download: 'main.py' });
      expect(new Uint8Array(await saved!.arrayBuffer())).toEqual(fs1().read('/main.py'));
      expect(await downloadFile(B1, '/nope.py')).toEqual({ ok: false, error: 'ENOENT: /nope.py' });
    } finally {
      vi.unstubAllGlobals();
      vi.restoreAllMocks();
    }
  });

  it('saves a large file from the editor as a transfer', async () => {
    const text = `# big\n${'x = 1\n'.repeat(LARGE_TEXT_BYTES / 6 + 10)}`;
    useFiles.getState().setEditor(B1, { path: '/big.py', text, original: '', loading: false, saving: false });
    await saveEditor(B1);
    expect(boardFiles(useFiles.getState(), B1).editor).toMatchObject({ saving: false, original: text });
    expect(transfer()).toMatchObject({ kind: 'upload', path: '/big.py', state: 'done' });
    expect(new TextDecoder().decode(fs1().read('/big.py'))).toBe(text);
  });

  it('follows a transfer whose events came before the reply with its id', async () => {
    const request = fake.request.bind(fake);
    vi.spyOn(fake, 'request').mockImplementation(async (op, params) => {
      const r = await request(op, params);
      if (op === 'board.upload') {
        const { transferId } = r as { transferId: string };
        // Finished at once, as a small file can: no event will follow the reply.
        (fake as unknown as { transfers: Map<string, unknown> }).transfers.delete(transferId);
        fake.emit('transfer.progress', { transferId, prefix: 'sim/sim-01', path: '/x.py', direction: 'upload', phase: 'done', sent: 3, total: 3, rate: 0, eta: 0 });
      }
      return r;
    });
    try {
      expect(await uploadData(B1, '/x.py', { name: 'x.py', data: new Uint8Array(3) })).toEqual({ ok: true });
    } finally {
      vi.restoreAllMocks();
    }
  });
});

describe('logs, terminal, crashes and OTA', () => {
  beforeEach(() => connectProfile('demo'));

  it('fills a board log from the backlog, then from batched events, until unsubscribed', async () => {
    await subscribeLogs(B1);
    const backlog = useLogs.getState().rings.get(B1)?.size ?? 0;
    expect(backlog).toBe(23); // the fake's history: 3 boot lines and 20 more
    await until(() => (useLogs.getState().rings.get(B1)?.size ?? 0) > backlog);
    await unsubscribeLogs(B1);
    const n = useLogs.getState().rings.get(B1)!.size;
    await new Promise((r) => setTimeout(r, 1300));
    expect(useLogs.getState().rings.get(B1)!.size).toBe(n);
  });

  it('runs input in a REPL session and interrupts a long statement', async () => {
    const out: string[] = [];
    const detach = attachTerminal(B1, (kind, text) => out.push(`${kind}:${text}`));
    await openSession(B1);
    await until(() => useTty.getState().sessions[B1]?.prompt === '>>> ');
    await sendInput(B1, 'for i in range(2):\n    print(i)\n\n');
    await until(() => out.includes('out:1\n'));
    await sendInput(B1, 'time.sleep(60)\n');
    expect(useTty.getState().sessions[B1]?.prompt).toBe('');
    await interrupt(B1);
    await until(() => out.some((o) => o.includes('KeyboardInterrupt')));
    detach();
  });

  it('REPL output reaches the terminal with colours, but OSC 52/0/8 escaped (also when split)', async () => {
    const out: string[] = [];
    const detach = attachTerminal(B1, (kind, text) => out.push(`${kind}:${text}`));
    await openSession(B1);
    const sessionId = await until(() => useTty.getState().sessions[B1]?.sessionId);
    onTtyOutput({ sessionId, kind: 'out', text: '\x1b[31mred\x1b[0m \x1b]52;c;aGk=' });
    onTtyOutput({ sessionId, kind: 'out', text: '\x07\x1b]0;title\x07\x1b]8;;https://x\x07link\x1b]8;;\x07\n' });
    const shown = '\x1b[31mred\x1b[0m \\x1b]52;c;aGk=\\x07\\x1b]0;title\\x07\\x1b]8;;https://x\\x07link\\x1b]8;;\\x07\n';
    expect(out.filter((o) => o.startsWith('out:')).map((o) => o.slice(4)).join('')).toBe(shown);
    expect(transcriptOf(B1)).toContain(shown);
    detach();
  });

  it('shows the crash records, clears them and reboots out of safe mode once the app is fixed', async () => {
    await loadCrashLog(B3);
    expect(useFleet.getState().crashlogs[B3]?.records?.[0]?.trace).toMatch(/RuntimeError/);
    await resetBoard(B3, 'normal');
    await until(() => useFleet.getState().boards.get(B3)?.online && useFleet.getState().boards.get(B3)?.resetCause === 'software');
    expect(useFleet.getState().boards.get(B3)?.safeMode).toBe(true); // still broken
    fake.profiles.get('demo')!.fs.get('sim/sim-03')!.write('/src/faulty.py', new TextEncoder().encode('def start(mqtt, cfg):\n    pass\n'));
    await resetBoard(B3, 'normal');
    expect(useFleet.getState().actions[B3]?.done).toMatch(/Rebooting/);
    await until(() => useFleet.getState().boards.get(B3)?.online === false);
    await until(() => useFleet.getState().boards.get(B3)?.online);
    expect(useFleet.getState().boards.get(B3)?.safeMode).toBe(false);
    await clearCrashLog(B3);
    expect(useFleet.getState().crashlogs[B3]?.records).toEqual([]);
    await until(() => useFleet.getState().boards.get(B3)?.crashes === 0);
  });

  it('says why a file is not a firmware image, and maps progress to the right board', async () => {
    await stageImage(new File([new Uint8Array([1, 2, 3, 4])], 'notes.bin'), [B1]);
    expect(useOta.getState().staged?.info?.error).toBeTruthy();
    useOta.getState().addJob({ jobId: 'j1', image: { name: 'x', project: 'p', version: 'v2', size: 100, sha256: '' }, reset: true, targets: [B1, B3], progress: {}, started: 0, cancelling: false });
    onOtaProgress({ jobId: 'j1', prefix: 'sim/sim-03', phase: 'sending', sent: 40, total: 100, rate: 20, eta: 3 });
    expect(useOta.getState().jobs.j1?.progress[B3]).toMatchObject({ phase: 'sending', sent: 40, eta: 3 });
    expect(useOta.getState().jobs.j1?.progress[B1]).toBeUndefined();
  });
});
