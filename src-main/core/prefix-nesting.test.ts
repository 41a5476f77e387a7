import { describe, expect, it } from 'vitest';
import { PrefixNesting } from './prefix-nesting.js';

describe('PrefixNesting', () => {
  it('finds a prefix inside another, at any depth, and forgets removed boards', () => {
    const n = new PrefixNesting();
    expect(n.add('esp32/kitchen')).toEqual([]);
    expect(n.add('esp32/kitchens')).toEqual([]); // a longer level is not nested
    expect(n.warning('esp32/kitchen')).toBeUndefined();
    expect(n.add('esp32/kitchen/fridge/door')).toEqual(['esp32/kitchen']);
    expect(n.warning('esp32/kitchen/fridge/door')).toMatch(/^nested prefix: inside the prefix of "esp32\/kitchen"\. .*%u\/#/);
    expect(n.warning('esp32/kitchen')).toMatch(/holds the prefix of "esp32\/kitchen\/fridge\/door"/);
    expect(n.add('esp32/kitchen/fridge')).toEqual(['esp32/kitchen', 'esp32/kitchen/fridge/door']);
    expect(n.warning('esp32/kitchen/fridge')).toMatch(/inside the prefix of "esp32\/kitchen"; holds the prefix of "esp32\/kitchen\/fridge\/door"/);
    expect(n.remove('esp32/kitchen').sort()).toEqual(['esp32/kitchen/fridge', 'esp32/kitchen/fridge/door']);
    expect(n.warning('esp32/kitchen/fridge/door')).toMatch(/inside the prefix of "esp32\/kitchen\/fridge"\./);
    expect(n.warning('esp32/kitchens')).toBeUndefined();
  });
  it('names a few nested boards and counts the rest', () => {
    const n = new PrefixNesting();
    n.add('sim');
    for (let i = 1; i <= 5; i++) n.add(`sim/sim-0${i}`);
    expect(n.warning('sim')).toMatch(/holds the prefix of "sim\/sim-01", "sim\/sim-02", "sim\/sim-03" and 2 more\./);
  });
});
