// Frame times and page memory of the console UI in Chromium, for the UI benches
// (renderer-perf.mjs on the fake backend, ui-scale.bench.ts on the real engine).
/* global document, requestAnimationFrame -- used in functions that run in the page */

export const FRAME_BUDGET_MS = 1000 / 60;

/** p50/p95/p99/max of frame deltas (ms) and how many were over one 60 Hz frame. */
export const frameStats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
  const r = (x) => Math.round(x * 100) / 100;
  return { frames: s.length, p50: r(q(0.5)), p95: r(q(0.95)), p99: r(q(0.99)), max: r(s[s.length - 1] ?? 0), over16ms: s.filter((x) => x > FRAME_BUDGET_MS + 0.5).length };
};

/** Records rAF deltas (and optionally scrolls `selector` a bit every frame) for `seconds`. */
export async function measureFrames(page, seconds, scrollSelector) {
  const deltas = await page.evaluate(
    ({ ms, sel }) =>
      new Promise((resolve) => {
        const out = [];
        const el = sel ? document.querySelector(sel) : null;
        let dir = 1;
        let last = 0;
        const end = performance.now() + ms;
        const loop = (t) => {
          if (last) out.push(t - last);
          last = t;
          if (el) {
            // ~1.5 rows per frame, bouncing between the ends: a steady, realistic scroll.
            const max = el.scrollHeight - el.clientHeight;
            if (el.scrollTop >= max - 1) dir = -1;
            if (el.scrollTop <= 0) dir = 1;
            el.scrollTop += dir * 48;
          }
          if (t < end) requestAnimationFrame(loop);
          else resolve(out);
        };
        requestAnimationFrame(loop);
      }),
    { ms: seconds * 1000, sel: scrollSelector },
  );
  return frameStats(deltas);
}

/** The page's JS heap and DOM size (a CDP session with `Performance.enable` sent). */
export async function pageMetrics(cdp) {
  const { metrics: m } = await cdp.send('Performance.getMetrics');
  const get = (n) => m.find((x) => x.name === n)?.value ?? 0;
  return { jsHeapUsedMB: Math.round((get('JSHeapUsedSize') / 2 ** 20) * 10) / 10, jsHeapTotalMB: Math.round((get('JSHeapTotalSize') / 2 ** 20) * 10) / 10, domNodes: get('Nodes') };
}
