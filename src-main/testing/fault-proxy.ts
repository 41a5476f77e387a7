// A TCP proxy between an MQTT client and a broker that injects network faults (resets,
// refused connections, blackholes, latency) while traffic flows, so the board MQTT client's
// reconnect and retransmission logic meets the failures a Wi-Fi link produces.
// Deliberate departures from real TCP, to keep tests deterministic:
// - a blackhole discards bytes for good (TCP would retransmit them later): a test proves
//   that the client's own retransmission, not the kernel's, recovered the message;
// - a connection accepted during a blackhole never reaches the broker, even after it lifts:
//   its CONNECT is gone, only the client's timeouts get it out;
// - no backpressure: chunks are buffered in memory (fine for test traffic).
import { createConnection, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export type FaultMode = 'pass' | 'drop' | 'blackhole' | { latencyMs: number };
export type ChaosAction = 'reset' | 'blackhole' | 'latency' | 'drop';

/** atMs: since startChaos; holdMs: how long the fault lasts before 'pass' returns (not for 'reset'). */
export interface ChaosEvent {
  action: ChaosAction;
  atMs: number;
  holdMs?: number;
  latencyMs?: number;
}

export interface ChaosOptions {
  everyMs: number;
  actions: readonly ChaosAction[];
  /** Stops the chaos (and returns to 'pass') after this long; runs until stopped otherwise. */
  durationMs?: number;
  /** Same seed, same sequence of actions and parameters; every action once per round of actions.length ticks. */
  seed: number;
  /** For test diagnostics: print the sequence when an assertion fails. */
  onAction?: (event: ChaosEvent) => void;
}

export interface FaultProxyStats {
  /** Inbound connections, including the ones refused in 'drop' mode. */
  accepted: number;
  /** Inbound connections destroyed on arrival ('drop' mode). */
  refused: number;
  /** Established connections the proxy destroyed (resetAll, 'drop', chaos). */
  resets: number;
  /** Bytes delivered client → broker and broker → client. */
  bytesUp: number;
  bytesDown: number;
  /** Bytes thrown away by blackholes. */
  bytesDiscarded: number;
}

export interface FaultProxy {
  port: number;
  url: string;
  setMode(mode: FaultMode): void;
  mode(): FaultMode;
  /** Destroys every current connection with a TCP RST, as a dropped link would. */
  resetAll(): void;
  /** Live client connections. */
  connections(): number;
  stats(): FaultProxyStats;
  /** Applies a seeded random fault every `everyMs`; returns a function that stops it. */
  startChaos(options: ChaosOptions): () => void;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  target: { host: string; port: number };
}

interface Pair {
  client: Socket;
  /** Absent for connections accepted during a blackhole. */
  upstream: Socket | undefined;
  /** An end or close happened during a blackhole: the link is torn down when it lifts. */
  lostSignal: boolean;
  lanes: Lane[];
}

// One direction of one connection. A single timer serves the queue head so chunks keep
// their order even when the latency shrinks between two chunks. A null chunk is the end of
// the stream, so a half-close travels behind the delayed bytes.
class Lane {
  private queue: { due: number; chunk: Buffer | null }[] = [];
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly deliver: (chunk: Buffer | null) => void) {}

  push(chunk: Buffer | null, latencyMs: number): void {
    const lastDue = this.queue.at(-1)?.due ?? 0;
    this.queue.push({ due: Math.max(performance.now() + latencyMs, lastDue), chunk });
    this.pump();
  }

  clear(): void {
    this.queue = [];
    clearTimeout(this.timer);
  }

  private pump(): void {
    clearTimeout(this.timer);
    for (let head = this.queue[0]; head; head = this.queue[0]) {
      const wait = head.due - performance.now();
      if (wait > 0) {
        this.timer = setTimeout(() => this.pump(), Math.ceil(wait));
        this.timer.unref();
        return;
      }
      this.queue.shift();
      this.deliver(head.chunk);
    }
  }
}

/** RST rather than FIN: a broken link, not a polite close. */
function hardClose(socket: Socket | undefined): void {
  if (!socket || socket.destroyed) return;
  if (socket.connecting) socket.destroy();
  else socket.resetAndDestroy();
}

/** xorshift32, seed scrambled first: small seeds would otherwise all start with action 0. */
function seededRandom(seed: number): () => number {
  let state = (Math.imul(seed ^ (seed >>> 16), 0x45d9f3b) ^ 0x9e3779b9) >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const { host, port: targetPort } = options.target;
  let mode: FaultMode = 'pass';
  let closed = false;
  const pairs = new Set<Pair>();
  const chaosStops = new Set<() => void>();
  const counters: FaultProxyStats = { accepted: 0, refused: 0, resets: 0, bytesUp: 0, bytesDown: 0, bytesDiscarded: 0 };

  const blackholed = (pair: Pair): boolean => mode === 'blackhole' || !pair.upstream;
  const latency = (): number => (typeof mode === 'object' ? mode.latencyMs : 0);

  function destroyPair(pair: Pair): void {
    for (const lane of pair.lanes) lane.clear();
    hardClose(pair.client);
    hardClose(pair.upstream);
    pairs.delete(pair);
  }

  function resetAll(): void {
    for (const pair of [...pairs]) {
      counters.resets += 1;
      destroyPair(pair);
    }
  }

  function wire(pair: Pair, from: Socket, to: () => Socket | undefined, lane: Lane): void {
    from.on('data', (chunk: Buffer) => {
      if (blackholed(pair)) counters.bytesDiscarded += chunk.length;
      else lane.push(chunk, latency());
    });
    from.on('end', () => {
      if (!pair.upstream) destroyPair(pair); // Nothing behind a connection born in a blackhole.
      else if (blackholed(pair)) pair.lostSignal = true;
      else lane.push(null, latency());
    });
    from.on('close', (hadError: boolean) => {
      const other = to();
      if (!other || other.destroyed) destroyPair(pair);
      else if (blackholed(pair)) pair.lostSignal = true;
      // A clean close already queued its end marker; an error is a reset that overtakes the queue.
      else if (hadError) destroyPair(pair);
    });
    // Errors end in 'close' with hadError, handled above; unhandled they would crash the test run.
    from.on('error', () => undefined);
  }

  function accept(client: Socket): void {
    counters.accepted += 1;
    if (closed || mode === 'drop') {
      counters.refused += 1;
      client.on('error', () => undefined);
      hardClose(client);
      return;
    }
    client.setNoDelay(true);
    const upstream = mode === 'blackhole' ? undefined : createConnection({ host, port: targetPort, allowHalfOpen: true });
    upstream?.setNoDelay(true);
    const up = new Lane((chunk) => deliver(pair, pair.upstream, chunk, 'up'));
    const down = new Lane((chunk) => deliver(pair, pair.client, chunk, 'down'));
    const pair: Pair = { client, upstream, lostSignal: false, lanes: [up, down] };
    pairs.add(pair);
    wire(pair, client, () => pair.upstream, up);
    if (upstream) wire(pair, upstream, () => pair.client, down);
  }

  // Bytes still in flight when a blackhole starts are lost with it.
  function deliver(pair: Pair, socket: Socket | undefined, chunk: Buffer | null, direction: 'up' | 'down'): void {
    if (!socket || socket.destroyed) return;
    if (chunk === null) {
      socket.end();
      return;
    }
    if (blackholed(pair)) {
      counters.bytesDiscarded += chunk.length;
      return;
    }
    socket.write(chunk);
    if (direction === 'up') counters.bytesUp += chunk.length;
    else counters.bytesDown += chunk.length;
  }

  function setMode(next: FaultMode): void {
    if (typeof next === 'object' && !(Number.isFinite(next.latencyMs) && next.latencyMs >= 0)) {
      throw new RangeError(`latencyMs must be a finite number >= 0, got ${next.latencyMs}`);
    }
    const wasBlackhole = mode === 'blackhole';
    mode = typeof next === 'object' ? { latencyMs: next.latencyMs } : next;
    if (mode === 'drop') resetAll();
    if (wasBlackhole && mode !== 'blackhole') {
      // What the far side would learn on its next send after the blackhole: the peer is gone.
      for (const pair of [...pairs]) {
        if (pair.lostSignal && pair.upstream) {
          counters.resets += 1;
          destroyPair(pair);
        }
      }
    }
  }

  function startChaos(chaos: ChaosOptions): () => void {
    if (!(chaos.everyMs > 0)) throw new RangeError('everyMs must be > 0');
    if (chaos.actions.length === 0) throw new RangeError('actions must not be empty');
    const random = seededRandom(chaos.seed);
    const startedAt = performance.now();
    let restore: NodeJS.Timeout | undefined;
    let stopped = false;
    // Actions come in rounds: each round is a seeded shuffle of all of them, so every kind
    // happens within the first `actions.length` ticks (a pure draw left one out of a short run).
    let round: ChaosAction[] = [];
    const nextAction = (): ChaosAction => {
      if (round.length === 0) {
        round = [...chaos.actions];
        for (let i = round.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [round[i], round[j]] = [round[j]!, round[i]!];
        }
      }
      return round.pop()!;
    };

    const tick = (): void => {
      // Each tick ends the previous fault first, so faults never stack or outlive their slot.
      clearTimeout(restore);
      setMode('pass');
      const action = nextAction();
      const event: ChaosEvent = { action, atMs: Math.round(performance.now() - startedAt) };
      const fault = (next: FaultMode, holdMs: number): void => {
        event.holdMs = holdMs;
        setMode(next);
        restore = setTimeout(() => setMode('pass'), holdMs);
        restore.unref();
      };
      if (action === 'reset') resetAll();
      else if (action === 'blackhole') fault('blackhole', 1_000 + Math.floor(random() * 1_000));
      else if (action === 'drop') fault('drop', 1_000);
      else {
        event.latencyMs = 50 + Math.floor(random() * 251);
        fault({ latencyMs: event.latencyMs }, 2_000 + Math.floor(random() * 2_000));
      }
      chaos.onAction?.(event);
    };

    const interval = setInterval(tick, chaos.everyMs);
    interval.unref();
    const deadline = chaos.durationMs === undefined ? undefined : setTimeout(() => stop(), chaos.durationMs);
    deadline?.unref();

    function stop(): void {
      if (stopped) return;
      stopped = true;
      clearInterval(interval);
      clearTimeout(restore);
      clearTimeout(deadline);
      chaosStops.delete(stop);
      if (!closed) setMode('pass');
    }
    chaosStops.add(stop);
    return stop;
  }

  const server = createServer({ allowHalfOpen: true }, accept);
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    setMode,
    mode: () => (typeof mode === 'object' ? { ...mode } : mode),
    resetAll,
    connections: () => pairs.size,
    stats: () => ({ ...counters }),
    startChaos,
    async close() {
      if (closed) return;
      closed = true;
      for (const stop of [...chaosStops]) stop();
      for (const pair of [...pairs]) destroyPair(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
