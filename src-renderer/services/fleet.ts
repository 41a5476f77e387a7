// The fleet of each connected broker: a snapshot when it comes online, then batched changes.
import { FLEET_PAGE_SIZE } from '../../src-main/common/contract.js';
import type { BoardView, EventOf } from '../../src-main/common/contract.js';
import { useFleet } from '../stores/fleet-store.js';
import { useSelection } from '../stores/selection-store.js';
import { errorText, request } from './api.js';
import { loadQueue } from './wake.js';

export async function loadSnapshot(profileId: string): Promise<void> {
  useFleet.getState().setSnapshotState(profileId, true);
  try {
    // The snapshot comes in pages (sorted by prefix): a full page means there may be more.
    const boards: BoardView[] = [];
    for (;;) {
      const after = boards.at(-1)?.prefix;
      const page = await request('fleet.snapshot', { profileId, ...(after !== undefined && { after }) });
      boards.push(...page);
      if (page.length < FLEET_PAGE_SIZE) break;
    }
    useFleet.getState().replaceProfileBoards(profileId, boards);
    useFleet.getState().setSnapshotState(profileId, false);
    void loadQueue(profileId);
  } catch (e) {
    useFleet.getState().setSnapshotState(profileId, false, errorText(e));
  }
}

export function onFleetChanged(ev: EventOf<'fleet.changed'>): void {
  useFleet.getState().applyFleetChange(ev.profileId, ev.upserts, ev.removed);
  if (ev.removed.length > 0) {
    const boards = useFleet.getState().boards;
    useSelection.getState().prune((k) => boards.has(k));
  }
}
