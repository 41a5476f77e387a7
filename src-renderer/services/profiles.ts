// Broker profiles: list, save, remove, connect, disconnect. Errors land next to the profile
// (or in the form) where the user acted.
import type { ProfileInput, ProfileState } from '../../src-main/common/contract.js';
import { useFleet } from '../stores/fleet-store.js';
import { useProfiles } from '../stores/profiles-store.js';
import { errorText, request } from './api.js';
import { loadSnapshot } from './fleet.js';

export async function loadProfiles(): Promise<void> {
  try {
    const list = await request('profiles.list', {});
    useProfiles.getState().setProfiles(list);
    await Promise.all(list.filter((p) => p.state === 'online' || p.state === 'reconnecting').map((p) => loadSnapshot(p.id)));
  } catch (e) {
    useProfiles.getState().setLoadError(errorText(e));
  }
}

/** Saves the form; closes it on success, keeps it open with the error otherwise. */
export async function saveProfile(input: ProfileInput): Promise<boolean> {
  const st = useProfiles.getState();
  st.setEditorSaving(true);
  try {
    const saved = await request('profiles.save', input);
    useProfiles.getState().upsertProfile(saved);
    useProfiles.getState().closeEditor();
    return true;
  } catch (e) {
    useProfiles.getState().setEditorSaving(false, errorText(e));
    return false;
  }
}

async function profileAction(id: string, busy: 'connect' | 'disconnect' | 'remove', run: () => Promise<void>): Promise<void> {
  const st = useProfiles.getState();
  st.setBusy(id, busy);
  st.setActionError(id, undefined);
  try {
    await run();
  } catch (e) {
    useProfiles.getState().setActionError(id, errorText(e));
  } finally {
    useProfiles.getState().setBusy(id, undefined);
  }
}

export const connectProfile = (id: string) =>
  profileAction(id, 'connect', async () => {
    await request('profiles.connect', { id });
    // The state event usually arrives first; the snapshot is loaded either way.
    useProfiles.getState().setProfileState(id, 'online');
    await loadSnapshot(id);
  });

export const disconnectProfile = (id: string) =>
  profileAction(id, 'disconnect', async () => {
    await request('profiles.disconnect', { id });
    useProfiles.getState().setProfileState(id, 'offline');
    useFleet.getState().dropProfileBoards(id);
  });

export const removeProfile = (id: string) =>
  profileAction(id, 'remove', async () => {
    await request('profiles.remove', { id });
    useProfiles.getState().removeProfile(id);
    useFleet.getState().dropProfileBoards(id);
  });

/** A `profiles.state` event: follow it, fetch the fleet when a broker comes online. */
export function onProfileState(id: string, state: ProfileState, error?: string): void {
  const before = useProfiles.getState().profiles.find((p) => p.id === id)?.state;
  useProfiles.getState().setProfileState(id, state, error);
  if (state === 'online' && before !== 'online') void loadSnapshot(id);
  if (state === 'offline') useFleet.getState().dropProfileBoards(id);
}
