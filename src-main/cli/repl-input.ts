// The input side of `mqboard repl` on a board REPL (tty), made to behave like the serial REPL:
// - lines that arrive in one chunk of input (a paste, or a piped script) go to the board as one
//   input, so it applies the paste rule (a line back at column 0 ends a block); a typed line
//   arrives alone and goes alone, and the board collects it as the serial REPL would;
// - on a terminal, a continuation line starts with its indent, Backspace in the indent removes
//   a level and Tab after whitespace indents (common/repl-indent.ts). Not for piped input: a
//   script has its own indentation.
import type * as readline from 'node:readline';
import { autoIndent, backspaceWidth, CONTINUATION_PROMPT, INDENT, tabIndents } from '../common/repl-indent.js';
import type { InStream } from './cli-io.js';

export interface ReplInput {
  /** The board prompts: a continuation line starts with the indent. */
  atPrompt(prompt: string): void;
  /** Sends what is still batched (before the session is closed). */
  flush(): void;
  /** For the completer: the Tab that indents instead, or undefined. */
  indentTab(beforeCursor: string): [string[], string] | undefined;
  dispose(): void;
}

export function replInput(rl: readline.Interface, stdin: InStream, terminal: boolean, send: (text: string) => void): ReplInput {
  let batch: string[] = [];
  let sent = '';
  const flush = () => {
    if (!batch.length) return;
    const text = `${batch.join('\n')}\n`;
    sent = batch[batch.length - 1]!;
    batch = [];
    send(text);
  };
  // readline emits every line of one chunk synchronously: they are all in the batch by the time
  // the callback runs.
  rl.on('line', (line) => {
    if (!batch.length) setImmediate(flush);
    batch.push(line);
  });
  const onKey = (_s: unknown, key: { name?: string } | undefined) => {
    // Runs before readline's own listener, which deletes the last of the level's spaces.
    if (key?.name !== 'backspace') return;
    for (let n = backspaceWidth(rl.line.slice(0, rl.cursor)); n > 1; n--) rl.write(null, { name: 'backspace' });
  };
  if (terminal) stdin.prependListener('keypress', onKey);
  return {
    atPrompt(prompt) {
      const indent = autoIndent(sent);
      if (terminal && prompt === CONTINUATION_PROMPT && rl.line === '' && indent) rl.write(indent);
    },
    flush,
    indentTab: (beforeCursor) => (terminal && tabIndents(beforeCursor) ? [[INDENT], ''] : undefined),
    dispose: () => void stdin.removeListener('keypress', onKey),
  };
}
