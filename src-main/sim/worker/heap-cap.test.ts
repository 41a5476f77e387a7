import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HEAP_QUESTION, importedFunctionIndex, routeHeapGrowth } from './heap-cap.js';

const require = createRequire(import.meta.url);
const wasmPath = path.join(path.dirname(require.resolve('@micropython/micropython-webassembly-pyscript/micropython.mjs')), 'micropython.wasm');

describe('routeHeapGrowth', () => {
  it('makes gc_get_max_new_split() of the shipped interpreter ask emscripten_resize_heap(HEAP_QUESTION)', async () => {
    const binary = new Uint8Array(fs.readFileSync(wasmPath));
    const routed = routeHeapGrowth(binary);
    expect(routed).toBeInstanceOf(Uint8Array);
    const out = routed as Uint8Array;
    const diff = [...out.keys()].filter((i) => out[i] !== binary[i]);
    expect(diff.length).toBeGreaterThan(0);
    expect(diff.at(-1)! - diff[0]!).toBeLessThan(9); // one function body, nothing else
    const module = new WebAssembly.Module(new Uint8Array(out));
    const names = WebAssembly.Module.imports(module).filter((i) => i.kind === 'function').map((i) => i.name);
    expect(names[importedFunctionIndex(out, 'env', 'emscripten_resize_heap')!]).toBe('emscripten_resize_heap');
    expect(HEAP_QUESTION).toBe(-3);
  });

  it('refuses another build with a reason instead of running it with an unmodelled heap', () => {
    expect(routeHeapGrowth(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]))).toMatch(/not found exactly once \(0 matches\)/);
  });
});
