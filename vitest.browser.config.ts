import { defineConfig } from 'vitest/config';

// End-to-end journeys in Debian's Chromium; run by `npm run test:browser` and in CI.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
