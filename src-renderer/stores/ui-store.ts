// What the window shows: the current view, the open board and tab, the theme, the ticking clock
// for "last seen", the state of the link to main (the web mode's WebSocket) and app info.
import { create } from 'zustand';
import type { BoardKey } from '../lib/board-key.js';

export type View = 'fleet' | 'crashes' | 'logs' | 'updates' | 'board';
export type BoardTab = 'terminal' | 'files' | 'logs' | 'ota' | 'crashes';
export type Theme = 'system' | 'light' | 'dark';
export type Transport = 'connecting' | 'open' | 'closed';

export interface AppInfo {
  mode: 'electron' | 'web';
  version: string;
  demo: boolean;
  demoProfileId?: string;
}

interface NavSlice {
  view: View;
  openBoard: BoardKey | null;
  boardTab: BoardTab;
  showView(view: Exclude<View, 'board'>): void;
  openBoardPanel(key: BoardKey, tab?: BoardTab): void;
  setBoardTab(tab: BoardTab): void;
  closeBoardPanel(): void;
}

interface ShellSlice {
  theme: Theme;
  now: number;
  transport: Transport;
  appInfo: AppInfo | null;
  appError: string | null;
  setTheme(theme: Theme): void;
  tick(now: number): void;
  setTransport(t: Transport): void;
  setAppInfo(info: AppInfo | null, error?: string): void;
}

export type UiState = NavSlice & ShellSlice;

const THEME_KEY = 'mqboard.theme';

function savedTheme(): Theme {
  try {
    const t = globalThis.localStorage?.getItem(THEME_KEY);
    return t === 'light' || t === 'dark' ? t : 'system';
  } catch {
    return 'system'; // storage disabled: the theme simply follows the system
  }
}

export const useUi = create<UiState>()((set) => ({
  view: 'fleet',
  openBoard: null,
  boardTab: 'terminal',
  showView: (view) => set({ view }),
  openBoardPanel: (key, tab) => set((s) => ({ view: 'board', openBoard: key, boardTab: tab ?? s.boardTab })),
  setBoardTab: (boardTab) => set({ boardTab }),
  closeBoardPanel: () => set({ view: 'fleet', openBoard: null }),

  theme: savedTheme(),
  now: Date.now(),
  transport: 'connecting',
  appInfo: null,
  appError: null,
  setTheme: (theme) => {
    try {
      globalThis.localStorage?.setItem(THEME_KEY, theme);
    } catch {
      // not persisted; the choice still applies to this window
    }
    set({ theme });
  },
  tick: (now) => set({ now }),
  setTransport: (transport) => set({ transport }),
  setAppInfo: (appInfo, error) => set({ appInfo, appError: error ?? null }),
}));
