import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import { reactRefresh } from 'eslint-plugin-react-refresh';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const features = ['auth', 'chat', 'rooms', 'presence', 'ops', 'polls', 'later'];

// File names are kebab-case (`message-list.tsx`, `use-functions.ts`).
const kebabCase = {
  meta: { type: 'suggestion', schema: [], messages: { name: 'File name "{{name}}" is not kebab-case.' } },
  create(context) {
    return {
      Program(node) {
        const name = context.filename.split(/[\\/]/).pop() ?? '';
        if (!/^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+)*$/.test(name)) {
          context.report({ node, messageId: 'name', data: { name } });
        }
      },
    };
  },
};

export default defineConfig(
  globalIgnores(['dist', 'node_modules', 'test-results', 'playwright-report']),
  {
    files: ['**/*.{ts,tsx}'],
    extends: [
      js.configs.recommended,
      tseslint.configs.strictTypeChecked,
      reactHooks.configs.flat.recommended,
      reactRefresh.configs.vite(),
    ],
    languageOptions: {
      ecmaVersion: 2023,
      globals: globals.browser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { parley: { rules: { 'kebab-case-files': kebabCase } } },
    rules: {
      'parley/kebab-case-files': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // Only src/lib/socket.ts talks to WebSocket (it owns reconnect, resume and dedupe).
      'no-restricted-globals': [
        'error',
        { name: 'WebSocket', message: 'Use src/lib/socket.ts: it is the only WebSocket user.' },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/index', '**/index.ts', '**/index.tsx'], message: 'No barrel files: import the module itself.' },
          ],
        },
      ],
    },
  },
  { files: ['src/lib/socket.ts', 'src/**/*.test.{ts,tsx}'], rules: { 'no-restricted-globals': 'off' } },
  {
    files: ['src/**/*.test.{ts,tsx}', 'src/test/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', 'react-refresh/only-export-components': 'off' },
  },
  // Unidirectional code: lib/components/config <- features <- app; features never import each other.
  ...features.map((feature) => ({
    files: [`src/features/${feature}/**/*.{ts,tsx}`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@/features/*', `!@/features/${feature}`],
              message: 'No cross-feature imports: move shared code to src/lib or src/components.',
            },
            { group: ['../../*'], message: 'Leave the feature through @/lib, @/components or @/config.' },
            { group: ['@/app', '@/app/*'], message: 'Features do not import the app layer.' },
            { group: ['**/index', '**/index.ts', '**/index.tsx'], message: 'No barrel files: import the module itself.' },
          ],
        },
      ],
    },
  })),
  {
    files: ['src/lib/**/*.{ts,tsx}', 'src/components/**/*.{ts,tsx}', 'src/config/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@/features/*', '@/app/*'], message: 'Shared code does not depend on features or the app.' },
            { group: ['**/index', '**/index.ts', '**/index.tsx'], message: 'No barrel files: import the module itself.' },
          ],
        },
      ],
    },
  },
  {
    files: ['*.{js,ts}', 'e2e/**/*.ts'],
    languageOptions: { globals: globals.node },
  },
  { files: ['eslint.config.js'], extends: [tseslint.configs.disableTypeChecked] },
);
