import { defineConfig } from 'vitest/config';
import { buildAssets } from './scripts/build-assets.ts';

// The generated catalogs and browser assets, fresh for every run (well under a second).
await buildAssets();

// Node-side tests: unit, integration (PGlite, and PostgreSQL when TEST_DATABASE_URL is set), e2e (Chromium).
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // PGlite instances are memory-hungry WASM; two cores: keep parallelism modest.
    maxWorkers: 2,
    // CI collects counts from JSON reports (QUIRE_TEST_REPORT_DIR, set by .ci/run).
    reporters: process.env.QUIRE_TEST_REPORT_DIR ? ['default', ['json', { outputFile: `${process.env.QUIRE_TEST_REPORT_DIR}/node.json` }]] : ['default'],
  },
});
