// electron-builder configuration of the desktop console (`npm run dist`): AppImage and deb on
// Linux, dmg on macOS, an NSIS installer on Windows. What ships: the Electron shell
// (dist/electron), the Node side it runs (dist/main: the virtual board worker and its Python
// shims), the built UI (dist/renderer) and the board firmware the demo fleet installs.
import type { Configuration } from 'electron-builder';

const config: Configuration = {
  appId: 'org.mqboard.console',
  productName: 'MQBoard Console',
  copyright: 'MQBoard Console authors',
  directories: { output: 'release', buildResources: 'assets' },
  // package.json's `main` is for the CLI package; the app starts the Electron shell.
  extraMetadata: { main: 'dist/electron/main.js' },
  files: ['dist/electron/**', 'dist/main/**', 'dist/renderer/**', 'board/**', 'package.json', '!**/*.map', '!**/*.test.*', '!**/tests/**'],
  // The virtual board's worker thread, its Python shims, the firmware files and the MicroPython
  // wasm are read from disk by path: they must exist outside the asar archive.
  asarUnpack: ['board/**', 'dist/main/board-worker.js', 'dist/main/py/**', 'node_modules/@micropython/**'],
  // assets/icon.png (1024×1024) is rendered from assets/icon.svg; electron-builder derives the
  // .icns and .ico sizes from it.
  icon: 'assets/icon.png',
  linux: { target: ['AppImage', 'deb'], category: 'Development', icon: 'assets/icon.png' },
  mac: { target: ['dmg'], category: 'public.app-category.developer-tools', icon: 'assets/icon.png' },
  win: { target: ['nsis'], icon: 'assets/icon.png' },
  nsis: { oneClick: false, allowToChangeInstallationDirectory: true },
  // Fuses are flipped in the packaged binary, so neither an environment variable nor a command
  // line turns the signed app into a plain Node (which would run any script with the app's
  // identity and its access to the OS secret store), and an edited app.asar is refused.
  // The console never needs them: the virtual boards run in worker threads, not child processes.
  electronFuses: {
    runAsNode: false,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    enableCookieEncryption: true,
    // The UI is served on the app:// scheme; file:// needs no privileges.
    grantFileProtocolExtraPrivileges: false,
  },
};

export default config;
