import { describe, expect, it } from 'vitest';
import { encodeText } from '../common/protocol.js';
import { MqbError } from '../common/errors.js';
import type { BoardClient } from '../core/board-client.js';
import { reportError } from './cli-context.js';
import { testIo } from './cli-test-io.js';
import { runStreamed } from './eval-command.js';

/** A board whose eval output comes in these frames. */
const boardSending = (frames: string[]) =>
  ({
    request: async (_cmd: string, o: { onFrame?: (p: Uint8Array) => void }) => {
      for (const f of frames) o.onFrame?.(encodeText(f));
      return new Uint8Array();
    },
  }) as unknown as BoardClient;

describe('board text on the operator\'s terminal', () => {
  it('eval/exec output: escape sequences (title, clipboard, repaint) are shown escaped', async () => {
    const t = testIo({});
    const out = await runStreamed(boardSending(['ok\x1b]0;pwned\x07', '\x1b]52;c;aGk=\x1b\\\x1b[2J\r\n']), 'eval', 'x', t.io, true);
    expect(t.out()).toBe('ok\\x1b]0;pwned\\x07\\x1b]52;c;aGk=\\x1b\\\\x1b[2J\n');
    expect(out).toBe('ok\x1b]0;pwned\x07\x1b]52;c;aGk=\x1b\\\x1b[2J\r\n'); // --json gets the text itself (JSON escapes it)
  });

  it('error messages carrying board text are shown escaped', () => {
    const t = testIo({});
    reportError(t.io, new MqbError('BOARD_ERROR', 'Traceback\x1b]2;pwned\x07\nValueError'), false);
    expect(t.err()).toBe('mqboard: Traceback\\x1b]2;pwned\\x07\nValueError\n');
  });
});
