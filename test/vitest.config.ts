import { defineConfig } from "vitest/config";

// One run for everything the README's test command covers: the generator's unit tests and the end-to-end tests.
// End-to-end tests run real tools (npm, turbo, podman, a registry): slow by nature, so generous timeouts,
// and files run one at a time on this 2-core machine to keep timings stable and ports free.
export default defineConfig({
  test: {
    include: ["generators/test/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
