import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import masthead from './eslint-rules/module-boundaries.js';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/ban-ts-comment': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  // Modules meet only through their index.ts (docs/architecture.md); tests may open a module up.
  {
    files: ['src/**/*.{ts,tsx}'],
    plugins: { masthead },
    rules: { 'masthead/module-boundaries': 'error' },
  },
);
