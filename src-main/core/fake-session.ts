// A broker session fake for unit tests of the engine: records subscriptions and publishes,
// and lets a test deliver messages as the broker would (exact topics and wildcard filters).
import type { SessionLike } from './board-invocation.js';
import { topicMatches } from './topic-filter.js';

type Handler = (topic: string, payload: Uint8Array, meta: { retain: boolean; dup: boolean }) => void;

export interface Published {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1;
  retain: boolean;
}

export class FakeSession implements SessionLike {
  readonly subscriptions: Array<{ filter: string; handler: Handler; qos: 0 | 1 }> = [];
  readonly published: Published[] = [];
  subscribeCalls = 0;
  unsubscribeCalls = 0;
  /** Called on every publish, e.g. to answer a command like a board would. */
  onPublish?: (p: Published) => void;
  /** When set, publish rejects with it. */
  publishError?: Error;

  subscribe(filter: string, handler: Handler, qos: 0 | 1 = 1): Promise<() => Promise<void>> {
    this.subscribeCalls++;
    const entry = { filter, handler, qos };
    this.subscriptions.push(entry);
    return Promise.resolve(async () => {
      const i = this.subscriptions.indexOf(entry);
      if (i >= 0) {
        this.subscriptions.splice(i, 1);
        this.unsubscribeCalls++;
      }
    });
  }

  publish(topic: string, payload: Uint8Array | string, opts: { qos?: 0 | 1; retain?: boolean } = {}): Promise<void> {
    if (this.publishError) return Promise.reject(this.publishError);
    const p = { topic, payload: typeof payload === 'string' ? new TextEncoder().encode(payload) : payload, qos: opts.qos ?? 0, retain: opts.retain ?? false };
    this.published.push(p);
    this.onPublish?.(p);
    return Promise.resolve();
  }

  deliver(topic: string, payload: Uint8Array | string, meta = { retain: false, dup: false }): void {
    const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
    for (const s of [...this.subscriptions]) if (topicMatches(s.filter, topic)) s.handler(topic, bytes, meta);
  }

  subscribed(filter: string): boolean {
    return this.subscriptions.some((s) => s.filter === filter);
  }
}
