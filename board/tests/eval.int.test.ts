import { afterEach, describe, expect, it } from 'vitest';
import type { FirmwareRig } from './firmware-harness.js';
import { lastStatus, startRig, until } from './firmware-harness.js';

let rig: FirmwareRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

// A protocol-level client of the original MQBoard wire format (shared/reference): framed
// command, replies on reply/out (2-byte header: bit 15 last, 0x7FFF = single) or reply/err.
async function evalOnBoard(r: FirmwareRig, prefix: string, source: string, id: string): Promise<{ out?: Buffer; err?: string }> {
  await r.peer.publishAsync(`${prefix}/mqb/cmd/eval/${id}`, Buffer.concat([Buffer.from([0x80, 0x00]), Buffer.from(source)]), { qos: 1 });
  return until(`reply to ${id}`, () => {
    const err = r.seen.find((m) => m.topic === `${prefix}/mqb/reply/err/${id}`);
    if (err) return { err: err.payload.toString() };
    const parts = r.seen.filter((m) => m.topic === `${prefix}/mqb/reply/out/${id}`).map((m) => m.payload);
    const single = parts.find((p) => p.readUInt16BE(0) === 0xffff);
    if (single) return { out: single.subarray(2) };
    const last = parts.find((p) => p.readUInt16BE(0) & 0x8000);
    if (!last) return undefined;
    const ordered = [...new Map(parts.map((p) => [p.readUInt16BE(0) & 0x7fff, p])).entries()].sort((a, b) => a[0] - b[0]);
    if (ordered.length !== (last.readUInt16BE(0) & 0x7fff) + 1) return undefined;
    return { out: Buffer.concat(ordered.map(([, p]) => p.subarray(2))) };
  });
}

describe('eval command (original protocol)', () => {
  it('answers expressions with repr, captures printed output in chunks, returns tracebacks on err', async () => {
    rig = await startRig();
    const prefix = rig.prefixes[0]!;
    await rig.fleet.start();
    await until('online', () => lastStatus(rig!, prefix)?.online);
    expect((await evalOnBoard(rig, prefix, '6 * 7', 'e1')).out?.toString()).toBe('42');
    expect((await evalOnBoard(rig, prefix, 'x = 3\nfor i in range(x):\n    print("line", i)', 'e2')).out?.toString()).toBe('line 0\nline 1\nline 2\n');
    expect((await evalOnBoard(rig, prefix, 'x + 1', 'e3')).out?.toString()).toBe('4'); // __main__ globals persist
    const err = await evalOnBoard(rig, prefix, '1 / 0', 'e4');
    expect(err.err).toMatch(/Traceback[\s\S]*ZeroDivisionError/);
    const big = await evalOnBoard(rig, prefix, 'for i in range(400):\n    print("%04d" % i, "x" * 20)', 'e5');
    const expected = Array.from({ length: 400 }, (_, i) => `${String(i).padStart(4, '0')} ${'x'.repeat(20)}\n`).join('');
    expect(big.out?.toString()).toBe(expected);
    expect(rig.seen.filter((m) => m.topic === `${prefix}/mqb/reply/out/e5`).length).toBeGreaterThan(5);
    await rig.peer.publishAsync(`${prefix}/mqb/cmd/nope/e6`, Buffer.from([0x80, 0]), { qos: 1 });
    const unknown = await until('err reply', () => rig!.seen.find((m) => m.topic === `${prefix}/mqb/reply/err/e6`));
    expect(unknown.payload.toString()).toBe("Command 'nope' not supported");
  }, 60_000);
});
