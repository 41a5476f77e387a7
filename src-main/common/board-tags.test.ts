import { describe, expect, it } from 'vitest';
import { parseBoardStatus } from './board-status.js';
import { TagError, hasTags, parseTagList, statusTags } from './board-tags.js';

describe('board tags', () => {
  it('a status carries the board\'s tags; junk from a hostile board is dropped, never the status', () => {
    const tags = (v: unknown) => parseBoardStatus('p', JSON.stringify({ proto: 2, tags: v }))!.tags;
    expect(tags(['kitchen', 'battery'])).toEqual(['kitchen', 'battery']);
    expect(tags(undefined)).toEqual([]);
    expect(tags('kitchen')).toEqual([]);
    expect(tags({ 0: 'kitchen' })).toEqual([]);
    expect(tags(['ok', 7, null, { a: 1 }, '', 'has space', 'x'.repeat(25), '\u001b[2J', 'ünï', 'ok', 'v1.2_b-3'])).toEqual(['ok', 'v1.2_b-3']);
    expect(tags(Array.from({ length: 10_000 }, (_, i) => `t${i}`))).toEqual(['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7']);
  });

  it('statusTags keeps at most 8 distinct valid tags', () => {
    expect(statusTags(['a', 'a', 'B', 'b'])).toEqual(['a', 'B', 'b']);
    expect(statusTags(Array.from({ length: 20 }, (_, i) => `t${i % 10}`))).toHaveLength(8);
  });

  it('parses what a user types (a,b) with a clear error for a bad tag', () => {
    expect(parseTagList('kitchen, battery,kitchen')).toEqual(['kitchen', 'battery']);
    expect(() => parseTagList('kitchen,no space')).toThrow(new TagError('bad tag "no space": 1-24 characters of A-Z a-z 0-9 - _ .'));
    expect(() => parseTagList(' , ')).toThrow(TagError);
  });

  it('a board matches when it has every tag asked for', () => {
    expect(hasTags(['kitchen', 'battery'], ['battery'])).toBe(true);
    expect(hasTags(['kitchen', 'battery'], ['battery', 'kitchen'])).toBe(true);
    expect(hasTags(['kitchen'], ['battery', 'kitchen'])).toBe(false);
    expect(hasTags(undefined, ['kitchen'])).toBe(false);
    expect(hasTags([], [])).toBe(true);
  });
});
