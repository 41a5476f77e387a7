// What the ConsoleService's operation groups share: the engine, the event bus, the profiles and
// local files, and a few helpers every board operation needs.
import type { ProfileState, RequestName } from '../common/contract.js';
import type { Engine } from '../core/engine.js';
import type { BoardClient } from '../core/board-client.js';
import type { Handlers } from './dispatcher.js';
import type { EventBus } from './event-bus.js';
import type { LocalFiles } from './local-files.js';
import type { ProfileStore } from './profile-store.js';

export interface AppInfo {
  mode: 'electron' | 'web';
  version: string;
  /** The built-in demo profile, when the embedded demo runs. */
  demoProfileId?: string;
}

/** The native open-file dialog (Electron); resolves with the chosen path, or null when cancelled. */
export type OpenFileDialog = (clientId: string, opts: { title?: string; extensions?: string[] }) => Promise<string | null>;

export interface ServiceContext {
  engine: Engine;
  bus: EventBus;
  profiles: ProfileStore;
  files: LocalFiles;
  info: AppInfo;
  openFileDialog?: OpenFileDialog;
  /** The last state of each profile's connection, as the UI sees it. */
  states: Map<string, { state: ProfileState; error?: string }>;
}

export type HandlerGroup<K extends RequestName> = Pick<Handlers, K>;

/**
 * The client of a board that announced itself (waits briefly for its retained status).
 * `allowAsleep`: a battery board that sleeps is fine too (the caller waits for its wake).
 */
export async function openBoard(ctx: ServiceContext, profileId: string, prefix: string, opts: { allowAsleep?: boolean } = {}): Promise<BoardClient> {
  return (await ctx.engine.openBoard(profileId, prefix, { waitMs: 2_000, ...opts })).client;
}

export const withSignal = (signal: AbortSignal) => ({ signal });
