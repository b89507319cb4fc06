// The README's test command, `bash scripts/test.sh`, tests the committed HEAD in a clean clone, never the caller's
// working tree: after the README's main job (packages/orders scaffolded, the lockfile changed) or with an edit in
// progress, the suite sees exactly what was committed, run after run.
//
// Running the real suite inside this test would run everything twice, so the copy's set-up is a stub (it links this
// checkout's node_modules instead of `npm ci`) and the suite is one probe test file committed in the copy. The real
// set-up's npm step after the main job is tested by test/add-service.test.ts (scripts/setup/npm-deps.sh).
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git, makeTempRepo, repoRoot, runCommand, type TempRepo } from "./support/repo.js";

let repo: TempRepo;
let work: string;

const probe = `import { existsSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { expect, it } from "vitest";
it("sees the committed tree", () => {
  expect(process.cwd()).toBe(process.env.EXPECTED_SUITE_DIR);
  expect(existsSync("packages/orders")).toBe(false);
  expect(existsSync("leftover.txt")).toBe(false);
  expect(readFileSync("README.md", "utf8")).not.toContain("SHIPYARD-PROBE-UNCOMMITTED-EDIT");
  expect(execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { encoding: "utf8" })).toBe("");
});
`;

beforeAll(async () => {
  repo = makeTempRepo({ exclude: ["packages/hello/"] });
  work = mkdtempSync(join(tmpdir(), "shipyard-suite-script-"));
  // The copy's set-up: this checkout's installed packages instead of a full npm ci (and the tools it needs).
  writeFileSync(join(repo.dir, "scripts/setup.sh"), `#!/usr/bin/env bash\nset -euo pipefail\nln -sfn ${JSON.stringify(join(repoRoot, "node_modules"))} node_modules\n`);
  mkdirSync(join(repo.dir, "test"), { recursive: true });
  writeFileSync(join(repo.dir, "test/probe.test.ts"), probe);
  await git(repo.dir, "add", "--all");
  await git(repo.dir, "commit", "--quiet", "--message", "stub set-up and a probe");
  // What the README's main job and a developer leave behind: a new package, a changed lockfile, an edit.
  mkdirSync(join(repo.dir, "packages/orders"), { recursive: true });
  writeFileSync(join(repo.dir, "packages/orders/package.json"), '{ "name": "@shipyard/orders", "version": "0.1.0" }\n');
  writeFileSync(join(repo.dir, "package-lock.json"), "{}\n");
  writeFileSync(join(repo.dir, "README.md"), `${readFileSync(join(repo.dir, "README.md"), "utf8")}\nSHIPYARD-PROBE-UNCOMMITTED-EDIT\n`);
  // podman is not this test's business: the script's image prune must not touch the machine's images.
  mkdirSync(join(work, "bin"));
  writeFileSync(join(work, "bin/podman"), "#!/bin/sh\nexit 0\n");
  chmodSync(join(work, "bin/podman"), 0o755);
}, 120_000);

afterAll(() => {
  repo?.remove();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("scripts/test.sh", () => {
  it("runs the committed HEAD in a clean clone, from a dirty working tree, twice in a row", async () => {
    const suite = join(work, "suite");
    const env = { SHIPYARD_SUITE_DIR: suite, EXPECTED_SUITE_DIR: suite, PATH: `${join(work, "bin")}:${process.env.PATH}` };
    for (const run of [1, 2]) {
      const result = await runCommand("bash", ["scripts/test.sh", "test/probe.test.ts"], repo.dir, { env, timeoutMs: 300_000 });
      expect(result.code, `run ${run}\n${result.stdout}\n${result.stderr}`).toBe(0);
      expect(result.stdout).toContain("note: testing the committed HEAD");
      expect(result.stdout.trim().split("\n").at(-1)).toBe("1 passed, 0 failed");
      // Something the suite leaves in its clone is gone before the next run.
      writeFileSync(join(suite, "leftover.txt"), "from the last run\n");
    }
    // The caller's working tree is as it was left.
    expect(readFileSync(join(repo.dir, "package-lock.json"), "utf8")).toBe("{}\n");
    expect(readFileSync(join(repo.dir, "packages/orders/package.json"), "utf8")).toContain("@shipyard/orders");
  });

  it("a failing probe gives a failing summary and exit code", async () => {
    const suite = join(work, "suite");
    const env = { SHIPYARD_SUITE_DIR: suite, EXPECTED_SUITE_DIR: "somewhere else", PATH: `${join(work, "bin")}:${process.env.PATH}` };
    const result = await runCommand("bash", ["scripts/test.sh", "test/probe.test.ts"], repo.dir, { env, timeoutMs: 300_000 });
    expect(result.code).not.toBe(0);
    expect(result.stdout.trim().split("\n").at(-1)).toBe("0 passed, 1 failed");
  });
});
