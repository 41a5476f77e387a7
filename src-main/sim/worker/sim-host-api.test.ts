import { describe, expect, it } from 'vitest';
import type { HostApiDeps } from './sim-host-api.js';
import { createHostApi } from './sim-host-api.js';

type Api = { set_runner: (fn: () => void) => void; kick: (dt: number) => void };

/** The host API with a fake network; everything else is unused by the loop's scheduling. */
function hostApi(net: { onReady: () => void; hasReady: () => boolean }): Api {
  const deps = { init: { partitionDir: '/nonexistent' }, ctrl: new Float64Array(16), net } as unknown as HostApiDeps;
  return createHostApi(deps) as unknown as Api;
}

const settle = () => new Promise((r) => setTimeout(r, 30));

describe('the asyncio loop entry (sim-host-api)', () => {
  it('runs the loop again for a socket that changed while it ran (its read pulled the host messages)', async () => {
    const ready: number[] = [];
    const net = { onReady: () => {}, hasReady: () => ready.length > 0 };
    const api = hostApi(net);
    let runs = 0;
    api.set_runner(() => {
      runs++;
      if (runs === 1) {
        ready.push(7); // as SimNetwork.markReady does, from a read inside the loop
        net.onReady();
      } else ready.length = 0; // run_loop took the id
    });
    api.kick(0);
    await settle();
    expect(runs).toBe(2);
  });

  it('does not run the loop again for what it already ran', async () => {
    const api = hostApi({ onReady: () => {}, hasReady: () => false });
    let runs = 0;
    api.set_runner(() => {
      runs++;
      if (runs === 1) api.kick(0); // a task became ready and ran in this same pass
    });
    api.kick(0);
    await settle();
    expect(runs).toBe(1);
  });
});
