// The `mqboard` program: every command registered on one commander program, run with the given
// I/O (the process, or captured streams in tests), errors mapped to the documented exit codes.
import { Command, CommanderError } from 'commander';
import { EXIT_CODES } from '../common/errors.js';
import { addConnectionOptions, reportError } from './cli-context.js';
import type { CliIo } from './cli-io.js';
import { registerEvalCommands } from './eval-command.js';
import { registerFsCommands } from './fs-commands.js';
import { registerImageCommands } from './image-command.js';
import { registerKeysCommands } from './keys-command.js';
import { registerReplCommand } from './repl-command.js';
import { registerResetCommand } from './reset-command.js';
import { registerRolloutCommand } from './rollout-command.js';
import { registerSimCommands } from './sim-command.js';
import { registerStatusCommands } from './status-commands.js';
import { registerTagsCommand } from './tags-command.js';
import { registerTransferCommands } from './transfer-commands.js';
import { registerViewCommand } from './view-command.js';

export function buildProgram(io: CliIo): Command {
  const program = new Command();
  program
    .name('mqboard')
    .description('Manage MicroPython ESP32 boards over MQTT, and run virtual boards')
    .version('0.1.0')
    // Options before the command name belong to the program (global, as in the original
    // mqboard); after it, to the command: `sim --ca` and `image check --json` keep theirs.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .addHelpText('after', `
Connection: --server/-s, --port, --tls, --user, --password, --ca, --insecure (or MQBOARD_SERVER,
MQBOARD_PORT, MQBOARD_TLS, MQBOARD_USER, MQBOARD_PASSWORD, MQBOARD_CA); the board: --prefix/-p
(MQBOARD_PREFIX). Default broker: mqtt://127.0.0.1:1883 (\`mqboard demo\` runs one there).
Exit codes: ${Object.entries(EXIT_CODES).map(([k, v]) => `${v} ${k}`).join(', ')}.`);
  addConnectionOptions(program);
  registerEvalCommands(program, io);
  registerReplCommand(program, io);
  registerFsCommands(program, io);
  registerResetCommand(program, io);
  registerViewCommand(program, io);
  registerStatusCommands(program, io);
  registerTagsCommand(program, io);
  registerTransferCommands(program, io);
  registerRolloutCommand(program, io);
  registerSimCommands(program);
  registerImageCommands(program);
  registerKeysCommands(program, io);
  return program;
}

/** Runs one command line (without the node and script arguments); resolves with the exit code. */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(args, { from: 'user' });
    return EXIT_CODES.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version "fail" with exit code 0; usage errors were already printed.
      return err.exitCode === 0 ? EXIT_CODES.OK : EXIT_CODES.USAGE;
    }
    return reportError(io, err, args.includes('--json'));
  }
}
