// Which MicroPython release a virtual board presents, from the app image it booted. A real
// firmware carries its release in its code (MICROPY_GIT_TAG, in the banner string in rodata), not
// in the app descriptor: stock builds set CONFIG_APP_EXCLUDE_PROJECT_VER_VAR and
// CONFIG_APP_EXCLUDE_PROJECT_NAME_VAR (ports/esp32/boards/sdkconfig.base), so esp_app_desc_t's
// version and project_name are empty. So the banner is read first ("MicroPython v1.22.0 on ..."),
// then an app descriptor version reading v1.x.y (an image built with one); anything else (an
// application image such as 'v2.0.0-test') runs on what the simulator really is, 1.27.0.
// `sys.implementation.version`, `os.uname()`, the module list and the per-version facts of the
// shims follow it (docs/virtual-board.md, "The ESP32 port per MicroPython release").

/** The interpreter inside the simulator (npm @micropython/micropython-webassembly-pyscript). */
export const INTERPRETER_VERSION: readonly [number, number, number] = [1, 27, 0];

/** How MicroPython's banner starts in a firmware's rodata (py/modsys.c, MICROPY_BANNER_NAME_AND_VERSION). */
export const MICROPYTHON_BANNER = 'MicroPython ';

export function micropythonVersion(imageVersion: string): [number, number, number] {
  const m = /^v?1\.(\d+)(?:\.(\d+))?(?:$|[-+ ])/.exec(imageVersion);
  if (!m) return [...INTERPRETER_VERSION];
  return [1, Number(m[1]), Number(m[2] ?? 0)];
}

const BANNER = /^MicroPython (v\d+\.\d+\.\d+[^\s\0]*) on /;

/**
 * The MicroPython git tag an app image's code is ('v1.22.0'): its banner string, else its app
 * descriptor's version when that is a v1.x release, else the interpreter's.
 */
export function imageMicropython(image: Uint8Array, descVersion: string): string {
  const bytes = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  const needle = Buffer.from(`${MICROPYTHON_BANNER}v`, 'latin1');
  for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) {
    const m = BANNER.exec(bytes.toString('latin1', at, at + 80));
    if (m) return m[1]!;
  }
  return `v${micropythonVersion(descVersion).join('.')}`;
}
