// Title, the state of the link to main (web mode), theme toggle, help.
import { useUi } from '../stores/ui-store.js';
import type { Theme } from '../stores/ui-store.js';

const NEXT: Record<Theme, Theme> = { system: 'light', light: 'dark', dark: 'system' };
const LABEL: Record<Theme, string> = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' };

export function TopBar({ onHelp }: { onHelp: () => void }) {
  const transport = useUi((s) => s.transport);
  const info = useUi((s) => s.appInfo);
  const appError = useUi((s) => s.appError);
  const theme = useUi((s) => s.theme);
  const setTheme = useUi((s) => s.setTheme);
  return (
    <header className="topbar">
      <h1>MQBoard Console</h1>
      {info && (
        <span className="muted">
          {info.mode === 'web' ? 'web' : 'desktop'} {info.version}
          {info.demo ? ' · demo' : ''}
        </span>
      )}
      <span className="grow" />
      {transport !== 'open' && (
        <span className={`badge ${transport === 'closed' ? 'bad' : 'warn'}`} role="status" data-testid="transport-state">
          {transport === 'closed' ? 'No connection to the console server — retrying' : 'Connecting to the console server…'}
        </span>
      )}
      {appError && <span className="badge bad">{appError}</span>}
      <button onClick={() => setTheme(NEXT[theme])} data-testid="theme-toggle" aria-label={`${LABEL[theme]} (click to change)`}>
        {LABEL[theme]}
      </button>
      <button onClick={onHelp} aria-label="Keyboard shortcuts" data-testid="help">
        ?
      </button>
    </header>
  );
}
