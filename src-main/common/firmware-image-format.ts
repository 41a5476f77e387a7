// Constants and layout of the ESP-IDF application image format (what `esptool elf2image`
// produces and the ESP-IDF bootloader / OTA code accept). Pure TypeScript.

/** First byte of every ESP-IDF image (`ESP_IMAGE_HEADER_MAGIC`). */
export const ESP_IMAGE_MAGIC = 0xe9;
/** Magic word at the start of `esp_app_desc_t` (`ESP_APP_DESC_MAGIC_WORD`). */
export const APP_DESC_MAGIC = 0xabcd5432;
/** `sizeof(esp_image_header_t)`. */
export const IMAGE_HEADER_SIZE = 24;
/** `sizeof(esp_image_segment_header_t)`: load address + data length. */
export const SEGMENT_HEADER_SIZE = 8;
/** `sizeof(esp_app_desc_t)`. */
export const APP_DESC_SIZE = 256;
/** Offset of `esp_app_desc_t` in a plain image (image header + first segment header). */
export const APP_DESC_OFFSET = IMAGE_HEADER_SIZE + SEGMENT_HEADER_SIZE;
/** The checksum starts from this value and XORs in every byte of segment data. */
export const CHECKSUM_SEED = 0xef;
/** The checksum byte ends a length that is a multiple of this. */
export const CHECKSUM_ALIGN = 16;
/** Size of the SHA-256 appended when `hash_appended` is 1. */
export const SHA256_SIZE = 32;
/** ESP-IDF's `ESP_IMAGE_MAX_SEGMENTS`. */
export const ESP_IMAGE_MAX_SEGMENTS = 16;
/** Flash erase/write unit of OTA partitions. */
export const OTA_SECTOR_SIZE = 4096;
/** Size of each app slot in MicroPython's stock ESP32 OTA table (ports/esp32/partitions-4MiB-ota.csv). */
export const ESP32_APP_PARTITION_SIZE = 0x180000;
/** `ESP_CHIP_ID_ESP32`. */
export const ESP32_CHIP_ID = 0;
/** Flash MMU page size: mapped segments must sit at file offset == load address (mod this). */
export const FLASH_MMU_PAGE_SIZE = 0x10000;

/** Field offsets inside `esp_image_header_t`. */
export const HEADER = {
  magic: 0,
  segmentCount: 1,
  spiMode: 2,
  spiSpeedSize: 3,
  entryAddress: 4,
  wpPin: 8,
  spiPinDrive: 9,
  chipId: 12,
  minChipRev: 14,
  minChipRevFull: 15,
  maxChipRevFull: 17,
  reserved: 19,
  hashAppended: 23,
} as const;

/** Field offsets (and sizes of the string fields) inside `esp_app_desc_t`. */
export const APP_DESC = {
  magic: 0,
  secureVersion: 4,
  version: 16,
  projectName: 48,
  time: 80,
  date: 96,
  idfVersion: 112,
  elfSha256: 144,
  versionSize: 32,
  projectNameSize: 32,
  timeSize: 16,
  dateSize: 16,
  idfVersionSize: 32,
  elfSha256Size: 32,
} as const;

const CHIP_NAMES: Readonly<Record<number, string>> = {
  0: 'ESP32',
  2: 'ESP32-S2',
  5: 'ESP32-C3',
  9: 'ESP32-S3',
  12: 'ESP32-C2',
  13: 'ESP32-C6',
  16: 'ESP32-H2',
  18: 'ESP32-P4',
  20: 'ESP32-C61',
  23: 'ESP32-C5',
};

/** Human name of an ESP-IDF chip id, or undefined when unknown. */
export function chipName(chipId: number): string | undefined {
  return CHIP_NAMES[chipId];
}

export type Esp32Region = 'DROM' | 'IROM' | 'DRAM' | 'IRAM' | 'RTC_IRAM' | 'RTC_DRAM' | 'RTC_SLOW' | 'padding';

/** ESP32 address ranges a segment may be loaded into or mapped from ([low, high)). */
export const ESP32_REGIONS: ReadonlyArray<{ region: Esp32Region; low: number; high: number; mapped: boolean }> = [
  { region: 'DROM', low: 0x3f400000, high: 0x3f800000, mapped: true },
  { region: 'IROM', low: 0x400d0000, high: 0x40400000, mapped: true },
  { region: 'DRAM', low: 0x3ffae000, high: 0x40000000, mapped: false },
  { region: 'IRAM', low: 0x40070000, high: 0x400a0000, mapped: false },
  { region: 'RTC_IRAM', low: 0x400c0000, high: 0x400c2000, mapped: false },
  { region: 'RTC_DRAM', low: 0x3ff80000, high: 0x3ff82000, mapped: false },
  { region: 'RTC_SLOW', low: 0x50000000, high: 0x50002000, mapped: false },
];

/** The ESP32 region a segment's load address falls in ('padding' for address 0). */
export function esp32Region(loadAddress: number): { region: Esp32Region; mapped: boolean } | undefined {
  if (loadAddress === 0) return { region: 'padding', mapped: false };
  const hit = ESP32_REGIONS.find((r) => loadAddress >= r.low && loadAddress < r.high);
  return hit ? { region: hit.region, mapped: hit.mapped } : undefined;
}
