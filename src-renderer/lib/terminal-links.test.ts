import { afterEach, describe, expect, it, vi } from 'vitest';
import { INERT_LINKS } from './terminal-links.js';

afterEach(() => vi.unstubAllGlobals());

describe('the terminal\'s OSC 8 link handler', () => {
  it('opens nothing and asks nothing when a link is activated', () => {
    const open = vi.fn();
    const confirm = vi.fn(() => true);
    vi.stubGlobal('open', open);
    vi.stubGlobal('confirm', confirm);
    INERT_LINKS.activate(new Event('click') as MouseEvent, 'https://evil.example/', { start: { x: 1, y: 1 }, end: { x: 5, y: 1 } });
    expect(open).not.toHaveBeenCalled();
    expect(confirm).not.toHaveBeenCalled();
    expect(INERT_LINKS.allowNonHttpProtocols).toBe(false);
  });
});
