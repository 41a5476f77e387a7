// Types of frame-stats.mjs for the TypeScript that imports it (ui-scale.bench.ts).
import type { CDPSession, Page } from '@playwright/test';

export interface FrameStats { frames: number; p50: number; p95: number; p99: number; max: number; over16ms: number }
export declare const FRAME_BUDGET_MS: number;
export declare function frameStats(deltas: number[]): FrameStats;
export declare function measureFrames(page: Page, seconds: number, scrollSelector: string | null): Promise<FrameStats>;
export declare function pageMetrics(cdp: CDPSession): Promise<{ jsHeapUsedMB: number; jsHeapTotalMB: number; domNodes: number }>;
