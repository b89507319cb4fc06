import { defineConfig } from "vitest/config";

// End-to-end tests run real tools (npm, turbo, podman, a registry): slow by nature, so generous timeouts,
// and files run one at a time on this 2-core machine to keep timings stable and ports free.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
