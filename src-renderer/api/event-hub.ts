// Event fan-out on the renderer side: checks every event against the contract before a listener
// sees it (a renderer never trusts shapes it did not validate) and isolates listener failures.
import { eventSchema, isEventName } from '../../src-main/common/contract.js';
import type { EventName, EventOf } from '../../src-main/common/contract.js';
import { validate } from '../../src-main/common/schema.js';

type Listener = (data: never) => void;

export class EventHub {
  private readonly listeners = new Map<EventName, Set<Listener>>();

  on<E extends EventName>(event: E, listener: (data: EventOf<E>) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener);
    return () => {
      set.delete(listener as Listener);
    };
  }

  /** Delivers one event from the transport; returns false when it was dropped as invalid. */
  emit(event: unknown, data: unknown): boolean {
    if (!isEventName(event)) {
      console.warn(`mqboard: dropped an unknown event ${JSON.stringify(String(event)).slice(0, 80)}`);
      return false;
    }
    const checked = validate(eventSchema(event), data);
    if (!checked.ok) {
      console.warn(`mqboard: dropped an invalid ${event} event: ${checked.error}`);
      return false;
    }
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as (d: unknown) => void)(checked.value);
      } catch (err) {
        console.error(`mqboard: a ${event} listener failed`, err);
      }
    }
    return true;
  }

  /** Whether anyone listens (the IPC transport subscribes to main lazily). */
  has(event: EventName): boolean {
    return (this.listeners.get(event)?.size ?? 0) > 0;
  }
}
