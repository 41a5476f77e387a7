// The packaging settings that make the desktop app hard to turn into something else.
import { describe, expect, it } from 'vitest';
import config from '../electron.config.js';

describe('electron.config.ts', () => {
  it('flips the fuses: no RunAsNode, no NODE_OPTIONS or --inspect, asar integrity checked and required', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('packs the app into an asar archive (the integrity fuse checks it), with only the worker files outside', () => {
    expect(config.asar).not.toBe(false);
    expect(config.asarUnpack).toEqual(['board/**', 'dist/main/board-worker.js', 'dist/main/py/**', 'node_modules/@micropython/**']);
  });
});
