// The ESP-IDF app image a new virtual board ships with in ota_0: MicroPython 1.27 (what the
// worker really runs) as a stock build makes it, built once per process. Stock builds set
// CONFIG_APP_EXCLUDE_PROJECT_VER_VAR and CONFIG_APP_EXCLUDE_PROJECT_NAME_VAR
// (ports/esp32/boards/sdkconfig.base): the app descriptor's version and project name are empty,
// and the release is only in the code (its banner string).
import { buildAppImage } from './firmware-image-builder.js';

let image: Buffer | undefined;

export function factoryFirmware(): Buffer {
  image ??= buildAppImage({ version: '', projectName: '', micropython: 'v1.27.0', totalSize: 1_400_000 });
  return image;
}
