// What the preload exposes as `window.mqboard`: one named function per contract operation (and
// nothing that would hand the page ipcRenderer or Node). Built from injected primitives so that
// tests run it without Electron.
import { bridgeFunctionName, isEventName, REQUEST_NAMES } from '../common/contract.js';
import type { EventName, MqboardBridge, Reply } from '../common/contract.js';

export interface BridgePrimitives {
  invoke(op: string, params: unknown): Promise<Reply<unknown>>;
  /** Subscribes once to main's event channel. */
  onEvent(listener: (event: string, data: unknown) => void): void;
  getPathForFile(file: object): string;
  /** Tells main the user chose this local path (a drop): FileRefs may now name it. */
  grantPath(path: string): void;
}

export function buildBridge(p: BridgePrimitives): MqboardBridge {
  const listeners = new Map<EventName, Set<(data: unknown) => void>>();
  p.onEvent((event, data) => {
    if (!isEventName(event)) return;
    for (const l of [...(listeners.get(event) ?? [])]) l(data);
  });
  const bridge: Record<string, unknown> = {};
  for (const op of REQUEST_NAMES) bridge[bridgeFunctionName(op)] = (params: unknown) => p.invoke(op, params);
  bridge.on = (event: EventName, listener: (data: unknown) => void) => {
    if (!isEventName(event) || typeof listener !== 'function') throw new TypeError(`unknown event ${String(event)}`);
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  };
  // A File with a path exists only when the user dropped or picked it: the page cannot make one up.
  bridge.getPathForFile = (file: object) => {
    const path = p.getPathForFile(file);
    if (path) p.grantPath(path);
    return path;
  };
  return bridge as MqboardBridge;
}
