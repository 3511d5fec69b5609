import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      '{proto,shared,reference,engine,checks,suites,reports,examples,adapters,bench,cli,scripts}/**/*.test.ts',
    ],
    globalSetup: ['engine/testing/global-setup.ts'],
    // Generous: nothing may depend on wall-clock speed (the machine may be oversubscribed).
    // Two workers: many e2e files wait on wall clocks (realtime runs, docker, swarm), and vitest 4's
    // default here (one worker on two cores) ran them one after another (1906 s against 1214 s).
    maxWorkers: 2,
    testTimeout: 300_000,
    hookTimeout: 60_000,
  },
});
