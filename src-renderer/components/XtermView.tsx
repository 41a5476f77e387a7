// xterm.js wrapped for React: created on mount, disposed on unmount. Local line editing (the board
// does not echo): history with up/down, auto-indent, a multi-line paste goes as one input, Ctrl-C
// interrupts (or copies when text is selected), Tab asks the board for completions. Keys typed
// while the board is busy are kept (type-ahead, like a terminal) and edited in once its prompt
// comes back.
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import { useEffect, useRef } from 'react';
import { terminalText } from '../../src-main/common/terminal-text.js';
import type { BoardKey } from '../lib/board-key.js';
import { applyCompletion, atPrompt, editLine, emptyLine } from '../lib/line-editor.js';
import type { LineState } from '../lib/line-editor.js';
import { INERT_LINKS } from '../lib/terminal-links.js';
import { attachTerminal, complete, historyOf, interrupt, recordEcho, saveHistory, sendInput, transcriptOf } from '../services/tty.js';
import { useTty } from '../stores/tty-store.js';

const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');
/** Type-ahead kept while a statement runs; beyond it keys are dropped (a stuck key, a huge paste). */
const TYPEAHEAD_MAX = 64 * 1024;

/** Terminal escape codes that redraw prompt + line after an edit, also when it wraps. */
export function redrawSequence(cols: number, prompt: string, prevCursor: number, next: LineState): string {
  const up = Math.floor((prompt.length + prevCursor) / cols);
  let s = (up > 0 ? `\x1b[${up}A` : '') + '\r\x1b[J' + prompt + next.line;
  const end = prompt.length + next.line.length;
  if (end > 0 && end % cols === 0) s += ' \r'; // leave xterm's "pending wrap" state at the end of a full row
  const cur = prompt.length + next.cursor;
  const rowsBack = Math.floor(end / cols) - Math.floor(cur / cols);
  if (rowsBack > 0) s += `\x1b[${rowsBack}A`;
  s += '\r';
  if (cur % cols > 0) s += `\x1b[${cur % cols}C`;
  return s;
}

/** xterm's colours from the theme's CSS variables (styles/app.css), read when the theme changes. */
function terminalTheme(): { background: string; foreground: string; cursor: string; selectionBackground: string } {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return { background: v('--term-bg', '#111418'), foreground: v('--term-fg', '#e3e7ee'), cursor: v('--term-cursor', '#e3e7ee'), selectionBackground: v('--term-selection', '#34507e') };
}

export function XtermView({ boardKey }: { boardKey: BoardKey }) {
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const term = new Terminal({
      fontFamily: "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace",
      fontSize: 13,
      cursorBlink: true,
      scrollback: 5000,
      theme: terminalTheme(),
      linkHandler: INERT_LINKS,
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host.current!);
    const refit = () => {
      try {
        fit.fit();
      } catch {
        // not laid out yet (hidden): the next resize fits it
      }
    };
    refit();
    const ro = new ResizeObserver(refit);
    ro.observe(host.current!);

    let prompt = useTty.getState().sessions[boardKey]?.prompt ?? '';
    let st: LineState = emptyLine(historyOf(boardKey));
    let typeahead: string[] = [];
    let typeaheadSize = 0;
    const takeTypeahead = (): string[] => {
      const keys = typeahead;
      typeahead = [];
      typeaheadSize = 0;
      return keys;
    };
    term.write(crlf(transcriptOf(boardKey)));
    if (prompt) term.write(prompt);

    const detach = attachTerminal(boardKey, (kind, text) => {
      if (kind === 'out') term.write(crlf(text));
      else if (kind === 'prompt') {
        prompt = text;
        st = atPrompt(st, text); // a continuation line starts indented, as on the serial REPL
        term.write(text + st.line);
        if (st.cursor < st.line.length) term.write(`\x1b[${st.line.length - st.cursor}D`);
        // Replay the type-ahead; an Enter in it submits and clears `prompt`, the rest waits again.
        takeTypeahead().forEach(onKeys);
      } else {
        takeTypeahead(); // dropped: the session is over
        term.write(`\r\n\x1b[2m[${text || 'session ended'}]\x1b[0m\r\n`);
      }
    });

    const submit = (text: string, paste: boolean) => {
      // Echo what was sent (pasted blocks with continuation prompts, like the serial REPL).
      // A paste may carry escape sequences too (copied from a web page): echoed inert.
      const shown = terminalText(paste ? text.replace(/\n(?!$)/g, '\n... ') : text);
      if (paste) term.write(crlf(shown));
      else term.write('\r\n');
      recordEcho(boardKey, prompt + shown);
      prompt = '';
      void sendInput(boardKey, text);
    };

    term.attachCustomKeyEventHandler((ev) => {
      if (ev.type !== 'keydown') return true;
      const mod = ev.ctrlKey || ev.metaKey;
      if (mod && ev.key === 'c' && term.hasSelection()) {
        void navigator.clipboard?.writeText(term.getSelection());
        return false;
      }
      // Let the browser paste (it fires a paste event that xterm turns into one onData).
      if (mod && !ev.shiftKey && ev.key === 'v') return false;
      return true;
    });

    const onKeys = (data: string): void => {
      if (!prompt) {
        // The board is busy (a statement runs, or its prompt is on the way): Ctrl-C interrupts and
        // drops the type-ahead, other keys wait for the prompt.
        if (data === '\x03') {
          takeTypeahead(); // dropped, as a terminal's Ctrl-C flushes its input
          term.write('^C');
          void interrupt(boardKey);
        } else if (typeaheadSize + data.length <= TYPEAHEAD_MAX) {
          typeahead.push(data);
          typeaheadSize += data.length;
        }
        return;
      }
      const prevCursor = st.cursor;
      const r = editLine(st, data);
      if (r.state.history !== st.history) saveHistory(boardKey, r.state.history);
      st = r.state;
      for (const fx of r.effects) {
        if (fx.kind === 'redraw') term.write(redrawSequence(term.cols, prompt, prevCursor, st));
        else if (fx.kind === 'submit') submit(fx.text, fx.paste);
        else if (fx.kind === 'interrupt') {
          term.write('^C\r\n');
          recordEcho(boardKey, `${prompt}^C\n`);
          prompt = '';
          void interrupt(boardKey);
        } else if (fx.kind === 'complete') {
          const typed = fx.line;
          const asked = st;
          void complete(boardKey, typed).then((res) => {
            // Typing went on while the board answered: the answer is for a line that is gone.
            if (!res || !prompt || st !== asked) return;
            const before = st.cursor;
            const c = applyCompletion(st, typed, res.prefix, res.matches);
            st = c.state;
            if (c.candidates.length) term.write(`\r\n${c.candidates.join('  ')}\r\n${prompt}${st.line}`);
            else term.write(redrawSequence(term.cols, prompt, before, st));
          });
        }
      }
    };
    const sub = term.onData(onKeys);

    term.focus();
    // The colours follow the window's theme: the toggle (data-theme) and the system's scheme.
    const retheme = () => (term.options.theme = terminalTheme());
    const themeWatch = new MutationObserver(retheme);
    themeWatch.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    const scheme = globalThis.matchMedia?.('(prefers-color-scheme: dark)');
    scheme?.addEventListener('change', retheme);
    return () => {
      themeWatch.disconnect();
      scheme?.removeEventListener('change', retheme);
      sub.dispose();
      detach();
      ro.disconnect();
      term.dispose();
    };
  }, [boardKey]);

  return <div ref={host} className="terminal-wrap" data-testid="terminal" />;
}
