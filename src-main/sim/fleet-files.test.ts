// What a virtual fleet leaves on disk is readable by its user only: the boards' broker passwords.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VirtualFleet } from './fleet.js';
import { makeTempDir } from './test-boards.js';

const FIXTURE = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures', 'mqtt-keepalive');
const mode = (p: string) => fs.statSync(p).mode & 0o777;

describe('virtual fleet files', () => {
  it('secrets are 0600 and the fleet directory 0700, also when an older version left them open', () => {
    const dir = path.join(makeTempDir(), 'fleet');
    fs.mkdirSync(dir, { mode: 0o755 });
    fs.chmodSync(dir, 0o755);
    const fleet = VirtualFleet.open({ dir, count: 2, firmwareDir: FIXTURE });
    fleet.configure({ host: '127.0.0.1', port: 1883, tls: false });
    const secrets = path.join(dir, 'sim-01', 'flash', 'board_secrets.py');
    expect(mode(dir)).toBe(0o700);
    expect(mode(secrets)).toBe(0o600);
    expect(mode(path.join(dir, 'fleet.json'))).toBe(0o600);
    fs.chmodSync(secrets, 0o644);
    fs.chmodSync(dir, 0o755);
    const again = VirtualFleet.open({ dir, count: 2, firmwareDir: FIXTURE });
    again.configure({ host: '127.0.0.1', port: 1883, tls: false });
    expect(mode(secrets)).toBe(0o600);
    expect(mode(dir)).toBe(0o700);
  });
});
