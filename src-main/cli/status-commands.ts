// `mqboard status` (one board), `mqboard fleet` (every board the broker knows) and
// `mqboard crashlog [show|clear]`: from the boards' retained status and crash records.
import type { Command } from 'commander';
import { describeWake, uptimeNow } from '../common/board-state.js';
import type { BoardStatus, CrashRecord } from '../common/board-status.js';
import { hasTags } from '../common/board-tags.js';
import { MqbError } from '../common/errors.js';
import { visibleText } from '../common/log-line.js';
import { decodeText } from '../common/protocol.js';
import { parseCrashRecords } from '../core/crash-records.js';
import type { BoardEntry, FleetRegistry } from '../core/fleet-registry.js';
import type { CliIo } from './cli-io.js';
import { addConnectionOptions, boardWaitMs, optionsOf, printJson, requirePrefix, withBoard, withEngine } from './cli-context.js';
import { formatAge, formatDuration, table } from './table.js';
import { tagOption } from './tags-command.js';

/** How long `fleet` listens for retained statuses, and the quiet time that ends it early. */
const FLEET_LISTEN_MS = 2_000;
const FLEET_QUIET_MS = 400;

/** What the FW column says of a board on the original MQBoard firmware (it publishes no status). */
export const ORIGINAL_FIRMWARE = 'original firmware';

export function entryJson(e: BoardEntry): Record<string, unknown> {
  // state: online, asleep, overdue or offline (docs/cli.md); wakeAt: the expected wake (ms, this machine's clock).
  return { prefix: e.prefix, ...(e.status ?? {}), state: e.state.state, ...(e.state.wakeAt !== undefined && { wakeAt: e.state.wakeAt }), lastSeen: e.lastSeen, ...(e.original && { original: true }), ...(e.crashes && { crashRecords: e.crashes }), ...(e.malformed && { malformed: e.malformed }), ...(e.warning && { warning: e.warning }) };
}

function lastSeen(s: BoardStatus | undefined, now: number): string {
  return s?.t ? formatAge(now - s.t * 1000) : '-';
}

/** "online", "asleep, wakes in 7s", "overdue 12s", "offline". */
export function stateText(e: BoardEntry, now: number): string {
  const wake = describeWake(e.state, now, (s) => formatDuration(s * 1000));
  return e.state.state === 'asleep' && !wake.startsWith('asleep') ? `asleep, ${wake}` : wake || e.state.state;
}

/** The uptime now: the status says what it was when published (every minute or so). */
function uptimeText(e: BoardEntry, now: number): string {
  const up = uptimeNow(e.status, e.lastSeen, now);
  return up === null || !e.status?.online ? '-' : formatDuration(up * 1000);
}

function statusLines(e: BoardEntry, now: number): string {
  const s = e.status;
  if (!s) return `${e.prefix}: no valid status${e.malformed ? ` (${e.malformed})` : ''}\n`;
  const rows: Array<[string, string]> = [
    ['board', e.prefix],
    ['online', s.online ? 'yes' : s.asleep ? 'no (asleep)' : 'NO (last will)'],
    ['state', stateText(e, now)],
    ...(s.sleep ? [['duty cycle', `asleep ${formatDuration(s.sleep.period * 1000)}, awake ${formatDuration(s.sleep.awake * 1000)}`] as [string, string]] : []),
    ['firmware', e.original ? `${ORIGINAL_FIRMWARE} (no status: only what it answered is known)` : [s.project, s.fw].filter(Boolean).join(' ') || '-'],
    ['partition', `${s.partition || '-'}${s.pendingVerify ? ' (pending verify)' : ''}`],
    ['safe mode', s.safeMode ? `YES (${s.safeReason || 'no reason given'})` : 'no'],
    ['reset cause', s.resetCause || '-'],
    ['boots', `${s.boots} (failed in a row: ${s.failedBoots})`],
    ['crashes', String(e.crashes?.length ?? s.crashes)],
    ['uptime', uptimeText(e, now)],
    ['free memory', s.memFree === null ? '-' : `${s.memFree} bytes`],
    ['network', s.ip ? `${s.ip}${s.rssi !== null ? `, RSSI ${s.rssi} dBm` : ''}` : '-'],
    ['modules', Object.entries(s.modules).map(([k, v]) => `${k} ${v}`).join(', ') || '-'],
    ['protocol', `v${s.proto}: ${s.caps.join(' ')}`],
    ['tags', s.tags.join(' ') || '-'],
    ['last seen', lastSeen(s, now)],
    ...(e.warning ? [['warning', e.warning] as [string, string]] : []),
  ];
  return rows.map(([k, v]) => `${k.padEnd(12)} ${visibleText(v)}\n`).join('');
}

export function fleetTable(entries: BoardEntry[], now: number): string {
  const rows = entries.map((e) => {
    const s = e.status;
    return [
      e.prefix,
      !s ? '?' : s.online ? 'yes' : 'no',
      stateText(e, now),
      e.original ? ORIGINAL_FIRMWARE : s?.fw || '-',
      s?.partition || '-',
      s?.safeMode ? `yes${s.safeReason ? ` (${s.safeReason})` : ''}` : 'no',
      String(e.crashes?.length ?? s?.crashes ?? 0),
      uptimeText(e, now),
      lastSeen(s, now),
      s?.tags.join(',') || '-',
    ].map(visibleText);
  });
  return table(['PREFIX', 'ONLINE', 'STATE', 'FW', 'PARTITION', 'SAFE MODE', 'CRASHES', 'UPTIME', 'LAST SEEN', 'TAGS'], rows);
}

/** One line per board whose prefix nests with another's (stderr: stdout stays the table). */
export function fleetWarnings(entries: BoardEntry[]): string {
  return entries.filter((e) => e.warning).map((e) => `mqboard: warning: ${visibleText(e.prefix)}: ${visibleText(e.warning!)}\n`).join('');
}

function crashText(records: CrashRecord[]): string {
  if (!records.length) return 'no crash records\n';
  return records
    .map((r, i) => {
      const when = r.t ? new Date(r.t * 1000).toISOString() : 'unknown time';
      return `#${i + 1} ${when} boot ${r.boot ?? '?'} in ${r.where || '?'}: ${r.error}\n${r.trace ? r.trace.replace(/\n?$/, '\n') : ''}`;
    })
    .map(visibleText)
    .join('\n');
}

export function registerStatusCommands(program: Command, io: CliIo): void {
  addConnectionOptions(program.command('status').description('show one board\'s status (from its retained status message)'))
    .action(async (_o: unknown, cmd: Command) => {
      const opts = optionsOf(cmd);
      await withEngine(opts, io, async ({ engine, conn }) => {
        const entry = await engine.registry(conn.profile.id).waitFor(requirePrefix(conn), boardWaitMs(conn));
        // The crash records are retained too: give them a moment to arrive after the status.
        await new Promise((r) => setTimeout(r, 100));
        if (opts.json) printJson(io, entryJson(entry));
        else io.stdout.write(statusLines(entry, Date.now()));
      });
    });

  addConnectionOptions(program.command('fleet').description('list the boards the broker knows (retained status messages)'))
    .option('--listen <seconds>', 'how long to collect statuses at most', String(FLEET_LISTEN_MS / 1000))
    .option('--tag <tags>', 'only the boards that have these tags (comma-separated: all of them)')
    .action(async (_o: unknown, cmd: Command) => {
      const opts = optionsOf(cmd) as ReturnType<typeof optionsOf> & { listen: string; tag?: string };
      const listenMs = Number(opts.listen) * 1000;
      if (!Number.isFinite(listenMs) || listenMs <= 0) throw new MqbError('USAGE', `--listen must be a positive number of seconds (got "${opts.listen}")`);
      const tags = opts.tag === undefined ? [] : tagOption(opts.tag, '--tag');
      await withEngine(opts, io, async ({ engine, conn }) => {
        const registry = engine.registry(conn.profile.id);
        await collectUntilQuiet(registry, listenMs);
        const entries = registry.list().filter((e) => (!conn.prefix || e.prefix === conn.prefix || e.prefix.startsWith(`${conn.prefix}/`)) && hasTags(e.status?.tags, tags));
        if (opts.json) printJson(io, entries.map(entryJson));
        else io.stdout.write(entries.length ? fleetTable(entries, Date.now()) : tags.length ? `no board has the tag(s) ${tags.join(', ')}\n` : 'no boards found (no retained status on this broker, no original-firmware board heard)\n');
        if (!opts.json) io.stderr.write(fleetWarnings(entries));
      }, { discover: true });
    });

  addConnectionOptions(program.command('crashlog').argument('[action]', 'show (default) or clear', 'show').description('show or clear the board\'s crash records'))
    .action(async (action: string, _o: unknown, cmd: Command) => {
      const opts = optionsOf(cmd);
      if (action !== 'show' && action !== 'clear') throw new MqbError('USAGE', `crashlog takes "show" or "clear", not "${action}"`);
      await withBoard(opts, io, async (board) => {
        if (!board.has('crashlog')) throw new MqbError('UNSUPPORTED', `${board.prefix} has no crash log (protocol v${board.proto})`);
        const reply = decodeText(await board.request('crashlog', { payload: action === 'clear' ? 'clear' : '' }));
        if (action === 'clear') {
          if (reply.trim() !== 'OK') throw new MqbError('PROTOCOL', `crashlog clear answered "${reply.slice(0, 80)}"`);
          if (opts.json) printJson(io, { ok: true });
          else io.stdout.write(`${board.prefix}: crash records cleared\n`);
          return;
        }
        const records = parseCrashRecords(reply);
        if (opts.json) printJson(io, records);
        else io.stdout.write(crashText(records));
      });
    });
}

/** Retained statuses arrive in a burst after SUBSCRIBE: stop when it is over, or at the limit. */
function collectUntilQuiet(registry: FleetRegistry, limitMs: number): Promise<void> {
  return new Promise((resolve) => {
    let quiet: ReturnType<typeof setTimeout> | undefined;
    const finish = () => {
      clearTimeout(limit);
      clearTimeout(quiet);
      registry.off('board-added', bump);
      registry.off('board-changed', bump);
      resolve();
    };
    const bump = () => {
      clearTimeout(quiet);
      quiet = setTimeout(finish, FLEET_QUIET_MS);
    };
    const limit = setTimeout(finish, limitMs);
    registry.on('board-added', bump);
    registry.on('board-changed', bump);
    // Part of the burst may have arrived while subscribing.
    if (registry.list().length) bump();
  });
}
