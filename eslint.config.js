// One linter for the whole repo. Beyond style, it enforces the runtime layering:
// - src-main/common is pure TypeScript: no Node, Electron or DOM;
// - src-renderer may import from src-main/common only (never Node or the rest of src-main).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'release/**', 'node_modules/**', '.state/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'smart'],
      'no-console': 'off',
    },
  },
  {
    files: ['src-main/common/**/*.ts'],
    languageOptions: { globals: { ...globals['shared-node-browser'] } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'src-main/common is pure TypeScript: no Node modules.' })),
            { name: 'electron', message: 'src-main/common is pure TypeScript: no Electron.' },
          ],
          patterns: [
            { group: ['../*', '!../common/**'], message: 'src-main/common may only import from itself.' },
            { group: ['**/sim/**', '**/core/**', '**/electron/**', '**/cli/**', '**/web/**'], message: 'src-main/common may only import from itself.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'Buffer', 'require', '__dirname', 'window', 'document'],
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'The renderer cannot use Node: go through the API service.' })),
            { name: 'electron', message: 'The renderer cannot use Electron: go through the preload API.' },
          ],
          patterns: [
            {
              group: ['**/src-main/*', '!**/src-main/common', '**/src-main/*/**', '!**/src-main/common/**'],
              message: 'The renderer may only import from src-main/common.',
            },
          ],
        },
      ],
    },
  },
);
