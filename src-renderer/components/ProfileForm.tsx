// Adding or editing a broker profile. The stored password is never shown back: leaving the field
// empty keeps it, "Forget" removes it. Disabling certificate checks shows what that means.
import { useState } from 'react';
import type { FormEvent } from 'react';
import type { ProfileInput } from '../../src-main/common/contract.js';
import { plainPasswordWarning } from '../../src-main/common/plain-password.js';
import { saveProfile } from '../services/profiles.js';
import { useProfiles } from '../stores/profiles-store.js';
import { ErrorNote } from './bits.js';
import { Modal } from './Modal.js';
import { PemField } from './PemField.js';

const URL_RE = /^(mqtts?|wss?):\/\/[^\s]+$/;

export function ProfileForm() {
  const editor = useProfiles((s) => s.editor);
  const existing = useProfiles((s) => s.profiles.find((p) => p.id === editor.id));
  const close = useProfiles((s) => s.closeEditor);
  const [name, setName] = useState(existing?.name ?? '');
  const [url, setUrl] = useState(existing?.url ?? 'mqtts://');
  const [username, setUsername] = useState(existing?.username ?? '');
  const [password, setPassword] = useState('');
  const [forget, setForget] = useState(false);
  const [ca, setCa] = useState(existing?.ca ?? '');
  const [cert, setCert] = useState(existing?.cert ?? '');
  const [key, setKey] = useState(existing?.key ?? '');
  const [insecure, setInsecure] = useState(existing?.insecure ?? false);
  const [touched, setTouched] = useState(false);

  const urlProblem = URL_RE.test(url.trim()) ? undefined : 'A broker URL: mqtt://, mqtts://, ws:// or wss://host:port';
  const plainPassword = plainPasswordWarning(url, password !== '' || (!!existing?.hasPassword && !forget));
  const nameProblem = name.trim() ? undefined : 'Give the profile a name.';
  const tls = /^(mqtts|wss):/.test(url.trim());

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (urlProblem || nameProblem) return;
    const input: ProfileInput = {
      ...(existing ? { id: existing.id } : {}),
      name: name.trim(),
      url: url.trim(),
      ...(username.trim() ? { username: username.trim() } : {}),
      ...(forget ? { password: '' } : password ? { password } : {}),
      ...(ca.trim() ? { ca: ca.trim() } : {}),
      ...(cert.trim() ? { cert: cert.trim() } : {}),
      ...(key.trim() ? { key: key.trim() } : {}),
      insecure,
    };
    void saveProfile(input);
  };

  return (
    <Modal title={existing ? `Edit ${existing.name}` : 'Add a broker'} onClose={close} testId="profile-form">
      <form className="form" onSubmit={submit} noValidate>
        <label htmlFor="pf-name">Name</label>
        <input id="pf-name" type="text" value={name} onChange={(e) => setName(e.target.value)} data-testid="pf-name" autoFocus />
        {touched && nameProblem && <div className="full error">{nameProblem}</div>}
        <label htmlFor="pf-url">URL</label>
        <input id="pf-url" type="url" value={url} onChange={(e) => setUrl(e.target.value)} data-testid="pf-url" spellCheck={false} placeholder="mqtts://broker.example.net:8883" />
        {touched && urlProblem && <div className="full error">{urlProblem}</div>}
        <label htmlFor="pf-user">User</label>
        <input id="pf-user" type="text" value={username} onChange={(e) => setUsername(e.target.value)} data-testid="pf-user" autoComplete="off" />
        <label htmlFor="pf-password">Password</label>
        <div className="row">
          <input
            id="pf-password"
            className="grow"
            type="password"
            value={password}
            onChange={(e) => (setPassword(e.target.value), setForget(false))}
            data-testid="pf-password"
            autoComplete="new-password"
            placeholder={existing?.hasPassword && !forget ? 'stored — leave empty to keep it' : ''}
          />
          {existing?.hasPassword && (
            <button type="button" onClick={() => (setForget(!forget), setPassword(''))} aria-pressed={forget} data-testid="pf-forget">
              {forget ? 'Keep' : 'Forget'}
            </button>
          )}
        </div>
        {plainPassword && (
          <div className="full warning-box" role="alert" data-testid="pf-plain-password">
            Not encrypted: {plainPassword}.
          </div>
        )}
        {tls && (
          <>
            <PemField id="pf-ca" label="CA certificate" value={ca} onChange={setCa} hint="PEM file or text; empty = the system's CAs" textAllowed />
            <PemField id="pf-cert" label="Client certificate" value={cert} onChange={setCert} hint="path to a PEM file (optional)" />
            <PemField id="pf-key" label="Client key" value={key} onChange={setKey} hint="path to a PEM file (optional)" />
            <label htmlFor="pf-insecure">Verification</label>
            <label className="row">
              <input id="pf-insecure" type="checkbox" checked={insecure} onChange={(e) => setInsecure(e.target.checked)} data-testid="pf-insecure" />
              Do not verify the broker's certificate
            </label>
            {insecure && (
              <div className="full warning-box" role="alert" data-testid="pf-insecure-warning">
                Insecure: anyone between you and the broker can read and change the traffic, including passwords and firmware. Use only on a
                lab network.
              </div>
            )}
          </>
        )}
        <div className="full">
          <ErrorNote testId="pf-error">{editor.error}</ErrorNote>
        </div>
        <div className="full actions">
          <button type="button" onClick={close}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={editor.saving} data-testid="pf-save">
            {editor.saving ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
