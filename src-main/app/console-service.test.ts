// The ConsoleService over the real Engine with a fake broker session: connection states, batched
// fleet events, per-client REPL sessions, and the file dialog's path grant.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { eventSchema } from '../common/contract.js';
import type { EventName } from '../common/contract.js';
import { MqbError } from '../common/errors.js';
import { decodeFrame, decodeText, encodeFrame, encodeText } from '../common/protocol.js';
import { validate } from '../common/schema.js';
import { Engine } from '../core/engine.js';
import { FakeSession } from '../core/fake-session.js';
import { ConsoleService } from './console-service.js';
import { createDispatcher } from './dispatcher.js';
import { ProfileStore } from './profile-store.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mqb-service-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const status = (prefix: string) => JSON.stringify({ online: true, prefix, fw: '1.0.0', proto: 2, caps: ['eval', 'tty'] });

function setup(opts: { fail?: boolean; mode?: 'electron' | 'web'; dialog?: () => Promise<string | null> } = {}) {
  const session = new (class extends FakeSession {
    close = vi.fn(async () => undefined);
  })();
  const engine = new Engine({
    openSession: async (profile) => {
      if (opts.fail) throw new MqbError('AUTH', `the broker at ${profile.url} refused the user name or password`);
      return session;
    },
  });
  const profiles = new ProfileStore({ builtin: [{ id: 'lab', name: 'Lab', url: 'mqtt://lab:1883', password: 'pw' }] });
  const service = new ConsoleService({ info: { mode: opts.mode ?? 'web', version: 't' }, profiles, engine, ...(opts.dialog && { openFileDialog: opts.dialog }) });
  const events: [EventName, unknown][] = [];
  service.subscribe((e, d) => events.push([e, d]));
  const dispatch = createDispatcher(service.handlers);
  return { session, service, events, call: (op: string, params: unknown, clientId = 'c1') => dispatch(op, params, { clientId }) };
}

describe('console service', () => {
  it('reports a refused connection as an error state with the reason, and the request fails with its code', async () => {
    const { call, events } = setup({ fail: true });
    expect(await call('profiles.connect', { id: 'lab' })).toEqual({ ok: false, error: { code: 'AUTH', message: 'the broker at mqtt://lab:1883 refused the user name or password' } });
    expect(events.map(([, d]) => d)).toEqual([
      { id: 'lab', state: 'connecting' },
      { id: 'lab', state: 'error', error: 'the broker at mqtt://lab:1883 refused the user name or password' },
    ]);
    const list = await call('profiles.list', {});
    expect(list).toMatchObject({ ok: true, result: [{ id: 'lab', state: 'error', hasPassword: true }] });
    expect(JSON.stringify(list)).not.toContain('"pw"');
  });

  it('batches fleet changes into few events', async () => {
    vi.useFakeTimers();
    try {
      const { call, session, events, service } = setup();
      expect(await call('profiles.connect', { id: 'lab' })).toEqual({ ok: true, result: {} });
      for (let i = 1; i <= 20; i++) session.deliver(`sim/b${i}/mqb/status`, status(`sim/b${i}`), { retain: true, dup: false });
      await vi.advanceTimersByTimeAsync(150);
      const fleet = events.filter(([e]) => e === 'fleet.changed');
      expect(fleet).toHaveLength(1);
      expect((fleet[0]![1] as { upserts: unknown[] }).upserts).toHaveLength(20);
      expect(await call('fleet.snapshot', { profileId: 'lab' })).toMatchObject({ ok: true, result: expect.arrayContaining([expect.objectContaining({ prefix: 'sim/b7', online: true, fw: '1.0.0' })]) });
      await service.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('one board with a 250-character prefix does not blank the fleet: the snapshot and the batch keep the others', async () => {
    vi.useFakeTimers();
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const { call, session, events, service } = setup();
      await call('profiles.connect', { id: 'lab' });
      const long = `evil/${'x'.repeat(245)}`;
      session.deliver(`${long}/mqb/status`, status(long), { retain: true, dup: false });
      session.deliver('sim/b1/mqb/status', status('sim/b1'), { retain: true, dup: false });
      await vi.advanceTimersByTimeAsync(150);
      const batch = events.find(([e]) => e === 'fleet.changed')![1];
      expect(validate(eventSchema('fleet.changed'), batch)).toEqual({ ok: true, value: batch });
      expect((batch as { upserts: { prefix: string }[] }).upserts.map((b) => b.prefix)).toEqual(['sim/b1']);
      expect(await call('fleet.snapshot', { profileId: 'lab' })).toMatchObject({ ok: true, result: [expect.objectContaining({ prefix: 'sim/b1' })] });
      expect(error).toHaveBeenCalledWith(expect.stringContaining('evil/xxx'));
      await service.close();
    } finally {
      error.mockRestore();
      vi.useRealTimers();
    }
  });

  it('puts the nested-prefix warning on both boards\' views', async () => {
    vi.useFakeTimers();
    try {
      const { call, session, service } = setup();
      await call('profiles.connect', { id: 'lab' });
      session.deliver('sim/mqb/status', status('sim'), { retain: true, dup: false });
      session.deliver('sim/b1/mqb/status', status('sim/b1'), { retain: true, dup: false });
      const r = (await call('fleet.snapshot', { profileId: 'lab' })) as { result: Array<{ prefix: string; warning?: string }> };
      expect(r.result.map((b) => b.prefix)).toEqual(['sim', 'sim/b1']);
      expect(r.result[0]!.warning).toMatch(/^nested prefix: holds the prefix of "sim\/b1"/);
      expect(r.result[1]!.warning).toMatch(/^nested prefix: inside the prefix of "sim"/);
      await service.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('pages the snapshot and splits a large batch: 10,500 boards (beyond the 10,000 array cap) in pages and events of 1,000', async () => {
    vi.useFakeTimers();
    try {
      const { call, session, events, service } = setup();
      await call('profiles.connect', { id: 'lab' });
      const prefixes = Array.from({ length: 10_500 }, (_, i) => `f/b${String(i).padStart(5, '0')}`);
      for (const p of prefixes) session.deliver(`${p}/mqb/status`, status(p), { retain: true, dup: false });
      await vi.advanceTimersByTimeAsync(150);
      const batches = events.filter(([e]) => e === 'fleet.changed').map(([, d]) => d as { upserts: { prefix: string }[] });
      expect(batches.map((b) => b.upserts.length)).toEqual([...Array<number>(10).fill(1_000), 500]);
      for (const b of batches) expect(validate(eventSchema('fleet.changed'), b).ok).toBe(true);
      const seen: string[] = [];
      for (let pages = 0; pages < 20; pages++) {
        const after = seen.at(-1);
        const r = await call('fleet.snapshot', { profileId: 'lab', ...(after && { after }) });
        expect(r).toMatchObject({ ok: true });
        const page = (r as { result: { prefix: string }[] }).result;
        seen.push(...page.map((b) => b.prefix));
        if (page.length < 1_000) break;
      }
      expect(seen).toEqual(prefixes);
      await service.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps a REPL session to the client that opened it, and ends it when that client goes', async () => {
    const { call, session, service } = setup();
    await call('profiles.connect', { id: 'lab' });
    session.deliver('sim/b1/mqb/status', status('sim/b1'), { retain: true, dup: false });
    // The board: answers the opener with a prompt.
    session.onPublish = (p) => {
      const m = /^sim\/b1\/mqb\/cmd\/tty\/([^/]+)$/.exec(p.topic);
      const body = decodeText(decodeFrame(p.payload).payload);
      if (m && body === 'l') session.deliver(`sim/b1/mqb/reply/out/${m[1]}`, encodeFrame(0, false, encodeText('p>>> ')));
    };
    const opened = (await call('tty.open', { profileId: 'lab', prefix: 'sim/b1' })) as { ok: true; result: { sessionId: string } };
    const { sessionId } = opened.result;
    expect(await call('tty.input', { sessionId, text: 'x' }, 'c2')).toMatchObject({ ok: false, error: { code: 'USAGE' } });
    expect(await call('tty.input', { sessionId, text: 'x' }, 'c1')).toEqual({ ok: true, result: {} });
    service.clientGone('c1');
    await vi.waitFor(() => expect(session.published.some((p) => p.topic.endsWith(sessionId) && decodeText(decodeFrame(p.payload).payload) === 'q')).toBe(true));
    expect(await call('tty.input', { sessionId, text: 'x' }, 'c1')).toMatchObject({ ok: false, error: { code: 'USAGE' } });
    await service.close();
  });

  it('offers the native dialog only in the desktop app, and grants the chosen path', async () => {
    expect(await setup().call('dialog.openFile', {})).toMatchObject({ ok: false, error: { code: 'NOT_AVAILABLE' } });
    const file = path.join(tmp, 'notes.bin');
    fs.writeFileSync(file, 'not an image');
    const { call } = setup({ mode: 'electron', dialog: async () => file });
    expect(await call('ota.inspect', { image: { kind: 'path', path: file } })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(await call('dialog.openFile', { title: 'Firmware image', extensions: ['bin'] })).toEqual({ ok: true, result: { path: file } });
    const inspected = await call('ota.inspect', { image: { kind: 'path', path: file } });
    expect(inspected).toMatchObject({ ok: true, result: { name: 'notes.bin', size: 12, error: expect.stringContaining('not a valid ESP32 app image') } });
  });

  it('a profile takes certificates as PEM text or picked files, never a typed path (issue 9.7)', async () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const web = setup();
    for (const role of ['ca', 'cert', 'key']) {
      const r = await web.call('profiles.save', { name: 'B', url: 'mqtts://b:8883', [role]: '/etc/shadow' });
      expect(r).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringMatching(/must be PEM text in the web console/) } });
    }
    expect(await web.call('profiles.save', { name: 'B', url: 'mqtts://b:8883', ca: pem })).toMatchObject({ ok: true });
    expect((await web.call('profiles.list', {})) as { result: unknown[] }).toMatchObject({ result: [{ id: 'lab' }, { name: 'B' }] });

    const file = path.join(tmp, 'ca.pem');
    fs.writeFileSync(file, pem);
    const desk = setup({ mode: 'electron', dialog: async () => file });
    expect(await desk.call('profiles.save', { name: 'C', url: 'mqtts://c:8883', ca: file })).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringMatching(/chosen with "Choose/) } });
    await desk.call('dialog.openFile', { title: 'CA certificate' });
    const saved = (await desk.call('profiles.save', { name: 'C', url: 'mqtts://c:8883', ca: file })) as { ok: true; result: { id: string } };
    expect(saved).toMatchObject({ ok: true, result: { ca: file } });
    // Saved again later (another session): its path is kept without a new pick.
    const again = setup({ mode: 'electron' });
    expect(await again.call('profiles.save', { id: 'lab', name: 'Lab', url: 'mqtt://lab:1883', ca: '/typed/ca.pem' })).toMatchObject({ ok: false });
  });
});
