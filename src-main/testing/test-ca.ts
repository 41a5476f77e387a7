// Test PKI for the TLS tests, generated with the openssl CLI and cached (per process and on disk).
//
// Boards verify the broker certificate, so the suite needs a CA the tests trust, a
// server certificate for the loopback broker, and certificates that must be refused
// (an unrelated CA, a certificate for another hostname). Keys are EC P-256: fast to
// generate, and supported by MicroPython's mbedTLS on ESP32 (as is RSA 2048).
import { execFile } from 'node:child_process';
import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PemFiles {
  keyPath: string;
  certPath: string;
  key: string;
  cert: string;
}

export interface TestCa {
  /** Directory holding every generated file, shared by this user's processes (see cacheDirPath). */
  dir: string;
  /** The CA that tests and simulated boards trust. */
  ca: PemFiles & { certDer: Buffer };
  /** Broker certificate: CN localhost, SAN DNS:localhost and IP:127.0.0.1, signed by `ca`. */
  server: PemFiles;
  /** A CA unrelated to `ca`, plus a localhost server certificate it signed: both must be refused. */
  wrongCa: PemFiles;
  wrongCaServer: PemFiles;
  /** Client certificate signed by `ca`, for mutual TLS. */
  client: PemFiles;
  /** Signed by the good `ca` but for DNS:wrong.example: refused by hostname verification. */
  wrongHostServer: PemFiles;
}

const OPENSSL = process.env.OPENSSL_BIN ?? 'openssl';
const CERT_DAYS = '3650';

// Our own minimal config so the result never depends on the system openssl.cnf.
const OPENSSL_CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_localhost]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
authorityKeyIdentifier = keyid
[server_wrong_host]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example
authorityKeyIdentifier = keyid
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
`;

let cached: Promise<TestCa> | undefined;

/** The test PKI; generated on first use (a dozen openssl runs, ~0.4 s), then reused. */
export function getTestCa(): Promise<TestCa> {
  cached ??= generateTestCa();
  // A failed generation (say openssl missing) must not poison later attempts with a stale promise.
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}

function runOpenssl(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(OPENSSL, args, { cwd, timeout: 30_000 }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        reject(new Error(`openssl CLI not found ("${OPENSSL}"): install openssl (apt-get install openssl) or set OPENSSL_BIN. The TLS tests need it.`));
      } else {
        reject(new Error(`openssl ${args[0] ?? ''} failed: ${error.message}\n${stderr}`));
      }
    });
  });
}

async function readPem(dir: string, name: string): Promise<PemFiles> {
  const keyPath = join(dir, `${name}.key`);
  const certPath = join(dir, `${name}.crt`);
  const [key, cert] = await Promise.all([readFile(keyPath, 'utf8'), readFile(certPath, 'utf8')]);
  return { keyPath, certPath, key, cert };
}

const newEcKeyArgs = (name: string): string[] => [
  '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`,
];

async function makeCa(dir: string, name: string, commonName: string): Promise<void> {
  await runOpenssl(
    ['req', '-x509', '-config', 'openssl.cnf', ...newEcKeyArgs(name), '-subj', `/CN=${commonName}`,
      '-extensions', 'ca_ext', '-sha256', '-days', CERT_DAYS, '-out', `${name}.crt`],
    dir,
  );
}

async function makeLeaf(dir: string, name: string, commonName: string, caName: string, extensions: string): Promise<void> {
  await runOpenssl(
    ['req', '-new', '-config', 'openssl.cnf', ...newEcKeyArgs(name), '-subj', `/CN=${commonName}`, '-out', `${name}.csr`],
    dir,
  );
  // A random serial per certificate: TLS stacks may cache by issuer+serial.
  const serialBytes = randomBytes(12);
  serialBytes[0] = (serialBytes[0] ?? 0) & 0x7f; // serials must be positive
  const serial = `0x${serialBytes.toString('hex')}`;
  await runOpenssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.crt`, '-CAkey', `${caName}.key`, '-set_serial', serial,
      '-sha256', '-days', CERT_DAYS, '-extfile', 'openssl.cnf', '-extensions', extensions, '-out', `${name}.crt`],
    dir,
  );
}

// Shared by every process of this user and reused across runs: vitest ends its workers
// with SIGTERM, so per-process temp dirs could never be cleaned up. The name hashes the
// generator's inputs, so changing them yields a fresh directory.
const LAYOUT_VERSION = '1';
function cacheDirPath(): string {
  const inputs = createHash('sha256').update(`${LAYOUT_VERSION}\n${CERT_DAYS}\n${OPENSSL_CONFIG}`).digest('hex').slice(0, 16);
  return join(tmpdir(), `mqboard-test-ca-${process.getuid?.() ?? 'user'}-${inputs}`);
}

async function loadTestCa(dir: string): Promise<TestCa> {
  const [ca, wrongCa, server, client, wrongHostServer, wrongCaServer] = await Promise.all(
    ['ca', 'wrong-ca', 'server', 'client', 'wrong-host-server', 'wrong-ca-server'].map((name) => readPem(dir, name)),
  ) as [PemFiles, PemFiles, PemFiles, PemFiles, PemFiles, PemFiles];
  const caCert = new X509Certificate(ca.cert);
  // Leave a month of margin so a long-lived cache never serves a certificate about to expire.
  if (Date.parse(caCert.validTo) < Date.now() + 30 * 24 * 3600_000) throw new Error('cached test CA expires soon');
  // DER form too: MicroPython's SSLContext.load_verify_locations(cadata=...) takes DER.
  const certDer = Buffer.from(caCert.raw);
  return { dir, ca: { ...ca, certDer }, server, wrongCa, wrongCaServer, client, wrongHostServer };
}

async function generateInto(dir: string): Promise<void> {
  await writeFile(join(dir, 'openssl.cnf'), OPENSSL_CONFIG);
  await Promise.all([makeCa(dir, 'ca', 'MQBoard Test CA'), makeCa(dir, 'wrong-ca', 'MQBoard Unrelated CA')]);
  await Promise.all([
    makeLeaf(dir, 'server', 'localhost', 'ca', 'server_localhost'),
    makeLeaf(dir, 'client', 'mqboard-test-client', 'ca', 'client'),
    makeLeaf(dir, 'wrong-host-server', 'wrong.example', 'ca', 'server_wrong_host'),
    makeLeaf(dir, 'wrong-ca-server', 'localhost', 'wrong-ca', 'server_localhost'),
  ]);
}

async function generateTestCa(): Promise<TestCa> {
  const dir = cacheDirPath();
  try {
    return await loadTestCa(dir);
  } catch {
    // Missing, incomplete or expiring: (re)generate below.
  }
  await rm(dir, { recursive: true, force: true });
  // Generate aside, then rename: the cache directory appears complete or not at all,
  // even with several vitest workers racing here.
  const staging = await mkdtemp(`${dir}.staging-`);
  try {
    await generateInto(staging);
    await rename(staging, dir).catch(() => {
      // Another process renamed its copy first; that one is just as good.
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return loadTestCa(dir);
}
