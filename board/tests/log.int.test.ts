import { afterEach, describe, expect, it } from 'vitest';
import { closeTestBoards, createTestBoard } from '../../src-main/sim/test-boards.js';
import { boardFiles } from './board-files.js';

afterEach(closeTestBoards);

describe('board logging (mqb_log)', () => {
  it('keeps lines until MQTT is up, dropping the lowest severities first when the buffer is full', async () => {
    const board = createTestBoard({ runBootFiles: false, files: boardFiles({ 'lib/mqb_log.py': 'lib/mqb_log.py', 'lib/mqb_clock.py': 'lib/mqb_clock.py' }) });
    await board.powerOn();
    await board.probe([
      'import sys',
      'sys.path.append("/lib")',
      'import mqb_log',
      'mqb_log.configure(boot_buffer=600, boot_console=mqb_log.ERROR)',
      'log = mqb_log.getLogger("test")',
      'for i in range(10):',
      '    log.debug("debug line %d", i)',
      '    log.info("info line %d", i)',
      'log.error("first error")',
      'log.critical("the critical one")',
      'log.warning("a warning")',
    ].join('\n'));
    const lines = await board.probeJson<string[]>('[bytes(e[1]).decode() for e in mqb_log._buf]');
    const stats = await board.probeJson<{ dropped: number; bytes: number }>('mqb_log.stats()');
    expect(stats.bytes).toBeLessThanOrEqual(600);
    expect(stats.dropped).toBeGreaterThan(0);
    // Every line above INFO survived, and only debug lines were dropped (there were enough).
    expect(lines.filter((l) => /^[EWC] /.test(l)).map((l) => l.replace(/^(\S) \S+ +/, '$1 '))).toEqual([
      'E test: first error', 'C test: the critical one', 'W test: a warning',
    ]);
    expect(lines.filter((l) => l.startsWith('I '))).toHaveLength(10);
    expect(lines.filter((l) => l.startsWith('D '))).toHaveLength(10 - stats.dropped);
    // The oldest debug lines went first.
    expect(lines.find((l) => l.startsWith('D '))).toMatch(new RegExp(`debug line ${stats.dropped}$`));
    // The original format: severity, time, logger right-aligned in 8, colon, text.
    for (const l of lines) expect(l).toMatch(/^[CEWID] \S+ {5}test: /);
  });
});
