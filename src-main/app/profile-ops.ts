// Broker profiles, connections and the fleet: app.info, profiles.*, fleet.snapshot. Connecting a
// profile wires its registry into batched `fleet.changed` events and its session state into
// `profiles.state`.
import { ConsoleError, FLEET_PAGE_SIZE } from '../common/contract.js';
import type { BoardView, ProfileInput, ProfileView } from '../common/contract.js';
import { isMqbError } from '../common/errors.js';
import type { BrokerProfile } from '../core/broker-profile.js';
import { fittingView, snapshotPage } from './board-view.js';
import { Batcher } from './event-bus.js';
import type { HandlerGroup, ServiceContext } from './service-context.js';

type FleetChange = { upsert: string } | { removed: string };

export class ProfileOps {
  /** Per connected profile: how to stop forwarding its registry's events. */
  private readonly watches = new Map<string, () => void>();

  constructor(private readonly ctx: ServiceContext) {
    ctx.engine.on('profile-state', ({ id, state }) => this.setState(id, state === 'closed' ? 'offline' : state));
  }

  handlers(): HandlerGroup<'app.info' | 'profiles.list' | 'profiles.save' | 'profiles.remove' | 'profiles.connect' | 'profiles.disconnect' | 'fleet.snapshot'> {
    const { ctx } = this;
    return {
      'app.info': async () => ({ mode: ctx.info.mode, version: ctx.info.version, demo: ctx.info.demoProfileId !== undefined, ...(ctx.info.demoProfileId && { demoProfileId: ctx.info.demoProfileId }) }),
      'profiles.list': async () => ctx.profiles.list().map((p) => this.view(p)),
      'profiles.save': async (input) => {
        this.checkTlsFiles(input);
        return this.view(ctx.profiles.save(input));
      },
      'profiles.remove': async ({ id }) => {
        ctx.profiles.get(id);
        await this.disconnect(id);
        ctx.profiles.remove(id);
        ctx.states.delete(id);
        return {};
      },
      'profiles.connect': async ({ id }) => {
        await this.connect(id);
        return {};
      },
      'profiles.disconnect': async ({ id }) => {
        ctx.profiles.get(id);
        await this.disconnect(id);
        return {};
      },
      'fleet.snapshot': async ({ profileId, after }) => snapshotPage(ctx.engine.registry(profileId).list(), after),
    };
  }

  /**
   * A certificate or key is PEM text, or a path the user picked in the file dialog (desktop); a
   * profile saved earlier keeps its path. A typed path would let a page make the console read,
   * and tell the existence of, any local file.
   */
  private checkTlsFiles(input: ProfileInput): void {
    const old = input.id !== undefined && this.ctx.profiles.has(input.id) ? this.ctx.profiles.get(input.id) : undefined;
    for (const role of ['ca', 'cert', 'key'] as const) {
      const v = input[role];
      if (!v || v.includes('-----BEGIN') || v === old?.[role] || this.ctx.files.isGranted(v)) continue;
      const what = role === 'ca' ? 'CA certificate' : role === 'cert' ? 'client certificate' : 'client key';
      throw new ConsoleError('USAGE', this.ctx.info.mode === 'web'
        ? `the ${what} must be PEM text in the web console (paste it, or choose the file so the page reads it); the console does not open paths typed in the browser`
        : `the ${what} must be chosen with "Choose…" (or pasted as PEM text); a typed path is not opened`);
    }
  }

  async connect(id: string): Promise<void> {
    const profile = this.ctx.profiles.get(id);
    if (this.watches.has(id)) return;
    this.setState(id, 'connecting');
    try {
      // The console keeps every board's recent log lines, so a pane opened late shows them (issue 10.3).
      await this.ctx.engine.connect(profile, { logHistory: true });
    } catch (err) {
      this.setState(id, 'error', isMqbError(err) || err instanceof Error ? err.message : String(err));
      throw err;
    }
    this.watch(id);
    this.setState(id, 'online');
  }

  async disconnect(id: string): Promise<void> {
    this.watches.get(id)?.();
    this.watches.delete(id);
    await this.ctx.engine.disconnect(id);
    if (this.ctx.states.has(id)) this.setState(id, 'offline');
  }

  close(): void {
    for (const stop of this.watches.values()) stop();
    this.watches.clear();
  }

  private watch(profileId: string): void {
    const registry = this.ctx.engine.registry(profileId);
    const batch = new Batcher<FleetChange>((changes) => {
      const upserts = new Set<string>();
      const removed = new Set<string>();
      for (const c of changes) {
        if ('upsert' in c) {
          upserts.add(c.upsert);
          removed.delete(c.upsert);
        } else {
          removed.add(c.removed);
          upserts.delete(c.removed);
        }
      }
      const views = [...upserts].flatMap((p) => {
        const e = registry.get(p);
        const v = e && fittingView(e);
        return v ? [v] : [];
      });
      // A prefix too long for the contract was never sent, so its removal is not either.
      this.emitChanges(profileId, views, [...removed].filter((p) => p.length <= 200));
    });
    const onUpsert = (e: { prefix: string }) => batch.push({ upsert: e.prefix });
    const onRemoved = (prefix: string) => batch.push({ removed: prefix });
    registry.on('board-added', onUpsert);
    registry.on('board-changed', onUpsert);
    registry.on('board-removed', onRemoved);
    this.watches.set(profileId, () => {
      registry.off('board-added', onUpsert);
      registry.off('board-changed', onUpsert);
      registry.off('board-removed', onRemoved);
      batch.cancel();
    });
  }

  /** One event per FLEET_PAGE_SIZE boards: a burst (thousands discovered at once) stays valid. */
  private emitChanges(profileId: string, upserts: BoardView[], removed: string[]): void {
    for (let i = 0; i === 0 || i < Math.max(upserts.length, removed.length); i += FLEET_PAGE_SIZE) {
      this.ctx.bus.emit('fleet.changed', { profileId, upserts: upserts.slice(i, i + FLEET_PAGE_SIZE), removed: removed.slice(i, i + FLEET_PAGE_SIZE) });
    }
  }

  private setState(id: string, state: ProfileView['state'], error?: string): void {
    const current = { state, ...(error !== undefined && { error: error.slice(0, 2_000) }) };
    this.ctx.states.set(id, current);
    this.ctx.bus.emit('profiles.state', { id, ...current });
  }

  private view(p: BrokerProfile): ProfileView {
    const st = this.ctx.states.get(p.id) ?? { state: 'offline' as const };
    const v: ProfileView = {
      id: p.id,
      name: p.name,
      url: p.url,
      hasPassword: p.password !== undefined && p.password !== '',
      insecure: p.insecure === true,
      discovery: p.discovery ?? [],
      builtin: this.ctx.profiles.isBuiltin(p.id),
      state: st.state,
    };
    if (p.username !== undefined) v.username = p.username;
    if (p.ca !== undefined) v.ca = p.ca;
    if (p.cert !== undefined) v.cert = p.cert;
    if (p.key !== undefined) v.key = p.key;
    if (p.clientId !== undefined) v.clientId = p.clientId;
    if (st.error !== undefined) v.error = st.error;
    return v;
  }
}
