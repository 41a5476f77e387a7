// The `mqboard` command line (bundled into dist/main/cli.js, started by bin/mqboard.js).
import { processIo } from './cli-io.js';
import { runCli } from './run-cli.js';

const code = await runCli(process.argv.slice(2), processIo());
// Long-running commands (sim, demo) keep the process alive and exit on their own signal;
// some commands set process.exitCode themselves (image check).
if (code !== 0) process.exitCode = code;
