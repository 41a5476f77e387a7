// The broker profiles in the sidebar: status per profile, connect / disconnect, edit, remove.
// Several can be connected at once; each one's error shows on its own card.
import { useState } from 'react';
import type { ProfileView } from '../../src-main/common/contract.js';
import { connectProfile, disconnectProfile, removeProfile } from '../services/profiles.js';
import { useProfiles } from '../stores/profiles-store.js';
import { ErrorNote, StatusDot } from './bits.js';
import { ConfirmDialog } from './Modal.js';
import { ProfileForm } from './ProfileForm.js';

const STATE_TEXT: Record<ProfileView['state'], string> = {
  connecting: 'Connecting…',
  online: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Disconnected',
  error: 'Error',
};

function ProfileCard({ p }: { p: ProfileView }) {
  const busy = useProfiles((s) => s.busy[p.id]);
  const actionError = useProfiles((s) => s.actionError[p.id]);
  const openEditor = useProfiles((s) => s.openEditor);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const connected = p.state === 'online' || p.state === 'reconnecting' || p.state === 'connecting';
  return (
    <div className="profile" data-testid="profile" data-profile-id={p.id} data-state={p.state}>
      <div className="row">
        <StatusDot state={p.state} label={STATE_TEXT[p.state]} />
        <strong className="grow">{p.name}</strong>
        <span className="muted" data-testid="profile-state">
          {busy === 'connect' ? 'Connecting…' : busy === 'disconnect' ? 'Disconnecting…' : STATE_TEXT[p.state]}
        </span>
      </div>
      <div className="url">
        {p.username ? `${p.username} @ ` : ''}
        {p.url}
      </div>
      {p.insecure && <span className="badge warn">certificate not verified</span>}
      {p.state === 'error' && p.error && !actionError && <ErrorNote testId="profile-error">{p.error}</ErrorNote>}
      {actionError && <ErrorNote testId="profile-error">{actionError}</ErrorNote>}
      <div className="row wrap">
        {connected ? (
          <button onClick={() => void disconnectProfile(p.id)} disabled={!!busy} data-testid="profile-disconnect">
            Disconnect
          </button>
        ) : (
          <button className="primary" onClick={() => void connectProfile(p.id)} disabled={!!busy} data-testid="profile-connect">
            Connect
          </button>
        )}
        {!p.builtin && (
          <>
            <button onClick={() => openEditor(p.id)} disabled={!!busy} data-testid="profile-edit">
              Edit
            </button>
            <button className="danger" onClick={() => setConfirmRemove(true)} disabled={!!busy} data-testid="profile-remove">
              Remove
            </button>
          </>
        )}
      </div>
      {confirmRemove && (
        <ConfirmDialog
          title="Remove profile"
          message={
            <>
              Remove the profile <strong>{p.name}</strong> ({p.url})? Its stored password is forgotten.
            </>
          }
          confirmLabel="Remove"
          danger
          onCancel={() => setConfirmRemove(false)}
          onConfirm={() => {
            setConfirmRemove(false);
            void removeProfile(p.id);
          }}
        />
      )}
    </div>
  );
}

export function ProfilesPanel() {
  const profiles = useProfiles((s) => s.profiles);
  const loaded = useProfiles((s) => s.loaded);
  const loadError = useProfiles((s) => s.loadError);
  const editor = useProfiles((s) => s.editor);
  const openEditor = useProfiles((s) => s.openEditor);
  return (
    <section className="profiles" aria-label="Broker profiles" data-testid="profiles">
      <div className="row">
        <h2 className="grow">Brokers</h2>
        <button onClick={() => openEditor()} data-testid="profile-add" title="Add a broker profile">
          + Add
        </button>
      </div>
      {!loaded && <div className="muted">Loading profiles…</div>}
      <ErrorNote>{loadError}</ErrorNote>
      {profiles.map((p) => (
        <ProfileCard key={p.id} p={p} />
      ))}
      {editor.open && <ProfileForm />}
    </section>
  );
}
