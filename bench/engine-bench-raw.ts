// The references of the engine benchmark: what the broker does for plain mqtt.js clients, with no
// board and no protocol on top. Plus the small statistics helpers.
import { performance } from 'node:perf_hooks';
import type { MqttClient } from 'mqtt';
import type { BoardClient } from '../src-main/core/board-client.js';

export const round = (x: number, digits = 2) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const median = (xs: number[]) => percentile(xs, 50);

let seq = 0;

/** Resolves once `client` receives `body` on `topic`. */
function arrival(client: MqttClient, topic: string, body: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const on = (t: string, p: Buffer) => {
      if (t === topic && p.toString() === body) {
        client.off('message', on);
        resolve();
      }
    };
    client.on('message', on);
  });
}

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
  const back = arrival(client, topic, body);
  const t0 = performance.now();
  const sent = client.publishAsync(topic, body, { qos: 1 });
  await back;
  const ms = performance.now() - t0; // the PUBACK is not waited for: the stricter reference
  await sent;
  return ms;
}

const echoing = new WeakSet<MqttClient>();

/** Milliseconds from publishing `body` on `inTopic` until an echo of it arrives on `outTopic`. */
async function echoTime(pub: MqttClient, inTopic: string, outTopic: string, body: string): Promise<number> {
  const back = arrival(pub, outTopic, body);
  const t0 = performance.now();
  await pub.publishAsync(inTopic, body, { qos: 1 });
  await back;
  return performance.now() - t0;
}

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
  return echoTime(pub, inTopic, outTopic, `ping ${i}`);
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

const sinks = new WeakSet<BoardClient>();

/** Installs (once per board) a handler on the board's own MQTT client that only counts what arrives. */
const sinkCode = (topic: string, report: string) => `
import asyncio, mqb_launch
_bench_sink = [0, 0, 0]  # messages expected, received, bytes
def _bench_on(t, msg, retained, dup):
    s = _bench_sink
    s[1] += 1
    s[2] += len(msg)
    if s[1] == s[0]:
        asyncio.create_task(mqb_launch.board.mqtt.publish(${JSON.stringify(report)}, str(s[2]), qos=1))
async def _bench_subscribe():
    await mqb_launch.board.mqtt.subscribe(${JSON.stringify(topic)}, _bench_on)
    await mqb_launch.board.mqtt.publish(${JSON.stringify(report)}, b"ready", qos=1)
asyncio.create_task(_bench_subscribe())
`;

/**
 * Diagnostic: the ceiling of any firmware on this board. The same bytes as rawPipe, published by
 * mqtt.js to a topic the board's own MQTT client subscribed, with a handler that only counts them
 * (no protocol, no hashing, no flash), until the board reports the last one.
 */
export async function rawBoardPipe(board: BoardClient, pub: MqttClient, sub: MqttClient, size: number, chunk: number): Promise<number> {
  const topic = `${board.prefix}/bench/sink`;
  const report = `${topic}/report`;
  const next = (what: (p: string) => boolean) =>
    new Promise<string>((resolve) => {
      const on = (t: string, p: Buffer) => {
        if (t === report && what(p.toString())) {
          sub.off('message', on);
          resolve(p.toString());
        }
      };
      sub.on('message', on);
    });
  if (!sinks.has(board)) {
    sinks.add(board);
    await sub.subscribeAsync(report, { qos: 1 });
    const ready = next((p) => p === 'ready');
    await board.request('exec', { payload: sinkCode(topic, report) });
    await ready;
  }
  const messages = Math.ceil(size / chunk);
  await board.request('exec', { payload: `_bench_sink[:] = [${messages}, 0, 0]` });
  const done = next((p) => p !== 'ready');
  const payload = Buffer.alloc(chunk, 0x5a);
  const t0 = performance.now();
  const sent: Array<Promise<unknown>> = [];
  for (let at = 0; at < size; at += chunk) sent.push(pub.publishAsync(topic, at + chunk <= size ? payload : payload.subarray(0, size - at), { qos: 1 }));
  const bytes = Number(await done);
  const ms = performance.now() - t0;
  await Promise.all(sent);
  if (bytes !== size) throw new Error(`raw pipe to the board: ${bytes} bytes arrived, expected ${size}`);
  return ms;
}

const boardEchoes = new WeakSet<BoardClient>();

/**
 * Diagnostic: the floor of any firmware's round trip on this board. console -> broker -> a
 * handler of the board's own MQTT client that publishes the payload straight back -> broker ->
 * console (QoS 1 both ways): an eval without parsing, compiling or framing.
 */
export async function rawBoardEcho(board: BoardClient, pub: MqttClient, i: number): Promise<number> {
  const inTopic = `${board.prefix}/bench/echo`;
  const outTopic = `${inTopic}/back`;
  if (!boardEchoes.has(board)) {
    boardEchoes.add(board);
    await pub.subscribeAsync(outTopic, { qos: 1 });
    await board.request('exec', {
      payload: `import asyncio, mqb_launch\nasyncio.create_task(mqb_launch.board.mqtt.subscribe(${JSON.stringify(inTopic)}, lambda t, m, r, d: mqb_launch.board.mqtt.publish(${JSON.stringify(outTopic)}, bytes(m), qos=1)))`,
    });
    await new Promise((r) => setTimeout(r, 200)); // the SUBACK
  }
  return echoTime(pub, inTopic, outTopic, `echo ${i}`);
}
