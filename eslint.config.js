// Lint rules, including who may import whom: folders are named by where their code runs.
// shared/ imports nothing outside itself (no Node built-ins, no electron/, no renderer/);
// electron/ and renderer/ import only shared/ of each other.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';

const nodeBuiltins = [
  'assert', 'buffer', 'child_process', 'crypto', 'events', 'fs', 'fs/promises', 'http', 'https',
  'net', 'os', 'path', 'perf_hooks', 'process', 'stream', 'timers', 'url', 'util', 'worker_threads', 'zlib',
];
const noNode = nodeBuiltins.flatMap((m) => [m, `node:${m}`]);

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'release/**', 'coverage/**', 'test-results/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [...noNode, 'electron', 'vue', 'pinia'].map((name) => ({ name, message: 'shared/ runs everywhere: no Node, Electron or DOM framework imports.' })),
        patterns: [{ group: ['**/electron/**', '**/renderer/**'], message: 'shared/ imports nothing from electron/ or renderer/.' }],
      }],
      'no-restricted-globals': ['error',
        { name: 'window', message: 'shared/ has no DOM.' },
        { name: 'document', message: 'shared/ has no DOM.' },
        { name: 'process', message: 'shared/ has no Node.' },
        { name: 'setTimeout', message: 'The core is driven by ticks, not timers.' },
        { name: 'setInterval', message: 'The core is driven by ticks, not timers.' },
      ],
      'no-restricted-properties': ['error',
        { object: 'Math', property: 'random', message: 'Use the injected seeded Rng.' },
        { object: 'Date', property: 'now', message: 'shared/ reads no clock; time is passed in.' },
        { object: 'performance', property: 'now', message: 'shared/ reads no clock; time is passed in.' },
      ],
    },
  },
  // Vue single-file components: the plugin's recommended rules, TypeScript inside <script>.
  ...pluginVue.configs['flat/recommended'].map((c) => ({ ...c, files: ['renderer/**/*.vue'] })),
  {
    files: ['renderer/**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' } },
    rules: {
      // Layout-only opinions; the compiler and vue-tsc catch what matters.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/html-indent': 'off',
      'vue/first-attribute-linebreak': 'off',
      'vue/attributes-order': 'off',
      // vue-tsc checks names with the DOM lib; ESLint's scope analysis does not know DOM types.
      'no-undef': 'off',
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [...noNode, 'electron'].map((name) => ({ name, message: 'The renderer talks only to the lab API.' })),
        patterns: [{ group: ['**/electron/**'], message: 'renderer/ imports only shared/ from outside itself.' }],
      }],
    },
  },
  {
    files: ['electron/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/renderer/**'], message: 'electron/ imports only shared/ from outside itself.' }],
      }],
    },
  },
);
