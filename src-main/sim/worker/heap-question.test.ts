import { describe, expect, it } from 'vitest';
import type { HeapModel } from './heap-model.js';
import { createHeapQuestion, wasmCaller } from './heap-question.js';

describe('heap question: who asks whether the GC heap may grow', () => {
  it('reads the caller of the patched function from the second wasm frame', () => {
    const stack = [
      'Error',
      '    at answer (file:///heap-question.js:20:5)',
      '    at wasm://wasm/001a793e:wasm-function[1277]:0x3cfbe',
      '    at wasm://wasm/001a793e:wasm-function[81]:0x2581',
      '    at wasm://wasm/001a793e:wasm-function[950]:0x29537',
    ].join('\n');
    expect(wasmCaller(stack)).toBe('81');
    expect(wasmCaller('Error\n    at x (file:///a.js:1:1)')).toBeUndefined();
  });

  it('answers 0 until a model is attached, and refuses to attach when gc.mem_free() never asked', () => {
    const question = createHeapQuestion();
    expect(question.answer()).toBe(0);
    const model = { answerGrowth: () => 4096 } as unknown as HeapModel;
    expect(() => question.attach(model, () => undefined)).toThrow(/did not ask/);
  });
});
