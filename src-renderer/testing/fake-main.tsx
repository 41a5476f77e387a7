// The UI on the in-memory fake console (no main, broker or boards): for working on components and
// for the performance bench. Options come from the page URL:
// ?boards=1000&logging=200&lines=10&churn=20&connected=1&latency=15&xfer=32768 (file transfer bytes/s)
// &sleepy=1&sleep=8&awake=4 (battery boards sim/bat-01.., seconds asleep and awake)
import '@xterm/xterm/css/xterm.css';
import '../styles/app.css';
import { createRoot } from 'react-dom/client';
import { App } from '../components/App.js';
import { startConsole } from '../services/console.js';
import { createFakeApi } from './fake-api.js';

const q = new URLSearchParams(location.search);
const num = (k: string) => (q.has(k) ? Number(q.get(k)) : undefined);
const api = createFakeApi({
  boards: num('boards'),
  loggingBoards: num('logging'),
  linesPerSecond: num('lines'),
  churnPerSecond: num('churn'),
  latencyMs: num('latency'),
  connected: q.get('connected') === '1',
  transferRate: num('xfer'),
  sleepy: num('sleepy'),
  sleepSeconds: num('sleep'),
  awakeSeconds: num('awake'),
});
(globalThis as { fakeApi?: unknown }).fakeApi = api;
startConsole(api);
createRoot(document.getElementById('root')!).render(<App />);
