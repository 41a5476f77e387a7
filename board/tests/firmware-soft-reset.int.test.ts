// machine.soft_reset() typed in the MQTT REPL (issue 15, point 8): on the port it raises SystemExit
// (ports/esp32/modmachine.c), and the soft reset happens where that reaches the top level. The
// firmware answers first (the eval reply, the tty session's ending), then soft-resets; no
// traceback reaches the console.
import { afterEach, describe, expect, it } from 'vitest';
import { BROKER_KINDS } from '../../src-main/testing/brokers.js';
import type { FirmwareRig } from './firmware-harness.js';
import { lastStatus, startRig, until } from './firmware-harness.js';

let rig: FirmwareRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const SOFT_RESET = 'import machine\nmachine.soft_reset()';

/** Messages the board published on a reply topic of command `id`, in order of arrival. */
function replies(r: FirmwareRig, prefix: string, id: string): { err: boolean; payload: Buffer }[] {
  return r.seen
    .filter((m) => m.topic === `${prefix}/mqb/reply/out/${id}` || m.topic === `${prefix}/mqb/reply/err/${id}`)
    .map((m) => ({ err: m.topic.includes('/err/'), payload: m.payload }));
}

/** The board's next online status after `boots` boots (its fields as published). */
async function nextBoot(r: FirmwareRig, prefix: string, boots: number): Promise<{ boots: number; resetCause: string }> {
  const s = await until(`boot ${boots + 1}`, () => {
    const st = lastStatus(r, prefix) as unknown as { online?: boolean; boots: number; reset_cause: string } | undefined;
    return st?.online === true && st.boots > boots ? st : undefined;
  }, 30_000);
  return { boots: s.boots, resetCause: s.reset_cause };
}

describe.each(BROKER_KINDS)('machine.soft_reset() from the console against %s', (kind) => {
  it('typed in the tty REPL, sent as eval or as the reset command: the reply or session ending comes, then a soft reboot', async () => {
    rig = await startRig({ kind });
    const prefix = rig.prefixes[0]!;
    await rig.fleet.start();
    const first = await nextBoot(rig, prefix, 0);

    // eval: a reply (the statements printed nothing), never an err with a traceback.
    await rig.peer.publishAsync(`${prefix}/mqb/cmd/eval/sr1`, Buffer.concat([Buffer.from([0x80, 0x00]), Buffer.from(SOFT_RESET)]), { qos: 1 });
    const afterEval = await nextBoot(rig, prefix, first.boots);
    expect(afterEval.resetCause).toBe('soft');
    expect(replies(rig, prefix, 'sr1').map((m) => [m.err, m.payload.toString('hex')])).toEqual([[false, 'ffff']]);

    // tty: the line runs, the session ends saying why (no traceback in its output), then the reboot.
    const typed = `import machine; machine.soft_reset()`;
    await rig.peer.publishAsync(`${prefix}/mqb/cmd/tty/sr2`, Buffer.concat([Buffer.from([0x00, 0x00]), Buffer.from(`l${typed}`)]), { qos: 1 });
    const afterTty = await nextBoot(rig, prefix, afterEval.boots);
    expect(afterTty.resetCause).toBe('soft');
    const frames = replies(rig, prefix, 'sr2').map((m) => ({ err: m.err, last: Boolean(m.payload.readUInt16BE(0) & 0x8000), op: String.fromCharCode(m.payload[2]!), text: m.payload.subarray(3).toString() }));
    expect(frames.some((f) => f.err || /Traceback|SystemExit/.test(f.text))).toBe(false);
    expect(frames.at(-1)).toEqual({ err: false, last: true, op: 'e', text: 'soft reset' });

    // The firmware's own soft reset (the reset command: mqb_state.reset("soft") after the reply).
    await rig.peer.publishAsync(`${prefix}/mqb/cmd/reset/sr3`, Buffer.concat([Buffer.from([0x80, 0x00]), Buffer.from('soft')]), { qos: 1 });
    expect((await nextBoot(rig, prefix, afterTty.boots)).resetCause).toBe('soft');
    expect(replies(rig, prefix, 'sr3').map((m) => m.payload.subarray(2).toString())).toEqual(['OK']);
  }, 90_000);
});
