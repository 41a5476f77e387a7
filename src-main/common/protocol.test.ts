import { describe, expect, it } from 'vitest';
import {
  FrameSequencer, decodeFrame, encodeFrame, encodeText, newCommandId, otaTail, parseAck, prefixOfStatusTopic,
  putTail, singleCommand, TOPIC, validatePrefix,
} from './protocol.js';

describe('framing', () => {
  it('encodes the original headers: single command 0x8000, sequence numbers, last flag', () => {
    expect([...singleCommand(encodeText('1+1')).subarray(0, 2)]).toEqual([0x80, 0x00]);
    expect([...encodeFrame(5, false, new Uint8Array([9])).subarray(0, 3)]).toEqual([0x00, 0x05, 9]);
    expect([...encodeFrame(0x7ffe, true, new Uint8Array()).subarray(0, 2)]).toEqual([0xff, 0xfe]);
    expect(() => encodeFrame(0x8000, false, new Uint8Array())).toThrow(/out of range/);
  });

  it('decodes 0xFFFF as a single reply, not as sequence 0x7FFF', () => {
    const f = decodeFrame(new Uint8Array([0xff, 0xff, 0x4f, 0x4b]));
    expect(f).toMatchObject({ single: true, last: true });
    expect(new TextDecoder().decode(f.payload)).toBe('OK');
    expect(decodeFrame(new Uint8Array([0x80, 0x03]))).toMatchObject({ seq: 3, last: true, single: false });
    expect(() => decodeFrame(new Uint8Array([1]))).toThrow(/header/);
  });

  it('drops redelivered frames and reports gaps', () => {
    const s = new FrameSequencer();
    const f = (seq: number) => decodeFrame(encodeFrame(seq, false, new Uint8Array()));
    expect(s.accept(f(0))).toBe('deliver');
    expect(s.accept(f(0))).toBe('duplicate');
    expect(s.accept(f(1))).toBe('deliver');
    expect(s.accept(f(3))).toEqual({ gap: 1 });
  });

  it('recognises SEQ acknowledgements only in their exact form', () => {
    expect(parseAck(encodeText('SEQ 16'))).toBe(16);
    expect(parseAck(encodeText('SEQ x'))).toBeUndefined();
    expect(parseAck(encodeText('OK'))).toBeUndefined();
    expect(parseAck(encodeText('SEQUENCE 1'))).toBeUndefined();
  });
});

describe('topics and tails', () => {
  it('builds the command topics of the original protocol, with tails that keep their slashes', () => {
    expect(TOPIC.cmd('esp32/kitchen', 'put', 'abcdefgh', putTail('/lib/foo.py'))).toBe('esp32/kitchen/mqb/cmd/put/abcdefgh//lib/foo.py');
    expect(putTail('/a.py', 'ab'.repeat(32))).toBe(`sha256=${'ab'.repeat(32)}//a.py`);
    expect(otaTail('cd'.repeat(32), 8192)).toBe(`${'cd'.repeat(32)}/8192`);
    expect(otaTail('cd'.repeat(32))).toBe('cd'.repeat(32));
    expect(TOPIC.cmd('p', 'eval', 'id')).toBe('p/mqb/cmd/eval/id');
  });

  it('extracts prefixes from status topics and rejects unusable prefixes', () => {
    expect(prefixOfStatusTopic('a/b/mqb/status')).toBe('a/b');
    expect(prefixOfStatusTopic('a/b/mqb/crash')).toBeUndefined();
    expect(validatePrefix('a/+')).toMatch(/wildcard/);
    expect(validatePrefix('a//b')).toMatch(/empty topic level/);
    expect(validatePrefix('weather/hilltop')).toBeUndefined();
  });

  it('draws command ids from the url-safe base64 alphabet', () => {
    const id = newCommandId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(newCommandId(() => new Uint8Array(8).fill(63))).toBe('________');
  });
});
