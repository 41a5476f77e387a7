// The ConsoleService: every contract operation, implemented over the Engine. Electron main and
// the web mode put it behind their transport (through the dispatcher, which validates first);
// the UI's events come out of its bus.
import { ConsoleError } from '../common/contract.js';
import { defaultDataDir } from '../core/data-dir.js';
import { Engine } from '../core/engine.js';
import { boardHandlers } from './board-ops.js';
import type { Handlers } from './dispatcher.js';
import { EventBus } from './event-bus.js';
import type { EventListener } from './event-bus.js';
import { LocalFiles } from './local-files.js';
import { OtaOps } from './ota-ops.js';
import { ProfileOps } from './profile-ops.js';
import { RolloutOps } from './rollout-ops.js';
import type { ProfileStore } from './profile-store.js';
import type { AppInfo, OpenFileDialog, ServiceContext } from './service-context.js';
import { SessionOps } from './session-ops.js';
import { TransferOps } from './transfer-ops.js';
import { WakeOps } from './wake-ops.js';

export interface ConsoleServiceOptions {
  info: AppInfo;
  profiles: ProfileStore;
  engine?: Engine;
  /** Electron: the native dialog. Without it dialog.openFile answers NOT_AVAILABLE. */
  openFileDialog?: OpenFileDialog;
  /** Where rollouts are kept (default: the CLI's, MQBOARD_DATA_DIR or the OS's app data folder). */
  rolloutDataDir?: string;
}

export class ConsoleService {
  readonly handlers: Handlers;
  private readonly ctx: ServiceContext;
  private readonly profileOps: ProfileOps;
  private readonly sessionOps: SessionOps;
  private readonly otaOps: OtaOps;
  private readonly transferOps: TransferOps;
  private readonly wakeOps: WakeOps;
  private readonly rolloutOps: RolloutOps;

  constructor(opts: ConsoleServiceOptions) {
    this.ctx = {
      engine: opts.engine ?? new Engine(),
      bus: new EventBus(),
      profiles: opts.profiles,
      // Local paths only where a person picked them in a native dialog or by a drop: Electron.
      files: new LocalFiles(opts.info.mode === 'electron'),
      info: opts.info,
      ...(opts.openFileDialog && { openFileDialog: opts.openFileDialog }),
      states: new Map(),
    };
    this.profileOps = new ProfileOps(this.ctx);
    this.sessionOps = new SessionOps(this.ctx);
    this.otaOps = new OtaOps(this.ctx);
    this.transferOps = new TransferOps(this.ctx);
    this.wakeOps = new WakeOps(this.ctx);
    this.rolloutOps = new RolloutOps(this.ctx, opts.rolloutDataDir ?? defaultDataDir());
    const dialog = opts.openFileDialog;
    this.handlers = {
      ...this.profileOps.handlers(),
      ...boardHandlers(this.ctx),
      ...this.sessionOps.handlers(),
      ...this.otaOps.handlers(),
      ...this.transferOps.handlers(),
      ...this.wakeOps.handlers(),
      ...this.rolloutOps.handlers(),
      'dialog.openFile': async (p, { clientId }) => {
        if (!dialog) throw new ConsoleError('NOT_AVAILABLE', 'no native file dialog in the web mode: choose the file in the page');
        const chosen = await dialog(clientId, p);
        if (chosen) this.ctx.files.grant(chosen);
        return { path: chosen };
      },
    };
  }

  get engine(): Engine {
    return this.ctx.engine;
  }

  subscribe(listener: EventListener): () => void {
    return this.ctx.bus.subscribe(listener);
  }

  /** The user dropped this file on the window (Electron preload): the UI may refer to it by path. */
  grantPath(file: string): void {
    this.ctx.files.grant(file);
  }

  /** Connects a profile outside a request (the demo at start-up). */
  connect(profileId: string): Promise<void> {
    return this.profileOps.connect(profileId);
  }

  clientGone(clientId: string): void {
    this.sessionOps.clientGone(clientId);
    this.transferOps.clientGone(clientId);
    this.wakeOps.clientGone(clientId);
  }

  async close(): Promise<void> {
    this.otaOps.cancelAll();
    await this.rolloutOps.close();
    this.transferOps.cancelAll();
    this.wakeOps.close();
    await this.sessionOps.close();
    this.profileOps.close();
    await this.ctx.engine.close();
  }
}
