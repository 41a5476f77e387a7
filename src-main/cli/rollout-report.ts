// What `mqboard rollout` prints: one line per board change and per wave as the rollout runs, the
// summary of a rollout (status), its JSON form, and the exit code its end maps to.
import { EXIT_CODES } from '../common/errors.js';
import type { ErrorCode } from '../common/errors.js';
import { describeTargets, describeWhat, formatWaves } from '../common/rollout-plan.js';
import { currentWave, summarize } from '../common/rollout-state.js';
import type { BoardRecord, Rollout, RolloutEvent, RolloutStatus } from '../common/rollout-state.js';
import { visibleText } from '../common/terminal-text.js';

const STATUS_CODE: Record<RolloutStatus, ErrorCode | 'OK'> = {
  done: 'OK',
  running: 'ROLLOUT_PAUSED', // stopped without saying so (a board could not be started): resumable
  paused: 'ROLLOUT_PAUSED',
  failed: 'ROLLOUT_FAILED',
  aborted: 'ROLLOUT_ABORTED',
};

export const errorCodeOf = (r: Rollout): ErrorCode | 'OK' => STATUS_CODE[r.status];
export const exitCodeOfRollout = (r: Rollout): number => EXIT_CODES[errorCodeOf(r)];

export function waveName(r: Rollout, wave: number): string {
  const canary = wave === 0 && r.waves.length > 1 && r.waves[0]!.length === 1;
  return `wave ${wave + 1}/${r.waves.length}${canary ? ' (canary)' : ''}`;
}

function boardLine(b: BoardRecord): string {
  const reason = b.reason ? `: ${visibleText(b.reason)}` : '';
  switch (b.phase) {
    case 'updating':
      return `${b.prefix}: updating${b.fromFw ? ` from ${visibleText(b.fromFw)}` : ''}`;
    case 'verifying':
      return `${b.prefix}: uploaded; resetting it and checking its health`;
    case 'healthy':
      return `${b.prefix}: healthy${b.fw ? `, runs ${visibleText(b.fw)}` : ''}`;
    case 'rolled-back':
      return `${b.prefix}: ROLLED BACK${reason}`;
    case 'failed':
      return `${b.prefix}: FAILED${reason}`;
    case 'skipped':
      return `${b.prefix}: skipped${reason}`;
    case 'pending':
      return `${b.prefix}: waiting`;
  }
}

/** The lines an event adds to the running output (a new wave gets its header first). */
export function eventLines(before: Rollout, after: Rollout, e: RolloutEvent): string[] {
  const lines: string[] = [];
  const wave = currentWave(after);
  if (after.status === 'running' && wave < after.waves.length && (wave !== currentWave(before) || e.type === 'resume' || e.type === 'retry-failed')) {
    lines.push(`${waveName(after, wave)}: ${after.waves[wave]!.length} board(s)`);
  }
  if ('prefix' in e && after.boards[e.prefix]) lines.push(boardLine(after.boards[e.prefix]!));
  if (after.status !== before.status && after.status !== 'running') lines.push(endLine(after));
  return lines;
}

export function endLine(r: Rollout): string {
  const hint = r.status === 'paused' ? ` (continue: mqboard rollout resume ${r.def.id}; retry the failed boards: mqboard rollout retry ${r.def.id}; stop: mqboard rollout abort ${r.def.id})` : '';
  return `rollout ${r.def.id} ${r.status.toUpperCase()}${r.reason ? `: ${visibleText(r.reason)}` : ''}${hint}`;
}

/** The human summary of `rollout status`. */
export function statusText(r: Rollout): string {
  const d = r.def;
  const out = [
    `rollout ${d.id}: ${r.status}${r.reason ? ` (${visibleText(r.reason)})` : ''}`,
    `  ${describeWhat(d.what)} to ${describeTargets(d)} (${Object.keys(r.boards).length} board(s), chosen at start); waves ${formatWaves(d.waves)}; gate: back within ${d.gate.onlineWithinS} s, confirmed within ${d.gate.confirmWithinS} s, stable ${d.gate.stableS} s`,
  ];
  for (const w of summarize(r)) {
    const counts = Object.entries(w.counts).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ');
    out.push(`${waveName(r, w.wave)}: ${counts}`);
    for (const p of r.waves[w.wave]!) out.push(`  ${boardLine(r.boards[p]!)}`);
  }
  return `${out.join('\n')}\n`;
}

export function rolloutJson(r: Rollout): Record<string, unknown> {
  return {
    id: r.def.id,
    status: r.status,
    ...(r.reason && { reason: r.reason }),
    what: r.def.what,
    patterns: r.def.patterns,
    ...(r.def.tags && { tags: r.def.tags }),
    gate: r.def.gate,
    threshold: r.def.threshold,
    createdAt: new Date(r.def.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
    waves: summarize(r).map((w) => ({ ...w, wave: w.wave + 1, boards: r.waves[w.wave] })),
    boards: Object.values(r.boards),
  };
}
