// The renderer's entry: picks the transport (Electron preload or the web mode's WebSocket),
// starts the console services on it and renders the UI.
import '@xterm/xterm/css/xterm.css';
import './styles/app.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createConsoleApi } from './api/index.js';
import { App } from './components/App.js';
import { startConsole } from './services/console.js';

const root = createRoot(document.getElementById('root')!);
try {
  startConsole(createConsoleApi());
  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
} catch (e) {
  root.render(
    <div className="empty" role="alert" data-testid="startup-error">
      <h1>MQBoard Console cannot start</h1>
      <p>{e instanceof Error ? e.message : String(e)}</p>
    </div>,
  );
}
