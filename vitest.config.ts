import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One line per test as it finishes: vitest starts the slowest files first (training, the
    // tarball install), so a per-file report said nothing for minutes.
    reporters: ['verbose'],
  },
});
