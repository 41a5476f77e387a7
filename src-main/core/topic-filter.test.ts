import { describe, expect, it } from 'vitest';
import { topicMatches } from './topic-filter.js';

describe('topicMatches', () => {
  it.each([
    ['sim/b1/mqb/status', 'sim/b1/mqb/status', true],
    ['+/+/mqb/status', 'sim/b1/mqb/status', true],
    ['+/mqb/status', 'sim/b1/mqb/status', false],
    ['+/+/+/mqb/status', 'sim/b1/mqb/status', false],
    ['sim/#', 'sim/b1/log', true],
    ['sim/#', 'sim', true],
    ['#', '$SYS/x', false],
    ['+/x', '$SYS/x', false],
    ['sim/+/log', 'sim/b1/mqb/crash', false],
    ['a/b', 'a/b/c', false],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});
