// Boards in trouble first: safe mode, then most crashes. Pick one to see its crash records with
// tracebacks and act on it.
import { useState } from 'react';
import { CrashDetails } from './CrashDetails.js';
import { useBrokerName, useTroubledRows } from './hooks.js';

export function CrashView() {
  const rows = useTroubledRows();
  const brokerName = useBrokerName();
  const [picked, setPicked] = useState<string | null>(null);
  const current = picked && rows.some((r) => r.key === picked) ? picked : (rows[0]?.key ?? null);
  if (rows.length === 0) {
    return (
      <div className="view" data-testid="crash-view">
        <div className="empty" data-testid="crash-empty">
          No board is in safe mode or has crashed.
        </div>
      </div>
    );
  }
  return (
    <div className="view" data-testid="crash-view">
      <div className="crash-layout">
        <div className="crash-list" role="listbox" aria-label="Boards in safe mode or with crashes">
          {rows.map((r) => (
            <button
              key={r.key}
              className="crash-item"
              role="option"
              aria-selected={current === r.key}
              aria-current={current === r.key}
              onClick={() => setPicked(r.key)}
              data-testid="crash-item"
              data-prefix={r.prefix}
            >
              <span className="row">
                <strong className="mono grow">{r.prefix}</strong>
                {r.safeMode && <span className="badge bad">SAFE</span>}
                {r.crashes > 0 && <span className="badge warn">{r.crashes} crash{r.crashes === 1 ? '' : 'es'}</span>}
              </span>
              <span className="muted">
                {brokerName(r.profileId)} · {r.online ? 'online' : 'offline'} · {r.safeReason || r.resetCause}
              </span>
            </button>
          ))}
        </div>
        <div className="cards">{current && <CrashDetails key={current} boardKey={current} showOpen />}</div>
      </div>
    </div>
  );
}
