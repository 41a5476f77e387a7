// Battery life of a board on a duty cycle, from its awake time per cycle and published ESP32
// currents (ESP32-WROOM-32 datasheet, table "Power consumption by power modes"):
// - Wi-Fi RX and listening: 80-90 mA; a station spends most of a wake listening (scan, handshake,
//   waiting for the broker), so 90 mA is the typical figure;
// - Wi-Fi TX at 13-21 dBm: 160-260 mA; 160 mA for the whole wake is the pessimistic figure;
// - deep sleep with the RTC timer and RTC memory: 10 µA (ESP32 datasheet).
// A development board's regulator and USB bridge add their own quiescent current (often more
// than the chip's deep sleep): this is the module's budget, not the board's.

export const ESP32_CURRENTS = { awakeTypicalMa: 90, awakePessimisticMa: 160, deepSleepUa: 10 } as const;

export interface WakeEnergyInput {
  /** Awake time per cycle (wake to deep sleep), ms. */
  awakeMs: number;
  /** Deep sleep per cycle, s. */
  sleepS: number;
  awakeMa: number;
  deepSleepUa: number;
}

export interface WakeEnergy {
  /** Charge per cycle, mAs (awake + asleep). */
  perCycleMas: number;
  mAhPerDay: number;
  /** Days on a battery of the given capacity. */
  daysOn(capacityMah: number): number;
}

export function wakeEnergy(i: WakeEnergyInput): WakeEnergy {
  if (!(i.awakeMs >= 0) || !(i.sleepS > 0)) throw new RangeError('awake time must be >= 0 and sleep > 0');
  const awakeS = i.awakeMs / 1000;
  const perCycleMas = awakeS * i.awakeMa + i.sleepS * (i.deepSleepUa / 1000);
  const cyclesPerDay = 86_400 / (awakeS + i.sleepS);
  const mAhPerDay = (perCycleMas * cyclesPerDay) / 3600;
  return { perCycleMas, mAhPerDay, daysOn: (capacityMah) => capacityMah / mAhPerDay };
}
