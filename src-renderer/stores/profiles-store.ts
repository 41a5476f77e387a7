// Broker profiles and their connection state. Passwords never reach the renderer: a profile
// only says whether one is stored (hasPassword).
import { create } from 'zustand';
import type { StateCreator } from 'zustand';
import type { ProfileState, ProfileView } from '../../src-main/common/contract.js';

export type ProfileBusy = 'connect' | 'disconnect' | 'remove';

interface ListSlice {
  profiles: ProfileView[];
  loaded: boolean;
  loadError: string | null;
  busy: Record<string, ProfileBusy | undefined>;
  /** The last failed action per profile, shown next to it. */
  actionError: Record<string, string | undefined>;
  setProfiles(list: ProfileView[]): void;
  setLoadError(error: string): void;
  upsertProfile(p: ProfileView): void;
  removeProfile(id: string): void;
  setProfileState(id: string, state: ProfileState, error?: string): void;
  setBusy(id: string, busy: ProfileBusy | undefined): void;
  setActionError(id: string, error: string | undefined): void;
}

interface EditorSlice {
  /** The profile form: closed, a new profile (id undefined), or editing one. */
  editor: { open: boolean; id?: string; saving: boolean; error: string | null };
  openEditor(id?: string): void;
  closeEditor(): void;
  setEditorSaving(saving: boolean, error?: string): void;
}

export type ProfilesState = ListSlice & EditorSlice;

const listSlice: StateCreator<ProfilesState, [], [], ListSlice> = (set) => ({
  profiles: [],
  loaded: false,
  loadError: null,
  busy: {},
  actionError: {},
  setProfiles: (profiles) => set({ profiles, loaded: true, loadError: null }),
  setLoadError: (loadError) => set({ loadError, loaded: true }),
  upsertProfile: (p) =>
    set((s) => {
      const i = s.profiles.findIndex((x) => x.id === p.id);
      const profiles = i < 0 ? [...s.profiles, p] : s.profiles.map((x) => (x.id === p.id ? p : x));
      return { profiles };
    }),
  removeProfile: (id) => set((s) => ({ profiles: s.profiles.filter((p) => p.id !== id) })),
  setProfileState: (id, state, error) =>
    set((s) => ({ profiles: s.profiles.map((p) => (p.id === id ? { ...p, state, error: state === 'error' || error ? error : undefined } : p)) })),
  setBusy: (id, busy) => set((s) => ({ busy: { ...s.busy, [id]: busy } })),
  setActionError: (id, error) => set((s) => ({ actionError: { ...s.actionError, [id]: error } })),
});

const editorSlice: StateCreator<ProfilesState, [], [], EditorSlice> = (set) => ({
  editor: { open: false, saving: false, error: null },
  openEditor: (id) => set({ editor: { open: true, id, saving: false, error: null } }),
  closeEditor: () => set({ editor: { open: false, saving: false, error: null } }),
  setEditorSaving: (saving, error) => set((s) => ({ editor: { ...s.editor, saving, error: error ?? null } })),
});

export const useProfiles = create<ProfilesState>()((...a) => ({ ...listSlice(...a), ...editorSlice(...a) }));

export const profileName = (profiles: readonly ProfileView[], id: string): string => profiles.find((p) => p.id === id)?.name ?? id;
