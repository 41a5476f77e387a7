import { describe, expect, it } from 'vitest';
import { buildAppImage } from './firmware-image-builder.js';
import { imageMicropython, micropythonVersion } from './mp-version.js';

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

describe('imageMicropython', () => {
  it('reads the release from the banner in the code of a stock image, whose app descriptor is empty', () => {
    const stock = buildAppImage({ version: '', projectName: '', micropython: 'v1.22.0', totalSize: 60_000 });
    expect(imageMicropython(stock, '')).toBe('v1.22.0');
    expect(imageMicropython(buildAppImage({ version: '', projectName: '', micropython: 'v1.24.0-preview.12.gabc', totalSize: 60_000 }), '')).toBe('v1.24.0-preview.12.gabc');
  });

  it('falls back to a v1.x app descriptor version, then to the interpreter', () => {
    expect(imageMicropython(buildAppImage({ version: 'v1.22.0', totalSize: 60_000 }), 'v1.22.0')).toBe('v1.22.0');
    expect(imageMicropython(buildAppImage({ version: 'v2.0.0-test', totalSize: 60_000 }), 'v2.0.0-test')).toBe('v1.27.0');
  });

  it('two stock images of different releases have different ELF SHA-256s (their identity)', () => {
    const a = buildAppImage({ version: '', projectName: '', micropython: 'v1.22.0', totalSize: 60_000 });
    const b = buildAppImage({ version: '', projectName: '', micropython: 'v1.27.0', totalSize: 60_000 });
    expect(a.subarray(176, 208).equals(b.subarray(176, 208))).toBe(false);
  });
});
