// @ts-check
import eslint from '@eslint/js';
import angular from 'angular-eslint';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '.angular/**',
      'test-results/**',
      '.test-results/**',
      'playwright-report/**',
      'bench/.work/**',
    ],
  },
  {
    files: ['**/*.ts', '**/*.js'],
    extends: [eslint.configs.recommended, ...tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
    },
  },
  {
    files: ['packages/angular/src/**/*.ts', 'apps/demo/src/**/*.ts'],
    extends: [...angular.configs.tsRecommended],
    processor: angular.processInlineTemplates,
    rules: {
      '@angular-eslint/directive-selector': ['error', { type: 'attribute', prefix: ['lk', 'app'], style: 'camelCase' }],
      '@angular-eslint/component-selector': ['error', { type: 'element', prefix: ['lk', 'app'], style: 'kebab-case' }],
    },
  },
  {
    files: ['**/*.html'],
    extends: [...angular.configs.templateRecommended, ...angular.configs.templateAccessibility],
  },
  {
    // The protocol is the only importer of oauth4webapi (core/src/protocol/).
    files: ['packages/core/src/**/*.ts'],
    ignores: ['packages/core/src/protocol/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: [{ name: 'oauth4webapi', message: 'Only packages/core/src/protocol/ imports oauth4webapi.' }] },
      ],
    },
  },
  {
    // The browser session reaches the protocol (and the flows on it) only through `import type` and the one
    // dynamic import() in session/protocol-loader.ts: a single static value import would put it all back
    // in the first load.
    files: ['packages/core/src/session/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'oauth4webapi', message: 'Only packages/core/src/protocol/ imports oauth4webapi.' }],
          patterns: [
            {
              group: ['../protocol/*', '../flows/*'],
              allowTypeImports: true,
              message: 'session/ loads the protocol lazily: import type only (the value comes through ProtocolLoader).',
            },
          ],
        },
      ],
    },
  },
  {
    // The import direction is session/ → flows/ → protocol/, never back: the protocol knows no tabs, stores or timers.
    files: ['packages/core/src/protocol/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../session/*', '../flows/*', '../session-store.ts', '../tabs.ts', '../transaction.ts'],
              message: 'protocol/ knows nothing of the session.',
            },
          ],
        },
      ],
    },
  },
  {
    // Library code is for browsers and servers alike: no console output, ever (tokens must not leak).
    files: ['packages/*/src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/testing/**'],
    rules: { 'no-console': 'error' },
  },
);
