// Types of renderer-fake-build.mjs for the TypeScript that imports it (e2e fixtures).
export declare const FAKE_OUT: string;
export declare function buildFakeRenderer(): Promise<string>;
export declare function serveDir(dir: string): Promise<{ origin: string; close(): Promise<void> }>;
