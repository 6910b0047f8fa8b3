import { defineConfig } from 'vitest/config';

// Node-side tests: unit, integration (PGlite, and PostgreSQL when TEST_DATABASE_URL is set), e2e (Chromium).
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // PGlite instances are memory-hungry WASM; two cores: keep parallelism modest.
    maxWorkers: 2,
  },
});
