// The references of the engine benchmark: what the broker does for plain mqtt.js clients, with no
// board and no protocol on top. Plus the small statistics helpers.
import { performance } from 'node:perf_hooks';
import type { MqttClient } from 'mqtt';

export const round = (x: number, digits = 2) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const median = (xs: number[]) => percentile(xs, 50);

let seq = 0;

/**
 * Milliseconds for `size` bytes published in `chunk`-byte QoS 1 messages by one mqtt.js client
 * until a plain mqtt.js subscriber (QoS 1) has received the last one.
 */
export async function rawPipe(pub: MqttClient, sub: MqttClient, size: number, chunk: number): Promise<number> {
  const topic = `bench/raw/${process.pid}/${++seq}`;
  const messages = Math.ceil(size / chunk);
  let received = 0;
  let bytes = 0;
  const done = new Promise<void>((resolve) => {
    const on = (t: string, p: Buffer) => {
      if (t !== topic) return;
      bytes += p.length;
      if (++received === messages) {
        sub.off('message', on);
        resolve();
      }
    };
    sub.on('message', on);
  });
  await sub.subscribeAsync(topic, { qos: 1 });
  const payload = Buffer.alloc(chunk, 0x5a);
  const t0 = performance.now();
  const sent: Array<Promise<unknown>> = [];
  for (let at = 0; at < size; at += chunk) sent.push(pub.publishAsync(topic, at + chunk <= size ? payload : payload.subarray(0, size - at), { qos: 1 }));
  await Promise.all([done, ...sent]);
  const ms = performance.now() - t0;
  await sub.unsubscribeAsync(topic);
  if (bytes !== size) throw new Error(`raw pipe: ${bytes} bytes arrived, expected ${size}`);
  return ms;
}

/** Smallest, median and largest of per-round figures: how much the rounds disagree. */
export const spread = (xs: number[]) => ({ min: round(Math.min(...xs)), median: round(median(xs)), max: round(Math.max(...xs)) });

const looping = new WeakSet<MqttClient>();

/**
 * The raw round trip the eval is held against: one QoS 1 publish by a plain mqtt.js client to a
 * topic it subscribed itself, until the broker delivered it back (publish -> subscribe).
 */
export async function rawLoopRoundTrip(client: MqttClient, i: number): Promise<number> {
  const topic = `bench/loop/${process.pid}`;
  if (!looping.has(client)) {
    looping.add(client);
    await client.subscribeAsync(topic, { qos: 1 });
  }
  const body = `loop ${i}`;
  const back = new Promise<void>((resolve) => {
    const on = (t: string, p: Buffer) => {
      if (t === topic && p.toString() === body) {
        client.off('message', on);
        resolve();
      }
    };
    client.on('message', on);
  });
  const t0 = performance.now();
  const sent = client.publishAsync(topic, body, { qos: 1 });
  await back;
  const ms = performance.now() - t0; // the PUBACK is not waited for: the stricter reference
  await sent;
  return ms;
}

const echoing = new WeakSet<MqttClient>();

/**
 * Context for the eval figures: console -> broker -> a trivial Node echo client -> broker ->
 * console (QoS 1 both ways): the same two broker passes as an eval, with no board.
 */
export async function rawEchoRoundTrip(pub: MqttClient, echo: MqttClient, i: number): Promise<number> {
  const inTopic = `bench/echo/${process.pid}/in`;
  const outTopic = `bench/echo/${process.pid}/out`;
  if (!echoing.has(echo)) {
    echoing.add(echo);
    echo.on('message', (t, p) => {
      if (t === inTopic) void echo.publishAsync(outTopic, p, { qos: 1 });
    });
    await echo.subscribeAsync(inTopic, { qos: 1 });
    await pub.subscribeAsync(outTopic, { qos: 1 });
  }
  const body = `ping ${i}`;
  const back = new Promise<void>((resolve) => {
    const on = (t: string, p: Buffer) => {
      if (t === outTopic && p.toString() === body) {
        pub.off('message', on);
        resolve();
      }
    };
    pub.on('message', on);
  });
  const t0 = performance.now();
  await pub.publishAsync(inTopic, body, { qos: 1 });
  await back;
  return performance.now() - t0;
}

const replying = new WeakSet<MqttClient>();

/**
 * Diagnostic: one eval of `1` sent by a plain mqtt.js client straight to the board, its replies
 * already subscribed (a wildcard kept open): the board's own share of the eval round trip.
 */
export async function rawBoardEval(pub: MqttClient, prefix: string, i: number): Promise<number> {
  if (!replying.has(pub)) {
    replying.add(pub);
    await pub.subscribeAsync(`${prefix}/mqb/reply/+/+`, { qos: 1 });
  }
  const id = `raw${String(i).padStart(5, '0')}`;
  const back = new Promise<void>((resolve) => {
    const on = (t: string) => {
      if (t === `${prefix}/mqb/reply/out/${id}` || t === `${prefix}/mqb/reply/err/${id}`) {
        pub.off('message', on);
        resolve();
      }
    };
    pub.on('message', on);
  });
  const t0 = performance.now();
  await pub.publishAsync(`${prefix}/mqb/cmd/eval/${id}`, Buffer.from([0x80, 0x00, 0x31]), { qos: 1 });
  await back;
  return performance.now() - t0;
}
