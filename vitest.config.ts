import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      '{proto,shared,reference,engine,checks,suites,reports,examples,adapters,bench,cli,scripts}/**/*.test.ts',
    ],
    globalSetup: ['engine/testing/global-setup.ts'],
    // Generous: nothing may depend on wall-clock speed (the machine may be oversubscribed).
    testTimeout: 300_000,
    hookTimeout: 60_000,
  },
});
