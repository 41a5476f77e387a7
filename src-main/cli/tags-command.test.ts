import { describe, expect, it } from 'vitest';
import { MqbError } from '../common/errors.js';
import { tagsRequest } from './tags-command.js';

describe('mqboard tags request', () => {
  it('reads without options, and sends set, add/rm or reset as the board takes them', () => {
    expect(tagsRequest({})).toBe('');
    expect(JSON.parse(tagsRequest({ set: 'a,b' }))).toEqual({ set: ['a', 'b'] });
    expect(JSON.parse(tagsRequest({ set: '' }))).toEqual({ set: [] });
    expect(JSON.parse(tagsRequest({ add: 'a', rm: 'b,c' }))).toEqual({ add: ['a'], rm: ['b', 'c'] });
    expect(JSON.parse(tagsRequest({ reset: true }))).toEqual({ set: null });
  });

  it('refuses a bad tag or options that contradict each other, as a usage error', () => {
    expect(() => tagsRequest({ add: 'ok,not ok' })).toThrow(new MqbError('USAGE', '--add: bad tag "not ok": 1-24 characters of A-Z a-z 0-9 - _ .'));
    expect(() => tagsRequest({ set: 'a', add: 'b' })).toThrow(/--set replaces the list/);
    expect(() => tagsRequest({ reset: true, rm: 'b' })).toThrow(/--reset/);
  });
});
