import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The web layer: the only files that may import Koa. Everything else is domain, storage or shared code, which is
 * called from here and never knows about a request (docs/architecture.md).
 */
const WEB_LAYER = [
  'src/http/**',
  'src/**/routes.ts',
  'src/admin/pages/**',
  'src/admin/console.ts',
  'src/admin/app-icon-route.ts',
  'src/demo/app-routes.ts',
  // oidc-provider is itself a Koa app: reading its session from the request is web work by nature.
  'src/oidc/browser-session.ts',
  'src/oidc/sign-out-intent.ts',
  // The relying party of Homeroom's own apps (portal, demo app) handles their callbacks and back-channel logout.
  'src/rp/**',
];

const nodeGlobals = {
  process: 'readonly',
  console: 'readonly',
  Buffer: 'readonly',
  URL: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
  setInterval: 'readonly',
  clearInterval: 'readonly',
  setImmediate: 'readonly',
  structuredClone: 'readonly',
  SharedArrayBuffer: 'readonly',
  Atomics: 'readonly',
};

const browserGlobals = { window: 'readonly', document: 'readonly', HTMLFormElement: 'readonly', HTMLInputElement: 'readonly', HTMLButtonElement: 'readonly' };

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'coverage/', 'dist/', 'tmp/', '.node22/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // Type-aware checks that catch real bugs in a Koa server: a promise nobody awaits loses its error.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // A migration runs against the tables of its own time, not today's Database type: Kysely's Migration takes Kysely<any>.
    files: ['src/store/migrations/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/**/*.ts'],
    ignores: WEB_LAYER,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'koa', message: 'Domain code never imports Koa: take plain values, and let the route (a routes.ts) read the request.' },
            { name: '@koa/router', message: "Domain code never imports Koa: routers live in the capability's routes.ts." },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', 'bin/**/*.js', '*.js'],
    languageOptions: { globals: nodeGlobals },
  },
  {
    files: ['public/**/*.js'],
    languageOptions: { sourceType: 'script', globals: browserGlobals },
  },
);
