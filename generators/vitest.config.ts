import { defineConfig } from "vitest/config";

// The package's own `npm test` (run by turbo in this repository's CI and in every generated copy of it): the merge
// oracle spawns git merge-file thousands of times, which takes far more than vitest's default 5 s per test on a
// loaded 2-core runner. The root suite (test/vitest.config.ts) sets its own, larger limits.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
  },
});
