import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../src-main/common/contract.js';
import { FilteredLog, LEVELS, LogRing, makeItem } from './log-buffer.js';

const line = (level: LogLine['level'], text: string): LogLine => ({ t: 0, level, time: '1', logger: 'main', text });

describe('log ring and filtered view', () => {
  it('keeps the newest lines when full', () => {
    const r = new LogRing(3);
    for (let i = 0; i < 5; i++) r.push(makeItem('p/b', line('I', `#${i}`)));
    expect([...r].map((i) => i.line.text)).toEqual(['#2', '#3', '#4']);
    expect(r.get(1)).toBeUndefined();
  });

  it('shows a traceback as one row per text line, filtered by level and text', () => {
    const r = new LogRing(100);
    r.push(makeItem('p/b', line('I', 'hello')));
    r.push(makeItem('p/b', line('E', 'failed\nTraceback:\n  File "x.py"')));
    r.push(makeItem('p/b', line('D', 'noise')));
    const all = new FilteredLog(r, { levels: new Set(LEVELS), text: '' });
    expect(all.count).toBe(5);
    expect(all.row(2)?.text).toBe('Traceback:');
    expect(all.row(2)?.sub).toBe(1);
    const errors = new FilteredLog(r, { levels: new Set(['E']), text: '' });
    expect(errors.count).toBe(3);
    const text = new FilteredLog(r, { levels: new Set(LEVELS), text: 'HELLO' });
    expect(text.count).toBe(1);
  });

  it('takes in new lines incrementally and forgets what the ring dropped', () => {
    const r = new LogRing(4);
    const f = new FilteredLog(r, { levels: new Set(LEVELS), text: '' });
    for (let i = 0; i < 3; i++) r.push(makeItem('p/b', line('I', `#${i}`)));
    f.update();
    expect(f.count).toBe(3);
    for (let i = 3; i < 10; i++) r.push(makeItem('p/b', line('I', `#${i}`)));
    f.update();
    expect(f.count).toBe(4);
    expect(f.row(0)?.text).toBe('#6');
    expect(f.row(3)?.text).toBe('#9');
  });

  it('keeps only the chosen boards in the merged view', () => {
    const r = new LogRing(10);
    r.push(makeItem('p/a', line('I', 'from a')));
    r.push(makeItem('p/b', line('I', 'from b')));
    const f = new FilteredLog(r, { levels: new Set(LEVELS), text: '', keys: new Set(['p/b']) });
    expect(f.count).toBe(1);
    expect(f.row(0)?.text).toBe('from b');
  });
});
