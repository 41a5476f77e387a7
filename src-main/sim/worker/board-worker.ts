// Entry point of one virtual board: a worker thread running MicroPython (wasm) on the board's
// flash directory, with the ESP32 shims installed, then boot.py and main.py.
// One interpreter per thread: two in one JavaScript realm break each other (measured).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { BoardWorkerInit, HostToWorker, PowerCutPlan, WorkerToHost } from '../worker-protocol.js';
import { EXIT } from '../worker-protocol.js';
import { installErrnoBridge } from './errno-bridge.js';
import { routeHeapGrowth } from './heap-cap.js';
import { HeapModel } from './heap-model.js';
import { createHeapQuestion } from './heap-question.js';
import type { EmscriptenFS } from './emscripten-fs.js';
import { createHostFs } from './host-fs.js';
import { SimNetwork } from './sim-net.js';
import { SimWlan } from './sim-wlan.js';
import { SimSockClient } from './sim-sock-client.js';
import { SocketBudget } from './socket-budget.js';
import { createHostApi } from './sim-host-api.js';
import type { WasmMemory } from './shared-memory.js';
import { acceptSharedViewsInTextDecoder, asSharedMemory, shareWasmMemory } from './shared-memory.js';
import type { KbdExports } from './keyboard-interrupt.js';
import { heapStart, setUpKeyboardInterrupt } from './keyboard-interrupt.js';
import { SchedulerBridge, calibrateScheduler } from './scheduler-bridge.js';

const init = workerData as BoardWorkerInit;
const port = parentPort!;
const post = (msg: WorkerToHost) => port.postMessage(msg);
const ctrl = new Float64Array(init.control);
const HEAP_SAMPLE_MS = 10;
// GC heap taken by the shims and the preloaded modules before boot.py (measured: see
// docs/virtual-board.md, "Heap"), with a margin; what is left over is held back by _simgc.rebase().
const SHIM_HEAP_BYTES = 64 * 1024;
/** First character of a probe's answer when it raised (_simboot.probe). */
const PROBE_FAILED = '\x01';

// --- serial output: collected per write, flushed to the host and to os.dupterm streams -------
const decoder = new TextDecoder();
let outBytes: number[] = [];
let serialPending = '';
let serialTimer: NodeJS.Immediate | undefined;
let dupterm: ((text: string) => void) | null = null;
let inDupterm = false;

function flushSerial(): void {
  serialTimer = undefined;
  if (serialPending) post({ type: 'serial', text: serialPending });
  serialPending = '';
}

// The interpreter's memory is shared with the host, which can then interrupt busy Python code.
let wasmMemory: WasmMemory | undefined;
let wasmExports: Record<string, unknown> = {};
let shareProblem = 'not instantiated';
acceptSharedViewsInTextDecoder();
installErrnoBridge({
  patchBinary(binary) {
    if (!init.enforceHeap) return shareWasmMemory(binary);
    const routed = routeHeapGrowth(binary);
    // An interpreter whose heap growth cannot be decided here would hide MemoryErrors: refuse it.
    if (typeof routed === 'string') throw new Error(`virtual board: cannot enforce the heap: ${routed}`);
    return shareWasmMemory(routed);
  },
  heapQuestion: () => heapQuestion.answer(),
  onInstance(exports, problem) {
    shareProblem = problem;
    wasmExports = exports;
    wasmMemory = asSharedMemory(exports.memory);
    if (!wasmMemory) shareProblem ||= 'the interpreter memory is not shared';
  },
  afterStdWrite() {
    if (outBytes.length === 0) return;
    const text = decoder.decode(new Uint8Array(outBytes), { stream: true });
    outBytes = [];
    serialPending += text;
    serialTimer ??= setImmediate(flushSerial);
    if (dupterm && !inDupterm && text) {
      inDupterm = true;
      let interrupted = false;
      try {
        const flush = dupterm;
        kbdExports().gate.inTerminal(() => flush(text));
      } catch (err) {
        // A failing dupterm stream is ignored, as on the board; a host Ctrl-C that happened to
        // be raised in the stream's Python code was meant for the code that printed.
        interrupted = (err as { type?: string }).type === 'KeyboardInterrupt';
      } finally {
        inDupterm = false;
      }
      if (interrupted) kbdExports().scheduleInterrupt();
    }
  },
});

// Until the heap model is attached (after the shims are loaded) the heap does not grow.
const heapQuestion = createHeapQuestion();
/** After each call into the interpreter from here (HeapModel.afterCall under the enforced heap). */
let afterCall = (): void => {};
let heapBlocked = (): number => 0;
const PYSTACK_WORDS = 4096;

// Filled in once the interpreter is loaded (the stdout hook is installed before).
let kbdExports = (): { scheduleInterrupt: () => void; gate: { inTerminal: (run: () => void) => void } } => ({
  scheduleInterrupt: () => {},
  gate: { inTerminal: (run) => run() },
});

function exitWorker(code: number): never {
  flushSerial();
  process.exit(code);
}

// --- power cut during a write ------------------------------------------------------------------
let powerCut: PowerCutPlan | undefined = init.powerCut;
let matchingWrites = 0;
const gateFor = (target: PowerCutPlan['target']) => ({
  beforeWrite(hostPath: string, _position: number, length: number) {
    const plan = powerCut;
    if (!plan || plan.target !== target || (plan.pathIncludes && !hostPath.includes(plan.pathIncludes))) return undefined;
    if (++matchingWrites <= (plan.afterWrites ?? 0)) return undefined;
    return Math.min(plan.keepBytes, length);
  },
  powerLost(): never {
    return exitWorker(EXIT.POWER_CUT);
  },
});

// Imported after installErrnoBridge: the module must be instantiated with the translating imports.
const { loadMicroPython } = await import('@micropython/micropython-webassembly-pyscript');
const mp = await loadMicroPython({
  stdout: (b: Uint8Array) => outBytes.push(...b),
  stderr: (b: Uint8Array) => outBytes.push(...b),
  linebuffer: false,
  pystack: PYSTACK_WORDS,
  // The board's heap plus what the shims occupy (C code in flash on an ESP32); grows only as the
  // heap model allows (heap-model.ts).
  heapsize: init.heapBytes + SHIM_HEAP_BYTES,
});
const FS = mp.FS as EmscriptenFS;
const staticBytes = heapStart(wasmExports);
const kbd = setUpKeyboardInterrupt({
  memory: wasmMemory, scanBytes: staticBytes, problem: shareProblem, control: init.control, post,
  exports: (globalThis as unknown as { Module: KbdExports }).Module,
  runPython: (code) => mp.runPython(code),
});
kbdExports = () => kbd;
// After the Ctrl-C measurement, which needs the queue as a fresh interpreter has it.
const schedWords = typeof kbd.words === 'string' || !wasmMemory ? `no Ctrl-C words: ${String(kbd.words)}`
  : calibrateScheduler(wasmMemory, staticBytes, kbd.words.schedState, (code) => mp.runPython(code), (name) => mp.globals.get(name));
post(typeof schedWords === 'string' ? { type: 'sched', error: schedWords } : { type: 'sched', words: schedWords });
const sched = new SchedulerBridge(init.control, typeof schedWords === 'string' ? schedWords : '', post);

FS.mkdirTree('/flash');
FS.mount(createHostFs(FS, { root: init.flashDir, capacity: init.flashCapacity, gate: gateFor('file') }), {}, '/flash');
FS.mkdirTree('/simpart');
FS.mount(createHostFs(FS, { root: init.partitionDir, gate: gateFor('flash') }), {}, '/simpart');
FS.mkdirTree('/simpy');
for (const name of fs.readdirSync(init.pyDir)) {
  if (name.endsWith('.py')) (FS as unknown as { writeFile(p: string, d: Uint8Array): void }).writeFile(`/simpy/${name}`, fs.readFileSync(path.join(init.pyDir, name)));
}

// Espressif's OUI, then the board's own bytes.
const macHex = `240ac4${init.uniqueIdHex.slice(-6)}`;
const netRef: { current?: SimNetwork } = {};
const sockRef: { current?: SimSockClient } = {};
const wlan = new SimWlan(init.accessPoint, init.linkUp, { mac: macHex, ip: init.ip }, () => {
  netRef.current?.linkLost();
  sockRef.current?.linkLost();
}, init.radio);
const sockets = new SocketBudget(); // lwIP's socket table, shared by streams and the socket module
const net = new SimNetwork(FS, init.netPort, () => wlan.routable, sockets);
netRef.current = net;
const sock = new SimSockClient(FS, init.sockChannel, post, () => wlan.routable, sockets);
sockRef.current = sock;
let crashArmed = false;

mp.registerJsModule(
  '_simhost',
  createHostApi({
    afterCall: () => afterCall(),
    heapBlocked: () => heapBlocked(),
    init, ctrl, net, wlan, sched, post, sock,
    exit: exitWorker,
    setDupterm: (fn) => {
      dupterm = fn;
      // A terminal stream attached: a host Ctrl-C may reach the code that runs now.
      if (fn) kbd.gate.open();
      else kbd.gate.close();
    },
    typeChar: kbd.typeChar,
    takeCrash: () => {
      const armed = crashArmed;
      crashArmed = false;
      return armed;
    },
  }),
);

mp.runPython(`
import sys
sys.path.insert(0, '/simpy')
import _simboot
_simboot.setup(${init.heapBytes}, ${init.gcThreshold})
`);
const simboot = mp.pyimport('_simboot');
const runPending = mp.pyimport('machine')._run_pending!;
const sampleHeap = mp.pyimport('gc').mem_alloc!;
setInterval(() => {
  try {
    sampleHeap();
    afterCall();
  } catch {
    /* sampling must never take the board down */
  }
}, HEAP_SAMPLE_MS).unref();

port.on('message', (msg: HostToWorker) => {
  switch (msg.type) {
    case 'link':
      wlan.setLink(msg.up);
      break;
    case 'crash':
      crashArmed = true;
      break;
    case 'hang':
      mp.runPython('while True:\n    pass\n');
      break;
    case 'power-cut':
      powerCut = msg.plan;
      matchingWrites = 0;
      break;
    case 'sched-run':
      if (sched.takeWake()) {
        runPending();
        afterCall();
      }
      break;
    case 'probe':
      try {
        // A \x01 first: the probe raised (_simboot.probe returns its traceback, never raises).
        const value = String(simboot.probe!(msg.code, msg.json));
        afterCall();
        const failed = value.startsWith(PROBE_FAILED);
        post({ type: 'probe-result', id: msg.id, ok: !failed, value: failed ? value.slice(1) : value });
      } catch (err) {
        post({ type: 'probe-result', id: msg.id, ok: false, value: (err as Error).message });
      }
      break;
  }
});

// The wasm build collects garbage only when control returns to JavaScript (gc.collect() inside
// Python merely asks for it): collect at the end of one call, so rebase() measures live data only.
mp.runPython('import gc\ngc.collect()');
const spare = mp.pyimport('_simgc').rebase!(init.enforceHeap) as number;
if (init.enforceHeap && spare < 0) throw new Error(`virtual board: the shims take ${-spare} bytes more than their allowance (SHIM_HEAP_BYTES)`);
if (init.enforceHeap) {
  const stack = wasmExports as unknown as Record<'emscripten_stack_get_end' | 'emscripten_stack_get_base' | 'emscripten_stack_get_current', () => number>;
  const model = HeapModel.attach({
    memory: () => wasmMemory!.buffer,
    staticBytes,
    stack: { end: stack.emscripten_stack_get_end(), base: stack.emscripten_stack_get_base(), current: () => stack.emscripten_stack_get_current() },
    pystackBytes: PYSTACK_WORDS * 4,
  });
  // A board whose heap cannot be modelled would hide MemoryErrors or raise false ones: refuse.
  if (typeof model === 'string') throw new Error(`virtual board: cannot enforce the heap: ${model}`);
  heapQuestion.attach(model, () => mp.runPython('import gc\ngc.mem_free()'));
  afterCall = () => model.afterCall();
  heapBlocked = () => model.blockedBytes;
}
post({ type: 'booted' });
if (init.runBootFiles) {
  if (simboot.run_file!('boot.py')) {
    afterCall();
    simboot.run_file!('main.py');
  }
  afterCall();
  await mp.runPythonAsync('await _simboot.wait_main()');
  flushSerial(); // what main.py printed goes out before the host hears it is done
  post({ type: 'main-done' });
}
