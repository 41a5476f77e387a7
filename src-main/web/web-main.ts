// `npm run web`: the console in a browser. Starts the console's main side (the demo when no
// broker profile is saved), serves the built renderer on 127.0.0.1 and prints the URL to open;
// the URL carries the access token, so only who can read this terminal gets in.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createDispatcher } from '../app/dispatcher.js';
import { startConsole } from '../app/start-console.js';
import { startWebServer } from './web-server.js';

const USAGE = `usage: npm run web -- [--port N] [--host 127.0.0.1] [--data-dir DIR] [--demo auto|always|never] [--fresh]`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string', default: '.state/console' },
      demo: { type: 'string', default: 'auto' },
      fresh: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void console.log(USAGE);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number (got "${values.port}")\n${USAGE}`);
  if (!['auto', 'always', 'never'].includes(values.demo)) throw new Error(`--demo must be auto, always or never\n${USAGE}`);

  const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const rootDir = path.join(distDir, 'renderer');
  if (!fs.existsSync(path.join(rootDir, 'index.html'))) throw new Error(`${rootDir} has no index.html: build the UI first (node scripts/build-renderer.mjs)`);
  const { version } = JSON.parse(fs.readFileSync(path.join(distDir, '..', 'package.json'), 'utf8')) as { version: string };

  const running = await startConsole({ mode: 'web', version, dataDir: path.resolve(values['data-dir']), demo: values.demo as 'auto', freshDemo: values.fresh });
  const server = await startWebServer({
    host: values.host,
    port,
    rootDir,
    dispatch: createDispatcher(running.service.handlers, { onInternalError: (op, err) => console.error(`mqboard web: ${op} failed:`, err) }),
    events: { subscribe: (l) => running.service.subscribe(l), clientGone: (id) => running.service.clientGone(id) },
  });
  if (values.host !== '127.0.0.1' && values.host !== 'localhost' && values.host !== '::1') {
    console.error(`mqboard web: WARNING: listening on ${values.host}: anyone who can reach it and knows the URL controls your boards`);
  }
  console.log(`mqboard web: open ${server.url}`);
  console.log('mqboard web: Ctrl-C stops the console');

  let stopping = false;
  const stop = async () => {
    if (stopping) process.exit(130);
    stopping = true;
    await server.close();
    await running.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err: Error) => {
  console.error(`mqboard web: ${err.message}`);
  process.exit(1);
});
