import { afterEach, describe, expect, it } from 'vitest';
import type { FirmwareRig } from './firmware-harness.js';
import { lastStatus, logLines, startRig, until, untilHealthy } from './firmware-harness.js';

let rig: FirmwareRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

// An ESP32 without PSRAM has about 110 KB of heap and TLS needs about 20 KB of it.
const FITS_WITH_TLS = 90 * 1024;

describe('firmware memory', () => {
  it('stays within an ESP32 heap in steady state and while logging 50 lines/s', async () => {
    rig = await startRig({ boardConfig: { modules: { blinky: { pin: 2, period_ms: 100 } } } });
    const prefix = rig.prefixes[0]!;
    const [board] = rig.boards;
    await rig.fleet.start();
    await untilHealthy(board!);
    const boot = board!.heap().peak; // includes compiling the .py modules (an .mpy build avoids that)
    await board!.probe('import gc\ngc.collect()\ngc.mem_alloc()');
    board!.resetHeapPeak();
    await new Promise((r) => setTimeout(r, 3000));
    const steady = board!.heap();
    board!.resetHeapPeak();

    await board!.probe('__import__("_simstream").out_peak[0] = 0'); // the largest Stream.out_buf from now on
    await board!.probe([
      'import asyncio, mqb_log',
      '_spam = mqb_log.getLogger("spam")',
      'async def _spammer():',
      '    for i in range(250):',
      '        _spam.info("line %d of the logging load test, padded to a realistic length", i)',
      '        await asyncio.sleep_ms(20)',
      'asyncio.create_task(_spammer())',
    ].join('\n'));
    await until('250 lines published', () => logLines(rig!, prefix).filter((l) => l.includes('logging load test')).length >= 250, 20_000);
    const logging = board!.heap();
    // What the flood kept in Stream.out_buf beyond lwIP's 5744-byte send buffer (issue 15, point 7).
    const outBuf = await board!.probeJson<number>('__import__("_simstream").out_peak[0]');
    const status = lastStatus(rig, prefix)!;
    console.log(
      `heap high-water: boot ${(boot / 1024).toFixed(1)} KB, steady state ${(steady.peak / 1024).toFixed(1)} KB ` +
        `(now ${(steady.now / 1024).toFixed(1)} KB), logging 50 lines/s ${(logging.peak / 1024).toFixed(1)} KB (out_buf peak ${outBuf} bytes); status mem_free ${status.mem_free}`,
    );
    expect(steady.peak).toBeLessThan(FITS_WITH_TLS);
    expect(logging.peak).toBeLessThan(FITS_WITH_TLS);
  }, 60_000);
});
