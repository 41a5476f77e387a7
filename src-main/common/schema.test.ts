import { describe, expect, it } from 'vitest';
import { LIMITS, s, validate } from './schema.js';

describe('schema validation', () => {
  const point = s.object({ name: s.string({ min: 1, max: 8 }), x: s.number({ integer: true, min: 0 }), tag: s.optional(s.enum(['a', 'b'])) });

  it('accepts a fitting object and omitted optional fields', () => {
    expect(validate(point, { name: 'p', x: 3 })).toEqual({ ok: true, value: { name: 'p', x: 3 } });
    expect(validate(point, { name: 'p', x: 3, tag: 'b' }).ok).toBe(true);
  });

  it('names the offending field and what is wrong with it', () => {
    expect(validate(point, { name: '', x: 1 })).toEqual({ ok: false, error: 'name: must not be empty' });
    expect(validate(point, { name: 'way too long', x: 1 })).toEqual({ ok: false, error: 'name: too long (12 characters, at most 8)' });
    expect(validate(point, { name: 'p', x: 1.5 })).toEqual({ ok: false, error: 'x: expected a whole number, got 1.5' });
    expect(validate(point, { name: 'p', x: -1 })).toEqual({ ok: false, error: 'x: must be at least 0 (got -1)' });
    expect(validate(point, { name: 'p', x: 1, tag: 'c' })).toEqual({ ok: false, error: 'tag: must be one of "a", "b"' });
    expect(validate(point, { name: 'p' })).toEqual({ ok: false, error: 'x: expected a finite number, got undefined' });
  });

  it('refuses unknown fields, including __proto__ from JSON', () => {
    expect(validate(point, { name: 'p', x: 1, extra: true })).toEqual({ ok: false, error: 'extra: unknown field' });
    expect(validate(point, JSON.parse('{"name":"p","x":1,"__proto__":{"admin":true}}'))).toEqual({ ok: false, error: '__proto__: unknown field' });
  });

  it('refuses non-plain objects, NaN and Infinity', () => {
    expect(validate(point, [1]).ok).toBe(false);
    expect(validate(point, null)).toEqual({ ok: false, error: 'value: expected an object, got null' });
    expect(validate(point, new Date()).ok).toBe(false);
    expect(validate(s.number(), Number.NaN).ok).toBe(false);
    expect(validate(s.number(), Infinity).ok).toBe(false);
  });

  it('bounds strings, arrays and bytes by default', () => {
    expect(validate(s.string(), 'x'.repeat(LIMITS.string + 1)).ok).toBe(false);
    expect(validate(s.array(s.number()), new Array(LIMITS.array + 1).fill(0)).ok).toBe(false);
    expect(validate(s.bytes({ max: 4 }), new Uint8Array(5))).toEqual({ ok: false, error: 'value: too large (5 bytes, at most 4)' });
    expect(validate(s.bytes(), new Uint8Array(5)).ok).toBe(true);
  });

  it('reports the index of a bad array item', () => {
    expect(validate(s.object({ list: s.array(point) }), { list: [{ name: 'a', x: 1 }, { name: 'b', x: 'two' }] })).toEqual({
      ok: false,
      error: 'list[1].x: expected a finite number, got string',
    });
  });

  it('applies a string pattern and a refinement, with a readable hint', () => {
    const id = s.string({ pattern: /^[a-z]+$/, patternHint: 'lower-case letters' });
    expect(validate(id, 'A1')).toEqual({ ok: false, error: 'value: must be lower-case letters' });
    const even = s.string({ refine: (v) => (v.length % 2 ? 'odd length' : undefined) });
    expect(validate(even, 'abc')).toEqual({ ok: false, error: 'value: odd length' });
  });

  it('tells union variants apart by their tag', () => {
    const shape = s.union('kind', {
      circle: s.object({ kind: s.literal('circle'), r: s.number() }),
      square: s.object({ kind: s.literal('square'), side: s.number() }),
    });
    expect(validate(shape, { kind: 'circle', r: 1 }).ok).toBe(true);
    expect(validate(shape, { kind: 'square', r: 1 })).toEqual({ ok: false, error: 'r: unknown field' });
    expect(validate(shape, { kind: 'hasOwnProperty' })).toEqual({ ok: false, error: 'kind: must be one of "circle", "square"' });
  });

  it('checks a map: its keys, its values and how many entries it has', () => {
    const versions = s.record(s.string({ max: 10 }), { key: s.string({ min: 1, max: 5 }), max: 2 });
    expect(validate(versions, { blinky: '1.0' }).ok).toBe(false);
    expect(validate(versions, { app: '1.0', b: 'failed: x' })).toEqual({ ok: true, value: { app: '1.0', b: 'failed: x' } });
    expect(validate(versions, { toolong: '1' })).toEqual({ ok: false, error: 'value: key "toolong": too long (7 characters, at most 5)' });
    expect(validate(versions, { '': '1' })).toEqual({ ok: false, error: 'value: key "": must not be empty' });
    expect(validate(s.object({ m: versions }), { m: { app: 7 } })).toEqual({ ok: false, error: 'm.app: expected a string, got number' });
    expect(validate(versions, { a: '1', b: '2', c: '3' })).toEqual({ ok: false, error: 'value: too many entries (3, at most 2)' });
    expect(validate(versions, ['1'])).toEqual({ ok: false, error: 'value: expected an object, got an array' });
  });

  it('accepts null only where nullable', () => {
    expect(validate(s.nullable(s.number()), null).ok).toBe(true);
    expect(validate(s.number(), null).ok).toBe(false);
    expect(validate(s.boolean(), 'true')).toEqual({ ok: false, error: 'value: expected true or false, got string' });
  });
});
