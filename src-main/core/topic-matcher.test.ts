import { describe, expect, it } from 'vitest';
import { topicMatches } from './topic-filter.js';
import { compileFilter } from './topic-matcher.js';

describe('compileFilter (the session routes every message with it)', () => {
  it.each([
    ['sim/b1/mqb/status', 'sim/b1/mqb/status', true],
    ['sim/b1/mqb/status', 'sim/b1/mqb/statu', false],
    ['+/+/mqb/status', 'sim/b1/mqb/status', true],
    ['+/mqb/status', 'sim/b1/mqb/status', false],
    ['+/+/+/mqb/status', 'sim/b1/mqb/status', false],
    ['sim/#', 'sim/b1/log', true],
    ['sim/#', 'sim', true],
    ['sim/#', 'simulator/x', false],
    ['#', 'anything/at/all', true],
    ['#', '$SYS/x', false],
    ['+/x', '$SYS/x', false],
    ['sim/+/log', 'sim/b1/mqb/crash', false],
    ['a/b', 'a/b/c', false],
    ['a/+', 'a/', true],
    ['a/+', 'a', false],
    ['a/+/c', 'a//c', true],
    ['sim/b1/mqb/reply/+/+', 'sim/b1/mqb/reply/out/AbCd-_12', true],
    ['sim/b1/mqb/reply/+/+', 'sim/b1/mqb/reply/out', false],
    ['sim/b1/mqb/reply/+/+', 'sim/b1/mqb/reply/out/id/more', false],
    ['sim/b1/mqb/reply/+/+', 'sim/b10/mqb/reply/out/id', false],
  ])('%s matches %s: %s (as topicMatches says)', (filter, topic, expected) => {
    expect(compileFilter(filter)(topic)).toBe(expected);
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});
