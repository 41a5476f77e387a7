// Starts the console on an API: wires every event into the stores, loads app info and profiles,
// ticks the clock for "last seen", and re-syncs after the link to main comes back.
import type { ConsoleApi } from '../../src-main/common/contract.js';
import { useUi } from '../stores/ui-store.js';
import { errorText, setApi } from './api.js';
import { onFleetChanged } from './fleet.js';
import { onLogLines, resubscribeAllLogs } from './logs.js';
import { onOtaProgress } from './ota.js';
import { loadProfiles, onProfileState } from './profiles.js';
import { loadRollouts, onRolloutsChanged, onRolloutUpload } from './rollouts.js';
import { failRunningTransfers, onTransferProgress, resetTransfers } from './transfers.js';
import { onTtyOutput } from './tty.js';
import { onQueueChanged, onQueueResult } from './wake.js';

export async function loadAppInfo(api: ConsoleApi): Promise<void> {
  try {
    useUi.getState().setAppInfo(await api.request('app.info', {}));
  } catch (e) {
    useUi.getState().setAppInfo(null, errorText(e));
  }
}

/** Returns a function that detaches everything (tests, hot reload). */
export function startConsole(api: ConsoleApi, opts: { tickMs?: number } = {}): () => void {
  setApi(api);
  const offs = [
    api.on('profiles.state', (e) => onProfileState(e.id, e.state, e.error)),
    api.on('fleet.changed', onFleetChanged),
    api.on('logs.lines', onLogLines),
    api.on('tty.output', onTtyOutput),
    api.on('ota.progress', onOtaProgress),
    api.on('transfer.progress', onTransferProgress),
    api.on('queue.changed', onQueueChanged),
    api.on('queue.result', onQueueResult),
    api.on('rollouts.changed', onRolloutsChanged),
    api.on('rollouts.upload', onRolloutUpload),
  ];
  let wasClosed = false;
  const onConnection = (state: 'connecting' | 'open' | 'closed') => {
    useUi.getState().setTransport(state);
    if (state === 'closed') {
      wasClosed = true;
      // The server stops the transfers of a connection that went away.
      failRunningTransfers('the connection to the console server was lost');
    }
    if (state === 'open' && wasClosed) {
      wasClosed = false;
      void loadProfiles().then(resubscribeAllLogs);
      void loadRollouts();
    }
  };
  offs.push(api.onConnection(onConnection));
  useUi.getState().setTransport(api.connection);
  const tick = setInterval(() => useUi.getState().tick(Date.now()), opts.tickMs ?? 1000);
  void loadAppInfo(api);
  void loadProfiles();
  void loadRollouts();
  return () => {
    clearInterval(tick);
    for (const off of offs) off();
    resetTransfers();
    setApi(null);
  };
}
