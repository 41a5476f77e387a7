// electron-builder configuration of the desktop console (targets, icons, what ships). The Electron
// shell and the renderer build into out/; the packaging script arrives with the desktop UI.
import type { Configuration } from 'electron-builder';

const config: Configuration = {
  appId: 'org.mqboard.console',
  productName: 'MQBoard Console',
  copyright: 'MQBoard Console authors',
  directories: { output: 'release', buildResources: 'assets' },
  files: ['out/**', 'dist/main/**', 'board/**', 'package.json', '!**/*.test.*', '!**/tests/**'],
  // The virtual board runs the firmware files and the MicroPython wasm from disk.
  asarUnpack: ['board/**', 'dist/main/py/**', 'node_modules/@micropython/**'],
  linux: { target: ['AppImage', 'deb'], category: 'Development', icon: 'assets/icon.svg' },
  mac: { target: ['dmg'], category: 'public.app-category.developer-tools' },
  win: { target: ['nsis'] },
  nsis: { oneClick: false, allowToChangeInstallationDirectory: true },
};

export default config;
