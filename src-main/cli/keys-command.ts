// `mqboard keys`: the operator's signing keys (docs/signing.md). `generate` makes an RSA-2048 key
// in <data dir>/keys (0600), `list` shows them, `show` prints the board_config.py entry that makes
// boards trust them. `--sign <key>` on put, sync and ota (or MQBOARD_SIGN_KEY) signs with one.
import * as path from 'node:path';
import type { Command } from 'commander';
import type { UpdateSigner } from '../common/signing.js';
import { defaultDataDir } from '../core/data-dir.js';
import { SigningKeyStore, boardConfigEntry, describeKey, signerFor } from '../core/update-signing.js';
import { printJson } from './cli-context.js';
import type { CliIo } from './cli-io.js';

export const keyStoreOf = (io: CliIo): SigningKeyStore => new SigningKeyStore(path.join(defaultDataDir(io.env), 'keys'));

/** Adds --sign to a command that installs something on boards. */
export function addSignOption(cmd: Command): Command {
  return cmd.option('--sign <key>', 'sign the update with this key: a name from `mqboard keys list` or a PEM file (env MQBOARD_SIGN_KEY); boards that require signatures refuse unsigned updates');
}

/** The signer --sign or MQBOARD_SIGN_KEY asks for (undefined: unsigned, as before). */
export function signerOf(opts: { sign?: string | undefined }, io: CliIo): UpdateSigner | undefined {
  const key = opts.sign ?? io.env.MQBOARD_SIGN_KEY;
  if (!key) return undefined;
  return signerFor(keyStoreOf(io).load(key), key);
}

export function registerKeysCommands(program: Command, io: CliIo): void {
  const keys = program.command('keys').description('signing keys for signed updates (docs/signing.md)');
  const asJson = (o: { json?: boolean }) => Boolean(o.json ?? program.opts().json);
  keys
    .command('generate')
    .argument('[name]', 'the key\'s name (a new name per key: rotate by generating another)', 'default')
    .description('make an RSA-2048 signing key in the console\'s data folder (readable by you only)')
    .option('--json', 'print the result as JSON')
    .action((name: string, o: { json?: boolean }) => {
      const store = keyStoreOf(io);
      const info = store.generate(name);
      if (asJson(o)) return printJson(io, { ok: true, key: info, dir: store.dir });
      io.stdout.write(`key "${name}" (id ${info.id}, ${info.bits} bits) in ${path.join(store.dir, `${name}.pem`)}\n` +
        `Keep that file secret and backed up. To make boards trust it, add to their board_config.py:\n\n${boardConfigEntry([info])}`);
    });
  keys
    .command('list')
    .description('the signing keys in the console\'s data folder')
    .option('--json', 'print the result as JSON')
    .action((o: { json?: boolean }) => {
      const list = keyStoreOf(io).list();
      if (asJson(o)) return printJson(io, list.map(({ modulus: _m, ...k }) => k));
      if (list.length === 0) io.stdout.write(`no signing keys (\`mqboard keys generate\` makes one)\n`);
      for (const k of list) io.stdout.write(`${k.name}  id ${k.id}  RSA-${k.bits}\n`);
    });
  keys
    .command('show')
    .argument('<key...>', 'key names or PEM files (private or public): several for a rotation, old and new')
    .option('--no-require', 'boards trust these keys but still take unsigned updates (while migrating)')
    .description('print the board_config.py entry that makes boards trust these keys')
    .option('--json', 'print the result as JSON')
    .action((names: string[], o: { require: boolean; json?: boolean }) => {
      const store = keyStoreOf(io);
      const infos = names.map((n) => describeKey(store.load(n), path.basename(n).replace(/\.pem$/, '')));
      if (asJson(o)) return printJson(io, { signing: { require: o.require, keys: Object.fromEntries(infos.map((k) => [k.id, k.modulus])) } });
      io.stdout.write(boardConfigEntry(infos, o.require));
    });
}
