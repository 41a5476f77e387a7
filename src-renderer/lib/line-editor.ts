// Local line editing for the REPL terminal: the board does not echo, so the console edits the
// line, keeps the history and sends whole inputs (tty.input). Pure: `editLine` turns what xterm.js
// delivers (keys as escape sequences, or a paste) into a new state plus effects for the terminal.
// Like the serial REPL it auto-indents (common/repl-indent.ts): `atPrompt` pre-fills a
// continuation line, Backspace in the indent deletes a level, Tab after whitespace indents.
import { autoIndent, backspaceWidth, CONTINUATION_PROMPT, INDENT, tabIndents } from '../../src-main/common/repl-indent.js';

export interface LineState {
  line: string;
  cursor: number;
  history: readonly string[];
  /** Index into history while browsing it with up/down; null when editing a fresh line. */
  browsing: number | null;
  /** The fresh line saved while browsing the history. */
  draft: string;
  /** The last line sent (typed, or the end of a paste): the next continuation line's indent. */
  sent: string;
}

export type LineEffect =
  | { kind: 'redraw' }
  | { kind: 'submit'; text: string; paste: boolean }
  | { kind: 'interrupt' }
  | { kind: 'complete'; line: string }
  | { kind: 'bell' };

export const HISTORY_MAX = 500;

export const emptyLine = (history: readonly string[] = [], sent = ''): LineState => ({ line: '', cursor: 0, history, browsing: null, draft: '', sent });

/** The board prompts again: a continuation line ('... ') starts with the indent, unless keys typed ahead are on it. */
export function atPrompt(state: LineState, prompt: string): LineState {
  if (prompt !== CONTINUATION_PROMPT || state.line !== '' || state.browsing !== null) return state;
  const line = autoIndent(state.sent);
  return { ...state, line, cursor: line.length };
}

const KEYS: Record<string, string> = {
  '\x1b[A': 'up',
  '\x1bOA': 'up',
  '\x1b[B': 'down',
  '\x1bOB': 'down',
  '\x1b[C': 'right',
  '\x1bOC': 'right',
  '\x1b[D': 'left',
  '\x1bOD': 'left',
  '\x1b[H': 'home',
  '\x1bOH': 'home',
  '\x1b[1~': 'home',
  '\x01': 'home',
  '\x1b[F': 'end',
  '\x1bOF': 'end',
  '\x1b[4~': 'end',
  '\x05': 'end',
  '\x1b[3~': 'delete',
  '\x7f': 'backspace',
  '\b': 'backspace',
  '\r': 'enter',
  '\t': 'tab',
  '\x03': 'interrupt',
  '\x15': 'kill-line',
  '\x0b': 'kill-end',
};

/** Splits xterm data into keys: escape sequences, control characters and runs of printable text. */
export function splitKeys(data: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < data.length) {
    const c = data[i]!;
    if (c === '\x1b') {
      // CSI (ESC [ params final) or SS3 (ESC O x); anything else: ESC plus one character.
      let j = i + 1;
      if (data[j] === '[') {
        j++;
        while (j < data.length && !/[@-~]/.test(data[j]!)) j++;
        j++;
      } else j += data[j] === 'O' ? 2 : 1;
      out.push(data.slice(i, Math.min(j, data.length)));
      i = j;
    } else if (c < ' ' || c === '\x7f') {
      out.push(c);
      i++;
    } else {
      let j = i;
      while (j < data.length && data[j]! >= ' ' && data[j] !== '\x7f') j++;
      out.push(data.slice(i, j));
      i = j;
    }
  }
  return out;
}

/** A paste: more than one character with a line break in it (a typed Enter arrives alone). */
export const isMultiLinePaste = (data: string) => data.length > 1 && /[\r\n]/.test(data) && data !== '\r\n';

function withHistory(history: readonly string[], entry: string): readonly string[] {
  if (!entry.trim() || history[history.length - 1] === entry) return history;
  const h = [...history, entry];
  return h.length > HISTORY_MAX ? h.slice(h.length - HISTORY_MAX) : h;
}

export function editLine(state: LineState, data: string): { state: LineState; effects: LineEffect[] } {
  if (isMultiLinePaste(data)) {
    // Pasted code goes to the board as one input, the current line first: a block pasted whole
    // compiles whole, instead of line by line with prompts in between.
    const pasted = data.replace(/\r\n?/g, '\n');
    const text = state.line.slice(0, state.cursor) + pasted + state.line.slice(state.cursor);
    const lines = text.replace(/\n$/, '').split('\n');
    return { state: emptyLine(state.history, lines.at(-1)), effects: [{ kind: 'submit', text: text.endsWith('\n') ? text : `${text}\n`, paste: true }] };
  }
  let s = state;
  const effects: LineEffect[] = [];
  let dirty = false;
  const set = (line: string, cursor: number) => {
    s = { ...s, line, cursor, browsing: s.browsing };
    dirty = true;
  };
  for (const key of splitKeys(data)) {
    const name = KEYS[key];
    if (name === undefined) {
      if (key[0] !== '\x1b' && key >= ' ') set(s.line.slice(0, s.cursor) + key + s.line.slice(s.cursor), s.cursor + key.length);
      continue;
    }
    switch (name) {
      case 'left':
        if (s.cursor > 0) set(s.line, s.cursor - 1);
        break;
      case 'right':
        if (s.cursor < s.line.length) set(s.line, s.cursor + 1);
        break;
      case 'home':
        set(s.line, 0);
        break;
      case 'end':
        set(s.line, s.line.length);
        break;
      case 'backspace': {
        const n = backspaceWidth(s.line.slice(0, s.cursor));
        if (s.cursor > 0) set(s.line.slice(0, s.cursor - n) + s.line.slice(s.cursor), s.cursor - n);
        else effects.push({ kind: 'bell' });
        break;
      }
      case 'delete':
        if (s.cursor < s.line.length) set(s.line.slice(0, s.cursor) + s.line.slice(s.cursor + 1), s.cursor);
        break;
      case 'kill-line':
        set('', 0);
        break;
      case 'kill-end':
        set(s.line.slice(0, s.cursor), s.cursor);
        break;
      case 'up': {
        if (s.history.length === 0) break;
        const at = s.browsing === null ? s.history.length - 1 : Math.max(0, s.browsing - 1);
        const draft = s.browsing === null ? s.line : s.draft;
        const line = s.history[at]!;
        s = { ...s, line, cursor: line.length, browsing: at, draft };
        dirty = true;
        break;
      }
      case 'down': {
        if (s.browsing === null) break;
        const at = s.browsing + 1;
        const line = at >= s.history.length ? s.draft : s.history[at]!;
        s = { ...s, line, cursor: line.length, browsing: at >= s.history.length ? null : at };
        dirty = true;
        break;
      }
      case 'enter':
        if (dirty) effects.push({ kind: 'redraw' });
        dirty = false;
        effects.push({ kind: 'submit', text: `${s.line}\n`, paste: false });
        s = emptyLine(withHistory(s.history, s.line), s.line);
        break;
      case 'tab':
        if (tabIndents(s.line.slice(0, s.cursor))) {
          set(s.line.slice(0, s.cursor) + INDENT + s.line.slice(s.cursor), s.cursor + INDENT.length);
          break;
        }
        if (dirty) effects.push({ kind: 'redraw' });
        dirty = false;
        effects.push({ kind: 'complete', line: s.line.slice(0, s.cursor) });
        break;
      case 'interrupt':
        effects.push({ kind: 'interrupt' });
        s = emptyLine(s.history);
        dirty = false;
        break;
    }
  }
  if (dirty) effects.push({ kind: 'redraw' });
  return { state: s, effects };
}

/**
 * Applies a completion answer ({prefix, matches} from the board) to the line: the longest common
 * continuation is inserted; the candidates come back when there is more than one.
 */
export function applyCompletion(state: LineState, typed: string, prefix: string, matches: readonly string[]): { state: LineState; candidates: string[] } {
  if (matches.length === 0) return { state, candidates: [] };
  // Candidates may be whole words ("listdir") or the completed text ("os.listdir"): compare the
  // part after the last "." of what was typed in either case.
  const word = prefix.slice(prefix.lastIndexOf('.') + 1);
  const tails = matches.map((m) => m.slice(m.lastIndexOf('.') + 1)).filter((m) => m.startsWith(word));
  if (tails.length === 0) return { state, candidates: [] };
  let common = tails[0]!;
  for (const t of tails) {
    let i = 0;
    while (i < common.length && i < t.length && common[i] === t[i]) i++;
    common = common.slice(0, i);
  }
  const extra = common.slice(word.length);
  const next = extra && typed.endsWith(prefix) ? { ...state, line: typed + extra + state.line.slice(typed.length), cursor: typed.length + extra.length } : state;
  return { state: next, candidates: tails.length > 1 ? tails : [] };
}
