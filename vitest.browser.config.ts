import { defineConfig } from 'vitest/config';

// `npm run test:browser`: the console in a real headless Chromium (test/browser/helpers.ts). One file
// at a time: each starts its own browser and server, and the machine has few cores.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
