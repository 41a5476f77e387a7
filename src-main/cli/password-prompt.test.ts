import { describe, expect, it } from 'vitest';
import type { MqbError } from '../common/errors.js';
import { testIo } from './cli-test-io.js';
import { promptHidden } from './password-prompt.js';

function ttyIo() {
  const t = testIo({});
  const modes: boolean[] = [];
  Object.assign(t.io.stdin, { isTTY: true, setRawMode: (m: boolean) => modes.push(m) });
  return { t, modes };
}

describe('promptHidden', () => {
  it('reads a password without echoing it, with backspace, in raw mode', async () => {
    const { t, modes } = ttyIo();
    const p = promptHidden(t.io, 'password: ');
    t.stdin.write('secx');
    t.stdin.write('\x7fret\r');
    expect(await p).toBe('secret');
    expect(t.err()).toBe('password: \n');
    expect(t.out()).toBe('');
    expect(modes).toEqual([true, false]);
  });

  it('Ctrl-C cancels', async () => {
    const { t } = ttyIo();
    const p = promptHidden(t.io, 'pw: ');
    t.stdin.write('ab\x03');
    expect(((await p.catch((e: unknown) => e)) as MqbError).code).toBe('CANCELLED');
  });
});
