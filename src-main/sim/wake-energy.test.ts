import { describe, expect, it } from 'vitest';
import { ESP32_CURRENTS, wakeEnergy } from './wake-energy.js';

describe('wakeEnergy', () => {
  it('adds the awake charge and the deep-sleep charge of each cycle over a day', () => {
    // 2 s awake at 90 mA + 598 s asleep at 10 µA, 144 cycles a day.
    const e = wakeEnergy({ awakeMs: 2000, sleepS: 598, awakeMa: 90, deepSleepUa: 10 });
    expect(e.perCycleMas).toBeCloseTo(180 + 5.98, 6);
    expect(e.mAhPerDay).toBeCloseTo((185.98 * 144) / 3600, 6);
    expect(e.daysOn(2000)).toBeCloseTo(2000 / e.mAhPerDay, 6);
  });

  it('makes a shorter wake last longer on the same battery', () => {
    const at = (awakeMs: number) => wakeEnergy({ awakeMs, sleepS: 600, awakeMa: ESP32_CURRENTS.awakeTypicalMa, deepSleepUa: ESP32_CURRENTS.deepSleepUa }).daysOn(2500);
    expect(at(1500)).toBeGreaterThan(at(3000) * 1.8);
  });

  it('refuses a cycle without sleep', () => {
    expect(() => wakeEnergy({ awakeMs: 1000, sleepS: 0, awakeMa: 90, deepSleepUa: 10 })).toThrow(RangeError);
  });
});
