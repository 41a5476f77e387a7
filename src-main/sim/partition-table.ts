// The virtual board's flash layout. By default MicroPython's OTA table for a 4 MiB ESP32
// (ports/esp32/partitions-4MiB-ota.csv): nvs, otadata and phy_init, then two 0x180000-byte app
// slots and a 0xF0000-byte (960 KiB) file system. A board built with another table is modelled
// by giving other slot and file-system sizes; the slots stay where the table puts the first one.

export interface PartitionTable {
  /** Bytes of each OTA app slot (ota_0, ota_1). */
  appSize: number;
  /** Bytes of the file system partition (vfs). */
  fsSize: number;
}

/** ports/esp32/partitions-4MiB-ota.csv: ota_0 0x10000+0x180000, ota_1 0x190000+0x180000, vfs 0x310000+0xF0000. */
export const STOCK_OTA_TABLE: PartitionTable = { appSize: 0x180000, fsSize: 0xf0000 };

/** Where the first app slot starts in every MicroPython ESP32 table (after the 0x10000 of bootloader data). */
const FIRST_APP_OFFSET = 0x10000;
const SECTOR = 0x1000;

export interface AppPartition {
  type: number;
  subtype: number;
  address: number;
  size: number;
}

/** A table's two app slots, as `esp32.Partition.info()` describes them. */
export function appPartitions(table: PartitionTable): { ota_0: AppPartition; ota_1: AppPartition } {
  return {
    ota_0: { type: 0, subtype: 0x10, address: FIRST_APP_OFFSET, size: table.appSize },
    ota_1: { type: 0, subtype: 0x11, address: FIRST_APP_OFFSET + table.appSize, size: table.appSize },
  };
}

/** Refuses a table the bootloader could not use: sizes that are not whole, positive 4 KB sectors. */
export function checkPartitionTable(table: PartitionTable): PartitionTable {
  for (const [name, size] of [['appSize', table.appSize], ['fsSize', table.fsSize]] as const) {
    if (!Number.isInteger(size) || size <= 0 || size % SECTOR !== 0) {
      throw new RangeError(`partition table: ${name} must be a positive multiple of 4096 bytes (got ${size})`);
    }
  }
  return table;
}
