import { describe, expect, it } from 'vitest';
import { decodeWire, encodeWire, fromBase64, toBase64 } from './wire-codec.js';

describe('wire codec', () => {
  it('encodes base64 as RFC 4648 does, and round-trips every length', () => {
    expect(toBase64(new TextEncoder().encode('foobar'))).toBe('Zm9vYmFy');
    expect(toBase64(new TextEncoder().encode('fooba'))).toBe('Zm9vYmE=');
    expect(toBase64(new TextEncoder().encode('foob'))).toBe('Zm9vYg==');
    expect(toBase64(Uint8Array.of(0xfb, 0xff))).toBe('+/8=');
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
      expect(fromBase64(toBase64(bytes))).toEqual(bytes);
    }
  });

  it('carries byte buffers (Uint8Array and Node Buffer) inside JSON messages', () => {
    // A Node Buffer reaches the replacer already turned into {type: 'Buffer', data} by its toJSON.
    const nodeBuffer = Object.assign(Uint8Array.of(104, 105), { toJSON: () => ({ type: 'Buffer', data: [104, 105] }) });
    const msg = { id: 1, params: { file: { kind: 'bytes', name: 'a.bin', data: new Uint8Array([0, 255, 7]) }, other: nodeBuffer } };
    const back = decodeWire(encodeWire(msg)) as typeof msg;
    expect(back.params.file.data).toBeInstanceOf(Uint8Array);
    expect([...back.params.file.data]).toEqual([0, 255, 7]);
    expect([...(back.params.other as unknown as Uint8Array)]).toEqual([104, 105]);
  });

  it('refuses malformed JSON and malformed base64', () => {
    expect(() => decodeWire('{"id":')).toThrow(SyntaxError);
    expect(() => decodeWire('{"data":{"$bytes":"a*=="}}')).toThrow(/invalid base64/);
    expect(() => decodeWire('{"data":{"$bytes":"abc"}}')).toThrow(/multiple of 4/);
  });

  it('leaves objects that merely mention $bytes alone', () => {
    expect(decodeWire('{"$bytes":"AA==","x":1}')).toEqual({ $bytes: 'AA==', x: 1 });
  });
});
