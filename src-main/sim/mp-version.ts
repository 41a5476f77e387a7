// Which MicroPython release a virtual board presents, from the version of the app image it booted.
// A stock ESP32 image carries MicroPython's git tag as its esp_app_desc_t version ('v1.22.0'), so
// an image reading v1.x.y is that release: `sys.implementation.version`, the module list and the
// per-version facts of the shims follow it (docs/virtual-board.md, "The ESP32 port per MicroPython release"). Any other version
// (an application image such as 'v2.0.0-test') runs on what the simulator really is, 1.27.0.

/** The interpreter inside the simulator (npm @micropython/micropython-webassembly-pyscript). */
export const INTERPRETER_VERSION: readonly [number, number, number] = [1, 27, 0];

export function micropythonVersion(imageVersion: string): [number, number, number] {
  const m = /^v?1\.(\d+)(?:\.(\d+))?(?:$|[-+ ])/.exec(imageVersion);
  if (!m) return [...INTERPRETER_VERSION];
  return [1, Number(m[1]), Number(m[2] ?? 0)];
}
