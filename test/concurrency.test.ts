// Two Shipyard commands at the same moment in one repository (two terminals, an editor's task and a shell): one
// waits for the other, or refuses naming it. Never a silent loss, a corrupted state, or a stack trace.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CommandResult, ensureCliBuilt, makeTempRepo, runShipyard, shipyardUntilPaused, type TempRepo } from "./support/repo.js";

const LOCKED = /^shipyard: error: another shipyard command \(pid \d+, `shipyard (add service \S+ --yes|update)`, since \d\d:\d\d:\d\d\) is running in this repository\.$/m;

let base: TempRepo;
const copies: string[] = [];
beforeAll(() => {
  ensureCliBuilt();
  base = makeTempRepo({ git: false });
});
afterAll(() => {
  base.remove();
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

/** A fresh copy of the base repository (cheaper than a new makeTempRepo for every trial). */
function copy(): string {
  const dir = mkdtempSync(join(tmpdir(), "shipyard-race-"));
  cpSync(base.dir, dir, { recursive: true });
  copies.push(dir);
  return dir;
}

function expectClean(result: CommandResult) {
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr).not.toContain("unexpected error");
}

/** An add either did all of its work, or refused naming the other command and did none of it. */
function expectAdd(dir: string, name: string, result: CommandResult) {
  expectClean(result);
  const files = [`packages/${name}/package.json`, `.shipyard/units/${name}.json`, `.github/workflows/${name}.yml`];
  if (result.code === 0) {
    expect(result.stdout).toContain(`Added service ${name}`);
    for (const path of files) expect(existsSync(join(dir, path)), `${path} after "Added service ${name}"`).toBe(true);
  } else {
    expect(result.stderr, `add ${name} failed without naming the other command`).toMatch(LOCKED);
    for (const path of files) expect(existsSync(join(dir, path)), `${path} after a refusal`).toBe(false);
  }
}

describe("one Shipyard command at a time per repository", () => {
  it("50 trials of two concurrent `add service`: both added, or one refuses naming the other; nothing lost", async () => {
    const dir = copy();
    let refused = 0;
    for (let trial = 0; trial < 50; trial++) {
      const [a, b] = [`a${trial}`, `b${trial}`];
      const [first, second] = await Promise.all([
        runShipyard(dir, ["add", "service", a, "--yes"]),
        runShipyard(dir, ["add", "service", b, "--yes"]),
      ]);
      expectAdd(dir, a, first);
      expectAdd(dir, b, second);
      if (first.code !== 0 || second.code !== 0) refused++;
    }
    // Every record that exists is whole (a half-written JSON would throw here).
    for (let trial = 0; trial < 50; trial++) {
      for (const name of [`a${trial}`, `b${trial}`]) {
        const path = join(dir, `.shipyard/units/${name}.json`);
        if (existsSync(path)) expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({ template: "service" });
      }
    }
    expect(existsSync(join(dir, "node_modules/.cache/shipyard")), "no lock or staging left behind").toBe(false);
    // Waiting is the common case; a refusal is allowed (a loaded machine), silence is not.
    expect(refused).toBeLessThan(50);
  }, 600_000);

  it("30 trials of `update` racing `add`: each does all of its work or refuses naming the other", async () => {
    for (let trial = 0; trial < 30; trial++) {
      const dir = copy();
      // A template change for the update to bring in.
      const template = join(dir, "templates/service/files/packages/__name__/Dockerfile");
      writeFileSync(template, `${readFileSync(template, "utf8")}# trial ${trial}\n`);
      const name = `race${trial}`;
      const [updated, added] = await Promise.all([runShipyard(dir, ["update"]), runShipyard(dir, ["add", "service", name, "--yes"])]);
      expectClean(updated);
      expectAdd(dir, name, added);
      if (updated.code === 0) {
        expect(readFileSync(join(dir, "packages/hello/Dockerfile"), "utf8")).toContain(`# trial ${trial}`);
        // Whichever ran first, the repository is now consistent: the new service was rendered from the new
        // template, or updated with it.
        const check = await runShipyard(dir, ["update", "--check"]);
        expect(check.code, check.stdout + check.stderr).toBe(0);
      } else {
        expect(updated.stderr).toMatch(LOCKED);
        expect(readFileSync(join(dir, "packages/hello/Dockerfile"), "utf8")).not.toContain(`# trial ${trial}`);
      }
    }
  }, 600_000);

  it("a command waits for the lock a few seconds, then fails naming the holder; a dead holder's lock is taken over", async () => {
    const dir = copy();
    const holder = await shipyardUntilPaused(dir, ["update"], "locked");
    try {
      const second = await runShipyard(dir, ["add", "service", "late", "--yes"], { env: { SHIPYARD_LOCK_WAIT_MS: "500" } });
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(new RegExp(`another shipyard command \\(pid ${holder.child.pid}, \`shipyard update\`, since \\d\\d:\\d\\d:\\d\\d\\) is running in this repository`));
      expect(existsSync(join(dir, "packages/late"))).toBe(false);
    } finally {
      holder.child.kill("SIGKILL");
      await holder.exited;
    }
    // Its owner is dead: the lock is stale at once, no waiting for an age.
    const third = await runShipyard(dir, ["add", "service", "late", "--yes"], { env: { SHIPYARD_LOCK_WAIT_MS: "0" } });
    expect(third.code, third.stderr).toBe(0);
    expect(existsSync(join(dir, "packages/late/package.json"))).toBe(true);
  });
});
