// `mqboard reset [normal|safe|soft|hard] [--wait]`: the v2 reset command (or machine.reset()
// through eval on a version-1 board), then optionally waits for the board's next boot to
// announce itself online and shows how it came back (mode, partition, reset cause).
import type { Command } from 'commander';
import type { BoardStatus } from '../common/board-status.js';
import { MqbError } from '../common/errors.js';
import { decodeText } from '../common/protocol.js';
import type { BoardClient } from '../core/board-client.js';
import type { BoardEntry, FleetRegistry } from '../core/fleet-registry.js';
import type { CliIo } from './cli-io.js';
import { addConnectionOptions, optionsOf, printJson, withBoard } from './cli-context.js';
import { entryJson } from './status-commands.js';

export const RESET_MODES = ['normal', 'safe', 'soft', 'hard'] as const;
export type ResetMode = (typeof RESET_MODES)[number];
const DEFAULT_WAIT_S = 60;

/** A status from a later boot than `before`: online, and another boot count or a younger uptime. */
export function isNewBoot(before: BoardStatus, now: BoardStatus): boolean {
  if (!now.online) return false;
  if (now.boots !== before.boots) return true;
  return now.uptime !== null && before.uptime !== null && now.uptime < before.uptime;
}

async function sendReset(board: BoardClient, mode: ResetMode): Promise<void> {
  if (board.has('reset')) {
    try {
      const reply = decodeText(await board.request('reset', { payload: mode })).trim();
      if (reply !== 'OK') throw new MqbError('PROTOCOL', `reset answered "${reply.slice(0, 80)}"`);
    } catch (e) {
      // Gone before the OK came back: it did what was asked.
      if (!(e instanceof MqbError && e.code === 'BOARD_RESET')) throw e;
    }
    return;
  }
  if (mode !== 'hard' && mode !== 'soft') {
    throw new MqbError('UNSUPPORTED', `${board.prefix} speaks protocol v${board.proto}: only "hard" and "soft" resets are possible (through eval)`);
  }
  // A version-1 board resets inside the eval and never answers: a timeout or the reset is success.
  const code = mode === 'hard' ? 'import machine\nmachine.reset()' : 'import machine\nmachine.soft_reset()';
  try {
    await board.request('eval', { payload: code, timeoutMs: 3_000 });
  } catch (e) {
    if (!(e instanceof MqbError && (e.code === 'TIMEOUT' || e.code === 'BOARD_RESET'))) throw e;
  }
}

function noStatusToFollow(prefix: string): MqbError {
  return new MqbError('UNSUPPORTED', `${prefix} runs the original firmware, which publishes no status: its return cannot be waited for (reset without --wait, then check with \`mqboard eval 1\`)`, { board: prefix });
}

function waitForNewBoot(registry: FleetRegistry, prefix: string, before: BoardStatus, timeoutMs: number): Promise<BoardEntry> {
  return new Promise<BoardEntry>((resolve, reject) => {
    const onChange = (e: BoardEntry) => {
      if (e.prefix !== prefix || !e.status || !isNewBoot(before, e.status)) return;
      done();
      resolve(e);
    };
    const timer = setTimeout(() => {
      done();
      reject(new MqbError('TIMEOUT', `${prefix} did not come back online within ${timeoutMs / 1000} s after the reset`, { board: prefix }));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      registry.off('board-changed', onChange);
    };
    registry.on('board-changed', onChange);
  });
}

export function registerResetCommand(program: Command, io: CliIo): void {
  addConnectionOptions(program.command('reset').argument('[mode]', 'normal (next boot normal), safe (next boot in safe mode), soft or hard', 'hard')
    .description('reset the board'))
    .option('-w, --wait [seconds]', `wait until the board is back online (default ${DEFAULT_WAIT_S} s)`)
    .action(async (mode: string, _o: unknown, cmd: Command) => {
      const opts = optionsOf(cmd) as ReturnType<typeof optionsOf> & { wait?: string | boolean };
      if (!(RESET_MODES as readonly string[]).includes(mode)) throw new MqbError('USAGE', `reset mode must be ${RESET_MODES.join(', ')} (got "${mode}")`);
      const waitS = opts.wait === undefined ? undefined : opts.wait === true ? DEFAULT_WAIT_S : Number(opts.wait);
      if (waitS !== undefined && (!Number.isFinite(waitS) || waitS <= 0)) throw new MqbError('USAGE', `--wait takes a positive number of seconds (got "${String(opts.wait)}")`);
      await withBoard(opts, io, async (board, { engine, conn, entry }) => {
        const before = entry.status!;
        if (waitS !== undefined && entry.original) throw noStatusToFollow(board.prefix);
        const registry = engine.registry(conn.profile.id);
        // Listen before sending: a quick board could be back before we would start listening.
        const back = waitS === undefined ? undefined : waitForNewBoot(registry, board.prefix, before, waitS * 1000);
        back?.catch(() => {});
        await sendReset(board, mode as ResetMode);
        if (!back) {
          if (opts.json) printJson(io, { ok: true, mode });
          else io.stdout.write(`${board.prefix}: ${mode} reset sent\n`);
          return;
        }
        if (!opts.json) io.stderr.write(`${board.prefix}: ${mode} reset sent, waiting for it to come back...\n`);
        const after = await back;
        const s = after.status!;
        if (opts.json) printJson(io, { ok: true, mode, status: entryJson(after) });
        else io.stdout.write(`${board.prefix}: back online in ${s.safeMode ? `SAFE MODE (${s.safeReason || 'requested'})` : 'normal mode'}, partition ${s.partition || '-'}, reset cause ${s.resetCause || '-'}, boot ${s.boots}\n`);
      });
    });
}
