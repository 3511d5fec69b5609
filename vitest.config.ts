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
    // Two files at a time: most e2e files wait on wall clocks (containers, timers), so two
    // overlap on the 2-core machine (a fresh-clone run: 1214 s with two, 1906 s with vitest 4's
    // default of one here). Nothing depends on speed, and a loaded harness says INCONCLUSIVE.
    maxWorkers: 2,
  },
});
