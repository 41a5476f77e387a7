import { describe, expect, it } from 'vitest';
import { bridgeFunctionName, contract, isEventName, isRequestName, MAX_TRANSFER_BYTES, REQUEST_NAMES, timeoutOf } from './contract.js';
import type { ParamsOf, ResultOf } from './contract.js';
import { validate } from './schema.js';
import { encodeWire } from './wire-codec.js';

const target = { profileId: 'demo', prefix: 'sim/sim-01' };

describe('the console contract', () => {
  it('accepts a well-formed eval and refuses one for a wildcard prefix', () => {
    const ok: ParamsOf<'board.eval'> = { ...target, source: '1+1' };
    expect(validate(contract.requests['board.eval'].params, ok).ok).toBe(true);
    const bad = validate(contract.requests['board.eval'].params, { ...target, prefix: 'sim/#', source: '1' });
    expect(bad).toEqual({ ok: false, error: 'prefix: the board prefix "sim/#" contains a wildcard or NUL' });
  });

  it('refuses a relative or NUL board path', () => {
    const ls = contract.requests['board.ls'].params;
    expect(validate(ls, { ...target, path: 'lib' }).ok).toBe(false);
    expect(validate(ls, { ...target, path: '/lib\0x' }).ok).toBe(false);
    expect(validate(ls, { ...target, path: '/lib', recursive: true }).ok).toBe(true);
  });

  it('takes a file as bytes or as a local path, nothing else', () => {
    const inspect = contract.requests['ota.inspect'].params;
    expect(validate(inspect, { image: { kind: 'bytes', name: 'fw.bin', data: new Uint8Array([0xe9]) } }).ok).toBe(true);
    expect(validate(inspect, { image: { kind: 'path', path: '/tmp/fw.bin' } }).ok).toBe(true);
    expect(validate(inspect, { image: { kind: 'url', url: 'http://x' } })).toEqual({ ok: false, error: 'image.kind: must be one of "bytes", "path"' });
    expect(validate(inspect, { image: { kind: 'bytes', name: 'fw.bin', data: 'AAAA' } })).toEqual({ ok: false, error: 'image.data: expected bytes, got string' });
  });

  it('answers an upload or a download with a transfer id, and takes and cancels by that id', () => {
    const file = { kind: 'bytes', name: 'data.bin', data: new Uint8Array(3 * 1024 * 1024) };
    expect(validate(contract.requests['board.upload'].params, { ...target, path: '/data.bin', file }).ok).toBe(true);
    expect(validate(contract.requests['board.upload'].result, { transferId: 'Ab_9-x', total: 3 }).ok).toBe(true);
    expect(validate(contract.requests['board.download'].result, { transferId: 'Ab_9-x' }).ok).toBe(true);
    expect(validate(contract.requests['transfer.cancel'].params, { transferId: 'a/b' })).toEqual({ ok: false, error: 'transferId: must be a transfer id (letters, digits, ".", "-", "_")' });
    expect(validate(contract.requests['transfer.take'].result, { name: 'x', data: Uint8Array.of(1), sha256: 'ab' }).ok).toBe(true);
  });

  it('refuses a file above the transfer limit, which still fits one web-mode message', () => {
    const upload = contract.requests['board.upload'].params;
    const over = { ...target, path: '/big.bin', file: { kind: 'bytes', name: 'big.bin', data: new Uint8Array(MAX_TRANSFER_BYTES + 1) } };
    expect(validate(upload, over)).toEqual({ ok: false, error: `file.data: too large (${MAX_TRANSFER_BYTES + 1} bytes, at most ${MAX_TRANSFER_BYTES})` });
    // The web server takes messages up to 48 MB (web-server.ts): the largest upload, base64 in JSON, fits.
    const envelope = encodeWire({ id: 1, op: 'board.upload', params: { ...over, file: { ...over.file, data: new Uint8Array(0) } } }).length;
    expect(envelope + Math.ceil(MAX_TRANSFER_BYTES / 3) * 4).toBeLessThan(48 * 1024 * 1024);
  });

  it('describes transfer progress, with the hash once done', () => {
    const ev = { transferId: 't1', prefix: 'sim/sim-01', path: '/a.py', direction: 'upload', phase: 'transferring', sent: 4096, total: 8192, rate: 2048, eta: 2 };
    expect(validate(contract.events['transfer.progress'], ev).ok).toBe(true);
    expect(validate(contract.events['transfer.progress'], { ...ev, phase: 'done', sha256: 'ab' }).ok).toBe(true);
    expect(validate(contract.events['transfer.progress'], { ...ev, direction: 'sideways' }).ok).toBe(false);
    expect(validate(contract.events['transfer.progress'], { ...ev, phase: 'paused' }).ok).toBe(false);
  });

  it('carries the apps of a board in its view, bounded', () => {
    const board = { prefix: 'sim/sim-01', online: true, lastSeen: 1, fw: '1', project: 'p', partition: 'ota_0', pendingVerify: false, safeMode: false, safeReason: '', resetCause: '', crashes: 0, uptime: null, memFree: null, ip: null, rssi: null, proto: 2, caps: [], state: 'online' };
    const list = contract.requests['fleet.snapshot'].result;
    expect(validate(list, [{ ...board, modules: { blinky: '1.0.0', faulty: 'failed: RuntimeError()' } }]).ok).toBe(true);
    expect(validate(list, [board])).toEqual({ ok: false, error: '[0].modules: expected an object, got undefined' });
    expect(validate(list, [{ ...board, modules: { x: 'y'.repeat(501) } }]).ok).toBe(false);
  });

  it('carries a battery board\'s state, wake and duty cycle', () => {
    const board = { prefix: 'bat', online: false, lastSeen: 1, fw: '1', project: 'p', partition: 'ota_0', pendingVerify: false, safeMode: false, safeReason: '', resetCause: '', crashes: 0, uptime: null, memFree: null, ip: null, rssi: null, proto: 2, caps: ['awake'], modules: {} };
    const list = contract.requests['fleet.snapshot'].result;
    expect(validate(list, [{ ...board, state: 'asleep', wakeAt: 5, sleep: { period: 10, awake: 2 } }]).ok).toBe(true);
    expect(validate(list, [{ ...board, state: 'dozing' }]).ok).toBe(false);
    expect(validate(contract.requests['board.stayAwake'].params, { profileId: 'p', prefix: 'bat', seconds: 3_601 }).ok).toBe(false);
    expect(validate(contract.requests['queue.add'].params, { profileId: 'p', prefix: 'bat', command: { kind: 'reset', mode: 'normal' } }).ok).toBe(true);
    expect(validate(contract.requests['queue.add'].params, { profileId: 'p', prefix: 'bat', command: { kind: 'ota' } }).ok).toBe(false);
  });

  it('needs at least one OTA target', () => {
    const p = { image: { kind: 'path', path: '/fw.bin' }, targets: [], reset: true };
    expect(validate(contract.requests['ota.start'].params, p)).toEqual({ ok: false, error: 'targets: needs at least 1 item' });
  });

  it('has no password field in the profile view, and an optional one in the profile input', () => {
    const view = { id: 'p1', name: 'lab', url: 'mqtt://h:1883', hasPassword: true, insecure: false, discovery: [], builtin: false, state: 'offline' };
    expect(validate(contract.requests['profiles.list'].result, [view]).ok).toBe(true);
    expect(validate(contract.requests['profiles.list'].result, [{ ...view, password: 'x' }])).toEqual({ ok: false, error: '[0].password: unknown field' });
    const input: ParamsOf<'profiles.save'> = { name: 'lab', url: 'mqtts://broker.example:8883' };
    expect(validate(contract.requests['profiles.save'].params, input).ok).toBe(true);
    expect(validate(contract.requests['profiles.save'].params, { name: 'lab', url: 'http://x' }).ok).toBe(false);
  });

  it('gives every operation a timeout, longer ones where boards take time', () => {
    expect(timeoutOf('fleet.snapshot')).toBe(15_000);
    expect(timeoutOf('board.eval')).toBe(30_000);
    for (const op of REQUEST_NAMES) expect(timeoutOf(op)).toBeGreaterThan(0);
  });

  it('knows its operation and event names (and only those)', () => {
    expect(isRequestName('board.eval')).toBe(true);
    expect(isRequestName('toString')).toBe(false);
    expect(isRequestName('__proto__')).toBe(false);
    expect(isEventName('fleet.changed')).toBe(true);
    expect(isEventName('constructor')).toBe(false);
  });

  it('names the preload functions after the operations, all distinct', () => {
    expect(bridgeFunctionName('board.readText')).toBe('boardReadText');
    expect(bridgeFunctionName('app.info')).toBe('appInfo');
    expect(new Set(REQUEST_NAMES.map(bridgeFunctionName)).size).toBe(REQUEST_NAMES.length);
  });

  it('types results from the schemas', () => {
    const r: ResultOf<'tty.open'> = { sessionId: 'abc' };
    expect(validate(contract.requests['tty.open'].result, r).ok).toBe(true);
    const ev = { sessionId: 'abc', kind: 'prompt', text: '>>> ' };
    expect(validate(contract.events['tty.output'], ev).ok).toBe(true);
    expect(validate(contract.events['tty.output'], { ...ev, kind: 'html' }).ok).toBe(false);
  });
});
