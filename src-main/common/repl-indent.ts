// Auto-indent for the consoles' REPL terminals (the web terminal's line editor and `mqboard
// repl`), as the serial REPL's line editor does it (MicroPython shared/readline/readline.c:
// readline_auto_indent, and its Backspace and Tab keys). The board neither echoes nor edits a
// line, so the console pre-fills the indent; Enter on a line holding only that indent is what
// ends a typed block on the board (board/lib/mqb_tty_edit.py, typed_line).

/** One level of indent, as the serial REPL adds it. */
export const INDENT = '    ';

/** The board's prompt for a continuation line: the only one that gets an indent. */
export const CONTINUATION_PROMPT = '... ';

/**
 * The indent a continuation line starts with after `previous` (the line sent before it): the
 * whole levels of `previous`'s own indent, one more after a trailing ':'.
 */
export function autoIndent(previous: string): string {
  const spaces = /^ */.exec(previous)![0].length;
  const levels = Math.floor(spaces / INDENT.length) + (previous.trimEnd().endsWith(':') ? 1 : 0);
  return INDENT.repeat(levels);
}

/** How many characters Backspace deletes: a whole level while only spaces precede the cursor. */
export function backspaceWidth(beforeCursor: string): number {
  return beforeCursor.length >= INDENT.length && /^ +$/.test(beforeCursor) ? INDENT.length : 1;
}

/** Tab after whitespace indents (4 spaces) instead of completing, as on the serial REPL. */
export const tabIndents = (beforeCursor: string): boolean => /\s$/.test(beforeCursor);
