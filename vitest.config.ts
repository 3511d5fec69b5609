import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{proto,reference,harness,suites,reports}/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
