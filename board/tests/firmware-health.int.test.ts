import { afterEach, describe, expect, it } from 'vitest';
import type { FirmwareRig } from './firmware-harness.js';
import { FAST_WATCHDOG, lastStatus, startRig, until, untilHealthy } from './firmware-harness.js';

let rig: FirmwareRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const NO_REVERT = { ...FAST_WATCHDOG, revert: false };

interface CrashRecord {
  where: string;
  exc: string;
  boot: number;
}

/** The latest crash records the board published (retained) on <prefix>/mqb/crash. */
function crashRecords(r: FirmwareRig, prefix: string): CrashRecord[] {
  const last = r.seen.filter((m) => m.topic === `${prefix}/mqb/crash`).pop();
  return last && last.payload.length ? (JSON.parse(last.payload.toString()) as CrashRecord[]) : [];
}

describe('firmware: safe mode, crash log, watchdog', () => {
  it('an app that raises at import leads to safe mode after 2 failed boots, with the crash recorded', async () => {
    rig = await startRig({
      files: { 'src/bad.py': 'raise RuntimeError("broken app")\n' },
      boardConfig: { modules: { bad: {} }, watchdog: NO_REVERT },
    });
    const prefix = rig.prefixes[0]!;
    await rig.fleet.start();
    const safe = await until('safe-mode status', () => lastStatus(rig!, prefix)?.safe_mode === true && lastStatus(rig!, prefix), 40_000);
    expect(safe).toMatchObject({ online: true, safe_reason: 'boot loop', boots: 3 });
    expect(safe.crashes).toBeGreaterThanOrEqual(2);
    const records = await until('crash records', () => crashRecords(rig!, prefix).length >= 2 && crashRecords(rig!, prefix));
    expect(records[0]).toMatchObject({ where: 'start:bad', boot: 1 });
    expect(records[0]!.exc).toContain('RuntimeError: broken app');
  }, 60_000);

  it('a task crashing in a loop is recorded and ends in safe mode; clearing the crash log works', async () => {
    rig = await startRig({
      files: {
        'src/crashy.py': 'import asyncio\nasync def boom():\n    await asyncio.sleep_ms(300)\n    raise ValueError("crash loop")\ndef start(mqtt, cfg):\n    asyncio.create_task(boom())\n',
      },
      boardConfig: { modules: { crashy: {} }, watchdog: NO_REVERT },
    });
    const prefix = rig.prefixes[0]!;
    const [board] = rig.boards;
    await rig.fleet.start();
    await until('safe mode', () => lastStatus(rig!, prefix)?.safe_mode === true, 40_000);
    const records = await until('crash records', () => crashRecords(rig!, prefix).filter((r) => r.where === 'task').length >= 2 && crashRecords(rig!, prefix));
    expect(records[0]!.exc).toContain('ValueError: crash loop');
    expect(board!.bootCount).toBe(3);

    // The crashlog command clears the records and the retained message.
    rig.seen.length = 0;
    await rig.peer.publishAsync(`${prefix}/mqb/cmd/crashlog/abc123`, Buffer.concat([Buffer.from([0x80, 0]), Buffer.from('clear')]), { qos: 1 });
    const reply = await until('reply', () => rig!.seen.find((m) => m.topic === `${prefix}/mqb/reply/out/abc123`));
    expect(reply.payload.subarray(2).toString()).toBe('OK');
    expect(reply.payload.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xff]));
    await until('crash retained cleared', () => rig!.seen.find((m) => m.topic === `${prefix}/mqb/crash` && m.payload.length === 0));
  }, 60_000);

  it('a broken framework update (import failure) restarts straight into safe mode from /safemode', async () => {
    rig = await startRig({ boardConfig: { watchdog: NO_REVERT } });
    const prefix = rig.prefixes[0]!;
    const [board] = rig.boards;
    const fs = await import('node:fs');
    fs.writeFileSync(`${board!.state.flashDir}/lib/mqb_launch.py`, 'def broken(:\n');
    await rig.fleet.start();
    const safe = await until('safe mode', () => lastStatus(rig!, prefix)?.safe_mode === true && lastStatus(rig!, prefix), 30_000);
    expect(safe).toMatchObject({ safe_reason: 'import failure', boots: 2 });
    const records = await until('crash record', () => crashRecords(rig!, prefix).length > 0 && crashRecords(rig!, prefix));
    expect(records[0]).toMatchObject({ where: 'import', boot: 1 });
    expect(records[0]!.exc).toMatch(/SyntaxError/);
  }, 60_000);

  it('a healthy boot stays normal, confirms itself, and survives a reset in normal mode', async () => {
    rig = await startRig({ boardConfig: { modules: { blinky: { pin: 2, period_ms: 100 } } } });
    const prefix = rig.prefixes[0]!;
    const [board] = rig.boards;
    await rig.fleet.start();
    await untilHealthy(board!);
    expect(await board!.probeJson('__import__("mqb_state").failed_boots()')).toBe(0);
    expect(board!.pins.size).toBe(1);
    const boot = new Promise((resolve) => board!.once('boot', resolve));
    await rig.peer.publishAsync(`${prefix}/mqb/cmd/reset/r1`, Buffer.from([0x80, 0, ...Buffer.from('hard')]), { qos: 1 });
    await until('reset acknowledged', () => rig!.seen.find((m) => m.topic === `${prefix}/mqb/reply/out/r1`));
    await boot;
    const after = await until('status after reset', () => lastStatus(rig!, prefix)?.boots === 2 && lastStatus(rig!, prefix));
    expect(after).toMatchObject({ safe_mode: false, reset_cause: 'hard', modules: { blinky: '1.0.0' } });
  }, 60_000);

  it('the reset command reboots into safe mode on request, and the status refreshes on its own', async () => {
    rig = await startRig({ boardConfig: { watchdog: NO_REVERT, status_interval: 2 } });
    const prefix = rig.prefixes[0]!;
    await rig.fleet.start();
    // Periodic refresh: a later status of the same boot with a larger uptime.
    await until('refreshed status', () => (lastStatus(rig!, prefix)?.uptime as number) >= 2);
    await rig.peer.publishAsync(`${prefix}/mqb/cmd/reset/s1`, Buffer.from([0x80, 0, ...Buffer.from('safe')]), { qos: 1 });
    const safe = await until('safe mode', () => lastStatus(rig!, prefix)?.safe_mode === true && lastStatus(rig!, prefix), 30_000);
    expect(safe).toMatchObject({ safe_reason: 'requested', reset_cause: 'hard', boots: 2 });
  }, 60_000);

  it('when the broker path is cut the watchdog resets the board, and the reset is recorded', async () => {
    rig = await startRig();
    const prefix = rig.prefixes[0]!;
    const [board] = rig.boards;
    await rig.fleet.start();
    await until('online', () => lastStatus(rig!, prefix)?.online);
    await until('fed', async () => (await board!.probeJson<number>('mqb_launch.board.watchdog.feeds')) > 0);
    const cutAt = Date.now();
    const reset = new Promise<number>((resolve) => board!.once('reset', resolve));
    board!.setNetworkFaults({ blackhole: true });
    expect(await reset).toBe(3);
    expect(Date.now() - cutAt).toBeLessThan((FAST_WATCHDOG.timeout + 2) * 1000);
    board!.setNetworkFaults({ blackhole: false });
    const back = await until('status after the WDT reset', () => lastStatus(rig!, prefix)?.reset_cause === 'watchdog' && lastStatus(rig!, prefix));
    expect(back.crashes).toBe(1);
  }, 60_000);
});
