// The ESP-IDF app image a new virtual board ships with in ota_0: MicroPython 1.27 (what the
// worker really runs), built once per process.
import { buildAppImage } from './firmware-image-builder.js';

let image: Buffer | undefined;

export function factoryFirmware(): Buffer {
  image ??= buildAppImage({ version: 'v1.27.0', projectName: 'micropython', totalSize: 1_400_000 });
  return image;
}
