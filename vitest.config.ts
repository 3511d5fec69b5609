import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{proto,shared,reference,harness,suites,reports,examples}/**/*.test.ts'],
    globalSetup: ['harness/testing/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
