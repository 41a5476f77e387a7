// One board in the dashboard. Memoized: a fleet batch re-renders only the rows whose board changed
// (plus the ticking "last seen").
import { memo } from 'react';
import type { MouseEvent } from 'react';
import { formatBytes } from '../lib/format.js';
import type { FleetRow as Row } from '../lib/fleet-query.js';
import { Ago, BoardStateText, StatusDot, Uptime } from './bits.js';

interface Props {
  row: Row;
  broker: string;
  selected: boolean;
  cursor: boolean;
  dropTarget: boolean;
  onClick: (key: string, e: MouseEvent) => void;
  onOpen: (key: string) => void;
}

export const FleetRow = memo(function FleetRow({ row: r, broker, selected, cursor, dropTarget, onClick, onOpen }: Props) {
  const cls = `fleet-row fleet-grid${selected ? ' selected' : ''}${cursor ? ' cursor' : ''}${dropTarget ? ' drop-target' : ''}${r.state === 'online' ? '' : r.state === 'offline' ? ' offline' : ' asleep'}`;
  return (
    <div
      className={cls}
      role="row"
      aria-selected={selected}
      data-testid="fleet-row"
      data-prefix={r.prefix}
      data-key={r.key}
      onClick={(e) => onClick(r.key, e)}
      onDoubleClick={() => onOpen(r.key)}
    >
      <div role="gridcell">
        <input type="checkbox" tabIndex={-1} checked={selected} readOnly aria-label={`Select ${r.prefix}`} data-testid="row-check" />
      </div>
      <div role="gridcell" className="row" data-testid="cell-status">
        <StatusDot state={r.state} />
        <BoardStateText board={r} />
      </div>
      <div role="gridcell" className="mono" title={r.malformed ? `last status malformed: ${r.malformed}` : r.prefix} data-testid="cell-prefix">
        {r.prefix}
        {r.malformed && <span className="badge warn"> status?</span>}
        {r.warning && (
          <span className="badge warn" title={r.warning} data-testid="prefix-warning">
            {' '}nested
          </span>
        )}
        {r.tags?.map((t) => (
          <span key={t} className="tag-chip" title={`tag ${t} (search tag:${t})`} data-testid="tag-chip">
            {t}
          </span>
        ))}
      </div>
      <div role="gridcell" title={broker}>
        {broker}
      </div>
      <div role="gridcell" title={r.original ? 'The original MQBoard firmware: it publishes no status, so only what it answers is known' : `${r.project} ${r.fw}`} data-testid="cell-fw">
        {r.original ? <span className="badge">original firmware</span> : r.fw || '—'}
      </div>
      <div role="gridcell" data-testid="cell-partition">
        {r.partition || '—'} {r.pendingVerify && <span className="badge warn" title="Running a new image that is not confirmed yet: it rolls back at the next reset unless confirmed">verify</span>}
      </div>
      <div role="gridcell" data-testid="cell-safe">
        {r.safeMode ? (
          <span className="badge bad" title={r.safeReason}>
            SAFE
          </span>
        ) : (
          ''
        )}
      </div>
      <div role="gridcell" title={r.resetCause}>
        {r.resetCause || '—'}
      </div>
      <div role="gridcell" data-testid="cell-crashes">
        {r.crashes > 0 ? <span className="badge bad">{r.crashes}</span> : <span className="muted">0</span>}
      </div>
      <div role="gridcell">
        <Uptime board={r} />
      </div>
      <div role="gridcell" data-testid="cell-mem">{formatBytes(r.memFree)}</div>
      <div role="gridcell">
        <Ago t={r.lastSeen} />
      </div>
      <div role="gridcell">
        <button
          className="link"
          onClick={(e) => {
            e.stopPropagation();
            onOpen(r.key);
          }}
          aria-label={`Open ${r.prefix}`}
          title="Open (Enter)"
          data-testid="open-board"
        >
          ›
        </button>
      </div>
    </div>
  );
});
