// Who asks gc_get_max_new_split()? py/gc.c asks in two places: gc_try_add_heap(), inside an
// allocation that found no room (the heap model answers), and gc_info(), behind gc.mem_free(),
// which adds the answer to the free heap (0 then: a board's free heap is what its heap has free).
// The wasm frames of the JavaScript stack tell them apart: the caller of the patched function is
// recorded once, while gc.mem_free() runs (calibrate), and compared at every question.
import type { HeapModel } from './heap-model.js';

const WASM_FRAME = /wasm-function\[(\d+)\]/g;

/** The wasm function that called the patched gc_get_max_new_split() (the second wasm frame). */
export function wasmCaller(stack: string | undefined): string | undefined {
  const frames = [...(stack ?? '').matchAll(WASM_FRAME)];
  return frames[1]?.[1];
}

function callerNow(): string | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 8;
  try {
    return wasmCaller(new Error().stack);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export interface HeapQuestion {
  answer(): number;
  /** From now on `model` answers; `memFree` runs gc.mem_free() once to learn gc_info's frame. */
  attach(model: HeapModel, memFree: () => unknown): void;
}

export function createHeapQuestion(): HeapQuestion {
  let model: HeapModel | undefined;
  let infoCaller: string | undefined;
  let calibrating = false;
  return {
    answer() {
      if (calibrating) {
        infoCaller = callerNow();
        return 0;
      }
      if (!model || callerNow() === infoCaller) return 0;
      try {
        return model.answerGrowth();
      } catch (err) {
        // An exception must not cross into the wasm call (it would abort the interpreter): the
        // allocation fails instead, and the cause goes to the worker's stderr.
        process.stderr.write(`virtual board: heap model failed: ${(err as Error).stack ?? String(err)}\n`);
        return 0;
      }
    },
    attach(m, memFree) {
      calibrating = true;
      try {
        memFree();
      } finally {
        calibrating = false;
      }
      if (infoCaller === undefined) throw new Error('virtual board: gc.mem_free() did not ask whether the heap may grow');
      model = m;
    },
  };
}
