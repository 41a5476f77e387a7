// The `_simhost` module: the few primitives the Python shims (machine, esp32, network, ssl,
// asyncio streams) need from the host. Strings and numbers only: bytes travel through the FS.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BoardWorkerInit } from '../worker-protocol.js';
import { CTRL, EXIT, RESET_CAUSE } from '../worker-protocol.js';
import type { OtaSlot } from '../ota-state.js';
import { OTA_SLOTS, chooseBootSlot, markValid, otherSlot, readOtaData, readPartitionFile, setBootSlot, writeOtaData } from '../ota-state.js';
import type { SimNetwork } from './sim-net.js';
import type { TlsRequest } from '../net-protocol.js';
import type { SimWlan } from './sim-wlan.js';
import type { SimSockClient } from './sim-sock-client.js';
import type { SockOp } from '../worker-protocol.js';
import { micropythonVersion } from '../mp-version.js';
import { appPartitions } from '../partition-table.js';
import type { SchedulerBridge } from './scheduler-bridge.js';

const ESP_ERR_OTA_VALIDATE_FAILED = 0x1503;
/** What _simstream.run_loop returns. */
const LOOP = { OK: 0, FAILED: 1, AGAIN: 2 } as const;
/** The emulator's own machinery, not "hardware": an injected crash never surfaces here. */
const EMULATOR_ONLY = new Set(['mp_version', 'heap_sample', 'heap_blocked', 'set_runner', 'kick', 'net_ready', 'sched_hold']);

export interface HostApiDeps {
  /** After each turn of the loop (the heap model blocks room a board would not have). */
  afterCall?: () => void;
  /** Bytes the heap model holds blocked: counted by the interpreter, not allocated by firmware. */
  heapBlocked?: () => number;
  init: BoardWorkerInit;
  ctrl: Float64Array;
  net: SimNetwork;
  sock: SimSockClient;
  wlan: SimWlan;
  sched: SchedulerBridge;
  post: (msg: { type: 'pin'; pin: number; value: number }) => void;
  /** Ends the worker: the host restarts it (or not, for a power cut). */
  exit: (code: number) => never;
  setDupterm: (flush: ((text: string) => void) | null) => void;
  /** True once per injected crash: the next call into the hardware raises. */
  takeCrash: () => boolean;
  /** A character read from a terminal stream: the interrupt character schedules KeyboardInterrupt. */
  typeChar: (c: number) => boolean;
}

export function createHostApi(d: HostApiDeps): Record<string, unknown> {
  const { init, ctrl, net, wlan } = d;
  const pins = new Map<number, number>();
  // The loop's entry (_simstream.run_loop): 0 done, 1 ended by an exception, 2 tasks parked for
  // the next turn (low heap: the wasm GC collects only between calls from JavaScript).
  let runner: (() => number) | undefined;
  let onLoopFailed: (() => unknown) | undefined;
  const wake: { immediate?: NodeJS.Immediate; timer?: NodeJS.Timeout; due: number } = { due: 0 };
  const runLoop = () => {
    // The loop reschedules itself for its earliest sleeper, so both planned wake-ups go.
    if (wake.immediate) clearImmediate(wake.immediate);
    clearTimeout(wake.timer);
    wake.immediate = wake.timer = undefined;
    const outcome = runner?.();
    d.afterCall?.();
    if (outcome === LOOP.FAILED) {
      // As asyncio.run() ending with an exception on the port: the loop runs no more; the
      // exception is printed in a later call, once this one's garbage is collected.
      runner = undefined;
      const report = onLoopFailed;
      setImmediate(() => report?.());
      return;
    }
    if (outcome === LOOP.AGAIN) return runSoon();
    // What a timer or a kick asked for while it ran, it ran: only a timer for its next sleeper is
    // still needed. Sockets are the exception: a read inside the loop pulls the host's messages
    // synchronously (sim-net.ts), so a socket that changed meanwhile has its id queued after the
    // loop took the ready ids: run again for it, or its task sleeps until some timer fires.
    if (net.hasReady()) return;
    if (wake.immediate) clearImmediate(wake.immediate);
    wake.immediate = undefined;
  };
  const runSoon = () => {
    wake.immediate ??= setImmediate(runLoop);
  };
  net.onReady = runSoon;
  let cpuFreq = 160_000_000;
  const nvsFile = path.join(init.partitionDir, 'nvs.json');
  const partFile = (slot: string) => path.join(init.partitionDir, `${slot}.bin`);
  const isSlot = (s: string): s is OtaSlot => (OTA_SLOTS as readonly string[]).includes(s);

  const api: Record<string, (...args: never[]) => unknown> = {
    reset: (cause: number) => d.exit(cause === RESET_CAUSE.SOFT ? EXIT.SOFT_RESET : EXIT.HARD_RESET),
    deepsleep: (ms: number) => {
      ctrl[CTRL.DEEPSLEEP_MS] = ms;
      return d.exit(EXIT.DEEPSLEEP);
    },
    reset_cause: () => init.resetCause,
    // The RTC clock in Unix ms (the Python side applies the ESP32 port's 2000 epoch). As decimal
    // text both ways: the FFI passes numbers as 32-bit integers, and ms since 1970 need 41 bits.
    clock_ms: () => String(Math.floor(Date.now() + ctrl[CTRL.CLOCK_OFFSET_MS]!)),
    clock_set_ms: (ms: string) => {
      ctrl[CTRL.CLOCK_OFFSET_MS] = Number(ms) - Date.now();
    },
    unique_id: () => init.uniqueIdHex,
    cpu_freq: (hz: number) => (hz ? (cpuFreq = hz) : cpuFreq),
    rtc_read: () => {
      try {
        return fs.readFileSync(init.rtcFile).toString('hex');
      } catch {
        return '';
      }
    },
    rtc_write: (hex: string) => fs.writeFileSync(init.rtcFile, Buffer.from(hex, 'hex')),
    wdt_arm: (ms: number) => {
      ctrl[CTRL.WDT_TIMEOUT_MS] = ms;
      ctrl[CTRL.WDT_LAST_FEED] = Date.now();
    },
    wdt_feed: () => {
      ctrl[CTRL.WDT_LAST_FEED] = Date.now();
    },
    heap_blocked: () => d.heapBlocked?.() ?? 0,
    heap_sample: (used: number) => {
      ctrl[CTRL.HEAP_NOW] = used;
      if (used > ctrl[CTRL.HEAP_PEAK]!) ctrl[CTRL.HEAP_PEAK] = used;
    },
    pin_get: (pin: number) => pins.get(pin) ?? 0,
    pin_set: (pin: number, value: number) => {
      if (pins.get(pin) === value) return;
      pins.set(pin, value);
      d.post({ type: 'pin', pin, value });
    },
    mp_tag: () => init.micropython,
    ticks_start: () => init.ticksAtStart,
    // getaddrinfo of a name (py/socket.py): the port's lwip_getaddrinfo blocks the calling task,
    // and with it the whole interpreter, until the DNS answer (ports/esp32/modsocket.c). This
    // thread blocks as long: no asyncio task runs meanwhile. '' when the name is unknown.
    dns_lookup: (name: string) => {
      if (init.dns.lookupMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, init.dns.lookupMs);
      return init.dns.names[name] ?? '';
    },
    // The MicroPython release the booted image is (mp-version.ts): the shims' per-version facts.
    mp_version: () => micropythonVersion(init.micropython).join('.'),
    mp_release: () => init.micropython.replace(/^v/, '').split(/[-+ ]/)[0] ?? '',
    dupterm: (flush: ((text: string) => void) | null) => d.setDupterm(flush ?? null),
    kbd_char: (c: number) => d.typeChar(c),
    // machine.Timer: armed here, fired by the host into the interpreter's scheduler queue
    // (scheduler-bridge.ts), so callbacks run between bytecodes, even in a busy loop.
    timer_start: (id: number, ms: number, periodic: boolean, func: number, arg: number) => d.sched.start(id, ms, periodic, func, arg),
    timer_stop: (id: number) => d.sched.stop(id),
    sched_hold: (on: number) => d.sched.hold(on === 1),

    // esp32.NVS: the nvs partition as one JSON file, replaced whole (NVS survives a power cut
    // with the old or the new value, never a torn one).
    nvs_load: () => {
      try {
        return fs.readFileSync(nvsFile, 'utf8');
      } catch {
        return '';
      }
    },
    nvs_save: (text: string) => {
      fs.writeFileSync(`${nvsFile}.new`, text);
      fs.renameSync(`${nvsFile}.new`, nvsFile);
    },
    part_labels: () => OTA_SLOTS.join(','),
    part_label: (which: number) => (which === 1 ? init.runningSlot : bootSlot()),
    part_info: (label: string) => {
      if (!isSlot(label)) return '';
      const p = appPartitions(init.partitionTable)[label];
      return [p.type, p.subtype, p.address, p.size, label].join(',');
    },
    part_next_update: () => otherSlot(init.runningSlot),
    part_set_boot: (label: string) => {
      if (!isSlot(label)) return `${-ESP_ERR_OTA_VALIDATE_FAILED}|ESP_ERR_NOT_FOUND`;
      const result = setBootSlot(readOtaData(init.otadataFile), label, readPartitionFile(partFile(label)));
      if (!result.ok) return `${-ESP_ERR_OTA_VALIDATE_FAILED}|ESP_ERR_OTA_VALIDATE_FAILED: ${result.error}`;
      writeOtaData(init.otadataFile, result.data);
      return '';
    },
    part_mark_valid: () => {
      writeOtaData(init.otadataFile, markValid(readOtaData(init.otadataFile), init.runningSlot));
      return '';
    },

    net_open: (host: string, port: number, tlsJson: string) =>
      net.open(host, port, tlsJson ? (JSON.parse(tlsJson) as TlsRequest) : undefined),
    // Waiting for a socket: see SimNetwork (no JavaScript promise is ever awaited by Python).
    net_connect_result: (id: number) => net.connectResult(id),
    net_arm: (id: number) => net.arm(id),
    net_ready: () => net.takeReady(),
    net_writable: (id: number) => net.writable(id),
    net_nodelay: (id: number, on: number) => net.noDelay(id, on === 1),
    set_runner: (fn: () => number, failed: () => unknown) => {
      runner = fn;
      onLoopFailed = failed;
    },
    kick: (dt: number) => {
      // "Run the loop in dt ms". Never postpone a wake-up already planned for earlier: a late
      // wake-up would leave a sleeping task asleep; an early one only makes the loop look again.
      if (dt <= 0) {
        runSoon();
        return;
      }
      const due = performance.now() + dt;
      if (wake.timer && wake.due <= due) return;
      clearTimeout(wake.timer);
      wake.timer = setTimeout(runLoop, dt);
      wake.due = due;
    },
    net_close: (id: number) => net.close(id),
    // The socket module (py/socket.py): sockets held by the host, calls that block (sim-sock-client.ts).
    sock_call: (op: SockOp, id: number, arg: number, flags: number, host: string, port: number) => d.sock.call(op, id, arg, flags, host, port),
    sock_arm: (op: SockOp, id: number, arg: number, flags: number, host: string, port: number) => d.sock.arm(op, id, arg, flags, host, port),
    sock_from: () => d.sock.lastFrom(),

    wlan_active: (v: number) => wlan.active(v),
    wlan_connect: (ssid: string, key: string) => wlan.connect(ssid, key),
    wlan_disconnect: () => wlan.disconnect(),
    wlan_status: () => wlan.status,
    wlan_config: (key: string) => wlan.config(key),
    wlan_set: (key: string, value: string) => wlan.set(key, value),
    wlan_ifconfig: (value: string) => wlan.setIfconfig(value === 'dhcp' ? 'dhcp' : value.split(',')),
  };

  // What the bootloader would boot next (states included), without changing anything.
  function bootSlot(): OtaSlot {
    return chooseBootSlot(readOtaData(init.otadataFile), (slot) => readPartitionFile(partFile(slot))).decision.slot ?? init.runningSlot;
  }

  // An injected crash surfaces as an exception from the next call into the "hardware".
  const guarded: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(api)) {
    guarded[name] = EMULATOR_ONLY.has(name) ? fn : (...args: never[]) => {
      if (d.takeCrash()) throw new Error('virtual board: injected crash');
      return fn(...args);
    };
  }
  return guarded;
}
