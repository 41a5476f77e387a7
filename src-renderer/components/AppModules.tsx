// The apps a board's launcher started, from its status: name and version, or why one failed.
const FAILED = 'failed';

export const isFailedApp = (state: string): boolean => state === FAILED || state.startsWith(`${FAILED}:`);

export function failedApps(modules: Record<string, string>): [string, string][] {
  return Object.entries(modules).filter(([, v]) => isFailedApp(v));
}

/** Compact, for the board header: "blinky 1.0.0 · faulty failed" (the failure in the tooltip). */
export function AppModules({ modules }: { modules: Record<string, string> }) {
  const apps = Object.entries(modules).sort(([a], [b]) => a.localeCompare(b));
  if (apps.length === 0) return null;
  return (
    <span className="row" data-testid="board-apps" aria-label="Apps">
      <span className="muted">apps</span>
      {apps.map(([name, state]) =>
        isFailedApp(state) ? (
          <span key={name} className="badge bad" title={state} data-testid="board-app" data-app={name} data-state="failed">
            {name} failed
          </span>
        ) : (
          <span key={name} className="mono" data-testid="board-app" data-app={name} data-state="ok">
            {name} {state}
          </span>
        ),
      )}
    </span>
  );
}
