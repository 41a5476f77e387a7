// Board text on the operator's terminal. A board (or whoever can publish as one) is untrusted:
// escape sequences in its output could retitle the window (OSC 0/2), write the clipboard
// (OSC 52), plant links (OSC 8), repaint the screen or fake other lines. Two filters:
//
// - visibleText (eval/exec output, error messages, listings, log lines): printable text, \n and
//   \t pass; every other control character is shown escaped (`\x1b`), so an escape sequence
//   arrives as inert visible text.
// - TerminalFilter (the REPL, a terminal like the serial one): colours, cursor movement and the
//   other CSI and two-character ESC sequences pass; OSC (titles, clipboard, links, palette), DCS,
//   SOS, PM and APC strings, window operations (CSI ... t), C1 controls and C0 controls other
//   than \n \r \t \b are shown escaped. It works on a stream: a sequence split across chunks is
//   held back until it is complete.
// Pure TypeScript.

const ESC = '\x1b';
/** Longest sequence held back waiting for its end; beyond it the text is shown escaped. */
const MAX_PENDING = 4096;

const hex = (c: string) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

/** Every control character except those in `keep` as \xNN (C0, DEL, C1). */
function escapeControls(s: string, keep: RegExp): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => (keep.test(c) ? c : hex(c)));
}

const PLAIN_KEEP = /[\n\t]/;
const TERMINAL_KEEP = /[\n\r\t\b]/;
const NONE = /(?!)/;

type Scan = { kind: 'seq'; end: number; keep: boolean } | { kind: 'incomplete' } | { kind: 'bad' };

/** The escape sequence starting at s[i] (an ESC): where it ends, and whether a REPL may pass it. */
function scanEscape(s: string, i: number): Scan {
  const next = s[i + 1];
  if (next === undefined) return { kind: 'incomplete' };
  if (next === '[') {
    let j = i + 2;
    while (j < s.length && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x3f) j++;
    if (j >= s.length) return { kind: 'incomplete' };
    const c = s.charCodeAt(j);
    if (c < 0x40 || c > 0x7e) return { kind: 'bad' };
    return { kind: 'seq', end: j + 1, keep: s[j] !== 't' }; // CSI t: resize, iconify, report the title
  }
  if (']PX^_'.includes(next)) {
    // A string sequence: ends with BEL (OSC only), ST (ESC \) or the C1 ST.
    for (let j = i + 2; j < s.length; j++) {
      const ch = s[j];
      if ((ch === '\x07' && next === ']') || ch === '\x9c') return { kind: 'seq', end: j + 1, keep: false };
      if (ch === ESC) return s[j + 1] === undefined ? { kind: 'incomplete' } : s[j + 1] === '\\' ? { kind: 'seq', end: j + 2, keep: false } : { kind: 'bad' };
    }
    return { kind: 'incomplete' };
  }
  // Two-character (and nF) sequences: ESC, intermediates 0x20-0x2F, a final 0x30-0x7E.
  let j = i + 1;
  while (j < s.length && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x2f) j++;
  if (j >= s.length) return { kind: 'incomplete' };
  const c = s.charCodeAt(j);
  return c >= 0x30 && c <= 0x7e ? { kind: 'seq', end: j + 1, keep: true } : { kind: 'bad' };
}

/**
 * Untrusted text made inert: printable text, \n and \t kept, every other control character
 * (ESC, BEL, CR, C1, DEL...) shown as \xNN. Colours the console adds itself (`view`'s levels)
 * go around the filtered text, never through it.
 */
export function visibleText(s: string): string {
  return escapeControls(s, PLAIN_KEEP);
}

/** The REPL filter on a stream of output chunks (one per session: it holds split sequences). */
export class TerminalFilter {
  private pending = '';

  push(chunk: string): string {
    const s = this.pending + chunk;
    this.pending = '';
    let out = '';
    let from = 0;
    for (let i = s.indexOf(ESC); i !== -1; i = s.indexOf(ESC, i)) {
      out += escapeControls(s.slice(from, i), TERMINAL_KEEP);
      const r = scanEscape(s, i);
      if (r.kind === 'incomplete' && s.length - i <= MAX_PENDING) {
        this.pending = s.slice(i);
        return out;
      }
      if (r.kind === 'seq') {
        const seq = s.slice(i, r.end);
        out += r.keep ? seq : escapeControls(seq, NONE);
        from = r.end;
      } else {
        // Not a sequence a terminal would finish (or too long to wait for): the ESC alone shown.
        out += hex(ESC);
        from = i + 1;
      }
      i = from;
    }
    return out + escapeControls(s.slice(from), TERMINAL_KEEP);
  }

  /** The end of the stream: a sequence still unfinished is shown escaped. */
  end(): string {
    const rest = this.pending;
    this.pending = '';
    return escapeControls(rest, NONE);
  }
}

/** The REPL filter on a whole text (a prompt, the end of a session). */
export function terminalText(s: string): string {
  const f = new TerminalFilter();
  return f.push(s) + f.end();
}

/** At most `max` characters: longer text ends with "…" (board text in bounded fields and cells). */
export function clipText(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
