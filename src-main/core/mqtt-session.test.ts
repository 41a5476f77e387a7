import { describe, expect, it } from 'vitest';
import { sendAtOnce } from './mqtt-session.js';

describe('sendAtOnce', () => {
  it("turns Nagle's algorithm off on a socket, and leaves a stream without sockets alone", () => {
    const calls: boolean[] = [];
    sendAtOnce({ setNoDelay: (on: boolean) => calls.push(on) });
    expect(calls).toEqual([true]);
    expect(() => sendAtOnce({})).not.toThrow(); // a WebSocket stream
    expect(() => sendAtOnce(undefined)).not.toThrow();
  });
});
