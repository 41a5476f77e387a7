// Types for the parts of @micropython/micropython-webassembly-pyscript the board worker uses.
declare module '@micropython/micropython-webassembly-pyscript' {
  export interface LoadOptions {
    stdout?: (data: Uint8Array) => void;
    stderr?: (data: Uint8Array) => void;
    linebuffer?: boolean;
    heapsize?: number;
    pystack?: number;
  }
  export interface MicroPythonInstance {
    FS: unknown;
    runPython(code: string): unknown;
    runPythonAsync(code: string): Promise<unknown>;
    registerJsModule(name: string, module: object): void;
    pyimport(name: string): Record<string, (...args: unknown[]) => unknown>;
    /** __main__'s globals. */
    globals: { get(name: string): unknown };
  }
  export function loadMicroPython(options: LoadOptions): Promise<MicroPythonInstance>;
}
