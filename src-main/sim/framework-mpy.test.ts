import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileToMpy, isPrecompiled } from './framework-mpy.js';

describe('the framework precompiled for the virtual fleet', () => {
  it('precompiles the modules of lib directories only, not boot.py, main.py or apps', () => {
    expect(isPrecompiled('lib/mqb_mqtt.py')).toBe(true);
    expect(isPrecompiled('safemode/lib/mqb_mqtt.py')).toBe(true);
    expect(isPrecompiled('main.py')).toBe(false);
    expect(isPrecompiled('src/blink.py')).toBe(false);
    expect(isPrecompiled('lib/data.json')).toBe(false);
  });

  it('compiles to bytecode-only .mpy version 6, which MicroPython 1.27 loads', () => {
    const mpy = compileToMpy(path.resolve(import.meta.dirname, '../../board/lib/mqb_clock.py'));
    expect([...mpy.subarray(0, 3)]).toEqual([0x4d, 6, 0]); // 'M', version 6, no native arch
  });
});
