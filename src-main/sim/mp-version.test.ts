import { describe, expect, it } from 'vitest';
import { micropythonVersion } from './mp-version.js';

describe('micropythonVersion', () => {
  it('reads a MicroPython tag from the app image version', () => {
    expect(micropythonVersion('v1.22.0')).toEqual([1, 22, 0]);
    expect(micropythonVersion('v1.22.2')).toEqual([1, 22, 2]);
    expect(micropythonVersion('1.24')).toEqual([1, 24, 0]);
    expect(micropythonVersion('v1.27.0-sim.3')).toEqual([1, 27, 0]);
  });

  it('treats any other image version as the interpreter the simulator runs', () => {
    expect(micropythonVersion('v2.0.0-test')).toEqual([1, 27, 0]);
    expect(micropythonVersion('v3')).toEqual([1, 27, 0]);
    expect(micropythonVersion('v1.2x')).toEqual([1, 27, 0]);
    expect(micropythonVersion('')).toEqual([1, 27, 0]);
  });
});
