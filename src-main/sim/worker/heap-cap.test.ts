import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { capGcHeap } from './heap-cap.js';

const require = createRequire(import.meta.url);
const wasmPath = path.join(path.dirname(require.resolve('@micropython/micropython-webassembly-pyscript/micropython.mjs')), 'micropython.wasm');

describe('capGcHeap', () => {
  it('finds gc_get_max_new_split() once in the shipped interpreter and makes it return 0', () => {
    const binary = new Uint8Array(fs.readFileSync(wasmPath));
    const capped = capGcHeap(binary);
    expect(capped).toBeInstanceOf(Uint8Array);
    const out = capped as Uint8Array;
    const diff = [...out.keys()].filter((i) => out[i] !== binary[i]);
    expect(diff).toHaveLength(1); // the LEB128 byte holding bit 27 of 128 MiB, nothing else
    expect(() => new WebAssembly.Module(new Uint8Array(out))).not.toThrow();
  });

  it('refuses another build with a reason instead of running it uncapped silently', () => {
    expect(capGcHeap(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]))).toMatch(/not found exactly once \(0 matches\)/);
  });
});
