// A virtual ESP32 on the host: owns the board's worker thread and plays the parts of the chip that
// must keep working while the interpreter is stuck: the hardware watchdog, resets and power.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { BootDecision } from './ota-state.js';
import { chooseBootSlot, readOtaData, readPartitionFile, writeOtaData } from './ota-state.js';
import { simPaths } from './sim-paths.js';
import type { StateDir } from './state-dir.js';
import type { BoardDns, BoardWorkerInit, HostToWorker, PowerCutPlan, ResetCause, WorkerToHost } from './worker-protocol.js';
import { CTRL, CTRL_SLOTS, EXIT, RESET_CAUSE } from './worker-protocol.js';
import { bootBanner } from './boot-banner.js';
import { InterruptLine } from './interrupt-line.js';
import type { RadioProfile, RadioTiming } from './radio-timing.js';
import { radioTiming } from './radio-timing.js';
import { BoardSockets } from './board-sockets.js';
import { HostNetwork } from './host-net.js';
import { SchedulerLine } from './scheduler-line.js';
import type { PartitionTable } from './partition-table.js';
import { STOCK_OTA_TABLE, checkPartitionTable } from './partition-table.js';

export type BoardPower = 'off' | 'running' | 'deepsleep' | 'halted';

export interface VirtualBoardOptions {
  state: StateDir;
  accessPoint?: { ssid: string; password: string };
  /** Emulated heap of an ESP32 without PSRAM (bytes). */
  heapBytes?: number;
  /**
   * Enforce heapBytes as an ESP32's heap (default): MemoryError when the live data and the
   * allocation would not fit it, garbage collected as a board would (worker/heap-model.ts).
   * false: the heap grows as the wasm build's does (docs/virtual-board.md, "Heap").
   */
  enforceHeap?: boolean;
  /** Size of the flash file system (default: the partition table's vfs, 960 KiB). */
  flashCapacity?: number;
  /**
   * The flash layout: by default MicroPython's stock OTA table (partitions-4MiB-ota.csv: two
   * 1.5 MiB app slots, a 960 KiB file system); another table's app slot and vfs sizes otherwise.
   */
  partitionTable?: PartitionTable;
  /**
   * What time.ticks_ms() reads when the interpreter starts (default 0, as at an ESP32's boot):
   * a value near the port's 2^30 ms wrap tests code that runs for days. Modulo 2^30.
   */
  ticksAtStart?: number;
  /** Run boot.py/main.py (default true); false starts a bare interpreter for host API tests. */
  runBootFiles?: boolean;
  /** Copy serial output to the state directory's serial.log (default true). */
  serialLog?: boolean;
  /**
   * What the RTC clock reads at power-on, in Unix ms: by default 2000-01-01 00:00 UTC, as on an
   * ESP32 (the port's epoch); 'host' starts it at the host's time (a board with a backup clock).
   */
  clockAtPowerOn?: number | 'host';
  /**
   * What a wake costs: the bootloader's image check and the Wi-Fi join (scan, handshake, DHCP).
   * Default 'esp32' (published ESP32 figures, src-main/sim/radio-timing.ts); 'instant' for tests.
   */
  radio?: RadioProfile | RadioTiming;
  /**
   * The board's DNS: host names its getaddrinfo resolves (to IPv4 addresses) and how long each
   * lookup of a name blocks the interpreter, as the port's blocking getaddrinfo does (default: no
   * names, 0 ms). IP literals and localhost resolve at once.
   */
  dns?: Partial<BoardDns>;
}

/** 2000-01-01T00:00:00Z, where an ESP32's RTC starts after power-on. */
export const ESP32_POWER_ON_CLOCK_MS = 946_684_800_000;

export interface VirtualBoardEvents {
  serial: [text: string];
  pin: [pin: number, value: number];
  boot: [cause: ResetCause, decision: BootDecision | undefined];
  reset: [cause: ResetCause];
  'power-cut': [];
  'main-done': [];
  /** machine.deepsleep(ms) ended the wake: the board sleeps that long, then wakes (cause deepsleep). */
  sleep: [ms: number];
}

const WDT_POLL_MS = 20;
export const DEFAULT_ACCESS_POINT = { ssid: 'mqboard-sim', password: 'virtual-board' };

export class VirtualBoard extends EventEmitter<VirtualBoardEvents> {
  readonly id: string;
  power: BoardPower = 'off';
  bootCount = 0;
  lastBoot: BootDecision | undefined;
  readonly pins = new Map<number, number>();
  private worker: Worker | undefined;
  /** The running interpreter's TCP/IP stack (it goes with the worker). */
  private network: HostNetwork | undefined;
  private control = new SharedArrayBuffer(CTRL_SLOTS * 8);
  private ctrl = new Float64Array(this.control);
  private readonly interruptLine = new InterruptLine(this.control);
  private readonly schedulerLine = new SchedulerLine(this.control, () => this.send({ type: 'sched-run' }));
  /** The running interpreter's memory, shared with the host (undefined when it could not be). */
  private wasmMemory: SharedArrayBuffer | undefined;
  private wdtTimer: NodeJS.Timeout | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private link = true;
  private netFaults = { blackhole: false, latencyMs: 0 };
  private readonly dnsNames: Record<string, string> = {};
  /** The sockets of the firmware's `socket` module (blocking calls need them outside the worker). */
  private readonly sockets = new BoardSockets(() => ({ link: this.link, ...this.netFaults }));
  private powerCutPlan: PowerCutPlan | undefined;
  private probes = new Map<number, { resolve: (v: string) => void; reject: (e: Error) => void }>();
  private nextProbe = 1;
  private serialFd: number | undefined;
  private stopping = new WeakSet<Worker>();
  /** Counts power-offs: a start still waiting for the bootloader gives up when it changed. */
  private powerEpoch = 0;

  constructor(private readonly opts: VirtualBoardOptions) {
    super();
    this.id = opts.state.identity.id;
    if (opts.partitionTable) checkPartitionTable(opts.partitionTable);
  }

  get state(): StateDir {
    return this.opts.state;
  }

  /** Power on (cold boot): RTC memory and the watchdog start cleared. */
  async powerOn(): Promise<void> {
    if (this.power !== 'off') throw new Error(`board ${this.id} is already powered on`);
    fs.rmSync(this.state.rtcFile, { force: true });
    const start = this.opts.clockAtPowerOn ?? ESP32_POWER_ON_CLOCK_MS;
    this.ctrl[CTRL.CLOCK_OFFSET_MS] = start === 'host' ? 0 : start - Date.now();
    if (this.opts.serialLog !== false) this.serialFd ??= fs.openSync(this.state.serialLog, 'a');
    await this.start(RESET_CAUSE.PWRON);
  }

  /** Power off now, wherever the board is (what a power cut does). */
  async powerOff(): Promise<void> {
    this.powerEpoch++;
    await this.stopWorker();
    clearTimeout(this.sleepTimer);
    this.power = 'off';
    this.ctrl.fill(0);
  }

  async powerCycle(): Promise<void> {
    await this.powerOff();
    await this.powerOn();
  }

  /** Releases files; the board must be off (or is switched off). */
  async close(): Promise<void> {
    await this.powerOff();
    if (this.serialFd !== undefined) fs.closeSync(this.serialFd);
    this.serialFd = undefined;
  }

  setLink(up: boolean): void {
    this.link = up;
    if (!up) this.sockets.linkLost();
    this.send({ type: 'link', up });
  }

  /** Adds a name to the board's DNS table (from its next boot): what getaddrinfo finds for it. */
  setDnsName(name: string, ip: string): void {
    this.dnsNames[name] = ip;
  }

  setNetworkFaults(faults: { blackhole?: boolean; latencyMs?: number }): void {
    Object.assign(this.netFaults, faults);
    this.network?.setFaults(faults);
  }

  /** The next call the firmware makes into the "hardware" raises an exception. */
  crash(): void {
    this.send({ type: 'crash' });
  }

  /**
   * Ctrl-C: raises KeyboardInterrupt in the Python code running now, even in a busy loop, while
   * the firmware has a terminal stream attached (a REPL statement or an eval runs). Returns false
   * when there was nothing to interrupt. See docs/virtual-board.md, "Ctrl-C".
   */
  interrupt(): boolean {
    return this.power === 'running' && this.interruptLine.interrupt();
  }

  /** The interpreter spins in a busy loop; only the watchdog (or power) gets it out. */
  hang(): void {
    this.send({ type: 'hang' });
  }

  /** Cuts the power in the middle of a future write (file system or flash partition). */
  armPowerCut(plan: PowerCutPlan): void {
    this.powerCutPlan = plan;
    this.send({ type: 'power-cut', plan });
  }

  heap(): { now: number; peak: number } {
    return { now: this.ctrl[CTRL.HEAP_NOW]!, peak: this.ctrl[CTRL.HEAP_PEAK]! };
  }

  /** Starts a new high-water mark from the current heap use (e.g. after boot, for steady state). */
  resetHeapPeak(): void {
    this.ctrl[CTRL.HEAP_PEAK] = this.ctrl[CTRL.HEAP_NOW]!;
  }

  /** The board's RTC clock now (Unix ms): what time.time() is based on. */
  clockMs(): number {
    return Date.now() + this.ctrl[CTRL.CLOCK_OFFSET_MS]!;
  }

  wdtTimeoutMs(): number {
    return this.ctrl[CTRL.WDT_TIMEOUT_MS]!;
  }

  /** Debug probe: evaluates Python in the board's __main__ (like a JTAG probe, not the serial REPL). */
  probe(code: string, timeoutMs = 5000): Promise<string> {
    return this.runProbe(code, false, timeoutMs);
  }

  /** Like probe(), for an expression whose value is JSON-serialisable: returns the value. */
  async probeJson<T = unknown>(expr: string, timeoutMs = 5000): Promise<T> {
    return JSON.parse(await this.runProbe(expr, true, timeoutMs)) as T;
  }

  private runProbe(code: string, json: boolean, timeoutMs: number): Promise<string> {
    if (!this.worker || this.power !== 'running') return Promise.reject(new Error(`board ${this.id} is not running`));
    const id = this.nextProbe++;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.probes.delete(id);
        reject(new Error(`board ${this.id}: probe timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.probes.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.send({ type: 'probe', id, code, json });
    });
  }

  /** Resolves with the serial text once `pattern` has been printed (after this call). */
  waitForSerial(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      let seen = '';
      const onSerial = (text: string) => {
        seen += text;
        if (pattern.test(seen)) done(() => resolve(seen));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`board ${this.id}: ${pattern} not printed within ${timeoutMs} ms; got: ${seen.slice(-500)}`))), timeoutMs);
      const done = (fn: () => void) => {
        clearTimeout(timer);
        this.off('serial', onSerial);
        fn();
      };
      this.on('serial', onSerial);
    });
  }

  private send(msg: HostToWorker): void {
    this.worker?.postMessage(msg);
  }

  private serial(text: string): void {
    if (this.serialFd !== undefined) fs.writeSync(this.serialFd, text);
    this.emit('serial', text);
  }

  private async start(cause: ResetCause): Promise<void> {
    const radio = radioTiming(this.opts.radio);
    const table = this.opts.partitionTable ?? STOCK_OTA_TABLE;
    if (cause !== RESET_CAUSE.SOFT && radio.bootCheckMs > 0) {
      // The bootloader verifies the app image before it starts it (every chip reset, deep-sleep
      // wakes included); a power-off meanwhile ends this start.
      const epoch = this.powerEpoch;
      await new Promise((resolve) => setTimeout(resolve, radio.bootCheckMs));
      if (epoch !== this.powerEpoch) return;
    }
    let decision = this.lastBoot;
    if (cause !== RESET_CAUSE.SOFT || !decision) {
      // The second-stage bootloader runs on every chip reset, not on a soft reset.
      const chosen = chooseBootSlot(readOtaData(this.state.otadataFile), (slot) =>
        readPartitionFile(path.join(this.state.partitionDir, `${slot}.bin`)),
      );
      writeOtaData(this.state.otadataFile, chosen.data);
      decision = chosen.decision;
      this.lastBoot = decision;
    }
    this.bootCount++;
    if (cause !== RESET_CAUSE.SOFT) this.pins.clear(); // a chip reset returns every GPIO to input
    this.serial(bootBanner(cause, decision));
    this.emit('boot', cause, decision);
    if (!decision.slot) {
      this.power = 'halted';
      return;
    }
    if (cause !== RESET_CAUSE.SOFT) this.ctrl[CTRL.WDT_TIMEOUT_MS] = 0; // a chip reset stops the WDT
    const channel = new MessageChannel();
    this.network?.close();
    this.network = new HostNetwork(channel.port1, () => this.clockMs());
    this.network.setFaults(this.netFaults);
    const init: BoardWorkerInit = {
      boardId: this.id,
      flashDir: this.state.flashDir,
      partitionDir: this.state.partitionDir,
      rtcFile: this.state.rtcFile,
      otadataFile: this.state.otadataFile,
      pyDir: simPaths().pyDir,
      resetCause: cause,
      runningSlot: decision.slot,
      micropython: decision.micropython,
      uniqueIdHex: this.state.identity.uniqueIdHex,
      ip: `10.42.0.${(parseInt(this.state.identity.uniqueIdHex.slice(-2), 16) % 250) + 2}`,
      accessPoint: this.opts.accessPoint ?? DEFAULT_ACCESS_POINT,
      radio,
      flashCapacity: this.opts.flashCapacity ?? table.fsSize,
      partitionTable: table,
      ticksAtStart: this.opts.ticksAtStart ?? 0,
      dns: { names: { ...this.opts.dns?.names, ...this.dnsNames }, lookupMs: this.opts.dns?.lookupMs ?? 0 },
      heapBytes: this.opts.heapBytes ?? 110 * 1024,
      enforceHeap: this.opts.enforceHeap ?? true,
      gcThreshold: 4096,
      control: this.control,
      linkUp: this.link,
      netPort: channel.port2,
      runBootFiles: this.opts.runBootFiles !== false,
      ...(this.powerCutPlan && { powerCut: this.powerCutPlan }),
      sockChannel: this.sockets.reset(),
    };
    const worker = new Worker(simPaths().workerFile, { workerData: init, transferList: [channel.port2], stdout: true, stderr: true });
    this.worker = worker;
    this.power = 'running';
    worker.stdout.on('data', (b: Buffer) => this.serial(b.toString()));
    worker.stderr.on('data', (b: Buffer) => this.serial(b.toString()));
    let booted = false;
    worker.on('message', (msg: WorkerToHost) => {
      if (msg.type === 'booted') booted = true;
      this.onMessage(msg);
    });
    worker.on('error', (err) => {
      // A JavaScript error in the worker is the emulator's equivalent of a CPU exception.
      this.serial(`\nGuru Meditation Error: virtual board worker failed: ${err.message}\n`);
    });
    worker.on('exit', (code) => void this.onExit(worker, code, booted));
    this.armWatchdogPoll();
    await new Promise<void>((resolve, reject) => {
      const onMsg = (m: WorkerToHost) => m.type === 'booted' && (worker.off('message', onMsg), resolve());
      worker.on('message', onMsg);
      worker.once('exit', (code) => {
        // Stopped by the host (power off during start-up) is not an emulator failure.
        if (!this.stopping.has(worker)) reject(new Error(`board ${this.id}: the emulator failed to start (worker exit code ${code})`));
        else resolve();
      });
    });
  }

  private onMessage(msg: WorkerToHost): void {
    switch (msg.type) {
      case 'serial':
        this.serial(msg.text);
        break;
      case 'pin':
        this.pins.set(msg.pin, msg.value);
        this.emit('pin', msg.pin, msg.value);
        break;
      case 'probe-result': {
        const p = this.probes.get(msg.id);
        this.probes.delete(msg.id);
        if (msg.ok) p?.resolve(msg.value);
        else p?.reject(new Error(msg.value));
        break;
      }
      case 'main-done':
        this.emit('main-done');
        break;
      case 'booted':
        break;
      case 'kbd':
        this.wasmMemory = 'memory' in msg ? msg.memory : undefined;
        this.interruptLine.attach(msg);
        break;
      case 'sock':
        this.sockets.handle(msg);
        break;
      case 'sched':
        this.schedulerLine.attach(this.wasmMemory, msg);
        break;
      case 'timer':
        this.schedulerLine.timer(msg.id, msg.ms, msg.periodic);
        break;
    }
  }

  private async onExit(worker: Worker, code: number, booted: boolean): Promise<void> {
    if (this.worker !== worker) return; // stopped by the host on purpose
    this.dropInterpreter();
    if (!booted) {
      // The emulator itself failed to start: rebooting would only loop.
      this.worker = undefined;
      this.power = 'halted';
      clearInterval(this.wdtTimer);
      this.serial(`\nvirtual board: the emulator failed to start (worker exit code ${code})\n`);
      return;
    }
    this.worker = undefined;
    this.power = 'off';
    clearInterval(this.wdtTimer);
    for (const p of this.probes.values()) p.reject(new Error(`board ${this.id} reset`));
    this.probes.clear();
    switch (code) {
      case EXIT.SOFT_RESET:
        return this.restart(RESET_CAUSE.SOFT);
      case EXIT.POWER_CUT:
        this.powerCutPlan = undefined;
        this.ctrl.fill(0);
        this.emit('power-cut');
        return;
      case EXIT.DEEPSLEEP:
        this.power = 'deepsleep';
        this.sleepTimer = setTimeout(() => void this.restart(RESET_CAUSE.DEEPSLEEP), this.ctrl[CTRL.DEEPSLEEP_MS]! || 1);
        this.emit('sleep', this.ctrl[CTRL.DEEPSLEEP_MS]! || 1);
        return;
      case EXIT.HARD_RESET:
        return this.restart(RESET_CAUSE.HARD);
      default:
        // A panic (or a worker error): the ESP32 reboots with ESP_RST_PANIC, which reads as HARD_RESET.
        this.serial(`\nGuru Meditation Error: Core 1 panic'ed (worker exit code ${code}). Rebooting...\n`);
        return this.restart(RESET_CAUSE.HARD);
    }
  }

  private async restart(cause: ResetCause): Promise<void> {
    this.emit('reset', cause);
    try {
      await this.start(cause);
    } catch (err) {
      this.serial(`\nvirtual board: restart failed: ${(err as Error).message}\n`);
    }
  }

  private armWatchdogPoll(): void {
    clearInterval(this.wdtTimer);
    this.wdtTimer = setInterval(() => {
      const timeout = this.ctrl[CTRL.WDT_TIMEOUT_MS]!;
      if (timeout > 0 && Date.now() - this.ctrl[CTRL.WDT_LAST_FEED]! > timeout) void this.watchdogReset();
    }, WDT_POLL_MS);
  }

  /** What belongs to the interpreter that stopped: its connections, timers and memory. */
  private dropInterpreter(): void {
    this.interruptLine.detach();
    this.schedulerLine.detach();
    this.wasmMemory = undefined;
    this.network?.close();
    this.network = undefined;
    this.sockets.closeAll(); // lwIP's sockets end with the chip's state
  }

  private async watchdogReset(): Promise<void> {
    clearInterval(this.wdtTimer);
    this.serial(`\nE (wdt) Task watchdog got triggered: the board was not fed for ${this.ctrl[CTRL.WDT_TIMEOUT_MS]} ms\n`);
    await this.stopWorker();
    await this.restart(RESET_CAUSE.WDT);
  }

  private async stopWorker(): Promise<void> {
    clearInterval(this.wdtTimer);
    const worker = this.worker;
    this.worker = undefined;
    this.dropInterpreter();
    if (worker) {
      this.stopping.add(worker);
      await worker.terminate();
    }
    for (const p of this.probes.values()) p.reject(new Error(`board ${this.id} stopped`));
    this.probes.clear();
  }
}

