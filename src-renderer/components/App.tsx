// The window: top bar, sidebar (views and broker profiles), the current view, global shortcuts.
import { useEffect, useState } from 'react';
import { useOta, jobFinished } from '../stores/ota-store.js';
import { useRollouts } from '../stores/rollouts-store.js';
import { useUi } from '../stores/ui-store.js';
import type { View } from '../stores/ui-store.js';
import { BoardPanel } from './BoardPanel.js';
import { CrashView } from './CrashView.js';
import { FleetView } from './FleetView.js';
import { useBoardCounts } from './hooks.js';
import { LogWatcher, MergedLogsView } from './MergedLogsView.js';
import { useLogs } from '../stores/logs-store.js';
import { OtaStageDialog } from './OtaStage.js';
import { ProfilesPanel } from './ProfilesPanel.js';
import { ShortcutsDialog } from './ShortcutsDialog.js';
import { TopBar } from './TopBar.js';
import { UpdatesView } from './UpdatesView.js';

const VIEW_KEYS: Record<string, View> = { '1': 'fleet', '2': 'crashes', '3': 'logs', '4': 'updates', '5': 'board' };

const typingIn = (t: EventTarget | null) => t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) || !!t.closest('.xterm'));

function Nav() {
  const view = useUi((s) => s.view);
  const openBoard = useUi((s) => s.openBoard);
  const showView = useUi((s) => s.showView);
  const openBoardPanel = useUi((s) => s.openBoardPanel);
  const counts = useBoardCounts();
  const watched = useLogs((s) => s.watched.length);
  const jobs = useOta((s) => s.jobOrder.reduce((n, id) => n + (s.jobs[id] && !jobFinished(s.jobs[id]!) ? 1 : 0), 0));
  const rollouts = useRollouts((s) => s.order.reduce((n, id) => n + (s.summaries[id]?.status === 'running' ? 1 : 0), 0));
  const running = jobs + rollouts;
  const item = (v: Exclude<View, 'board'>, label: string, count: number | string, bad = false, key = '') => (
    <button aria-current={view === v ? 'page' : undefined} onClick={() => showView(v)} data-testid={`nav-${v}`} title={`Alt+${key}`}>
      <span>{label}</span>
      <span className={`count${bad ? ' bad' : ''}`} data-testid={`nav-${v}-count`}>
        {count}
      </span>
    </button>
  );
  return (
    <nav className="nav" aria-label="Views">
      {item('fleet', 'Fleet', `${counts.online}/${counts.total}`, false, '1')}
      {item('crashes', 'Crashes & safe mode', counts.troubled, counts.troubled > 0, '2')}
      {item('logs', 'Watched logs', watched, false, '3')}
      {item('updates', 'Firmware updates', running, false, '4')}
      {openBoard && (
        <button aria-current={view === 'board' ? 'page' : undefined} onClick={() => openBoardPanel(openBoard)} data-testid="nav-board" title="Alt+5">
          <span className="mono">{openBoard.slice(openBoard.indexOf('/') + 1)}</span>
        </button>
      )}
    </nav>
  );
}

export function App() {
  const view = useUi((s) => s.view);
  const openBoard = useUi((s) => s.openBoard);
  const theme = useUi((s) => s.theme);
  const [help, setHelp] = useState(false);

  useEffect(() => {
    if (theme === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
  }, [theme]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const ui = useUi.getState();
      if (e.altKey && !e.ctrlKey && !e.metaKey && VIEW_KEYS[e.key]) {
        e.preventDefault();
        e.stopPropagation(); // the terminal would take Alt+digit as input
        const v = VIEW_KEYS[e.key]!;
        if (v === 'board') {
          if (ui.openBoard) ui.openBoardPanel(ui.openBoard);
        } else ui.showView(v);
        return;
      }
      if (typingIn(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      if (document.querySelector('[role="dialog"]')) return;
      if (e.key === '/') {
        e.preventDefault();
        ui.showView('fleet');
        requestAnimationFrame(() => document.getElementById('fleet-search')?.focus());
      } else if (e.key === '?') setHelp(true);
      else if (e.key === 'Escape' && ui.view === 'board') ui.closeBoardPanel();
    };
    // Capture phase: the view shortcuts work even where a widget (xterm) keeps its keys.
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  return (
    <div className="app">
      <TopBar onHelp={() => setHelp(true)} />
      <aside className="sidebar">
        <Nav />
        <ProfilesPanel />
      </aside>
      <main className="main">
        {view === 'fleet' && <FleetView />}
        {view === 'crashes' && <CrashView />}
        {view === 'logs' && <MergedLogsView />}
        {view === 'updates' && <UpdatesView />}
        {view === 'board' && openBoard && <BoardPanel key={openBoard} boardKey={openBoard} />}
      </main>
      <OtaStageDialog />
      <LogWatcher />
      {help && <ShortcutsDialog onClose={() => setHelp(false)} />}
    </div>
  );
}
