// turbo orchestration of a generated monorepo, for real: a copy of this repository with a library (ledger), a service
// that uses it (api) and an unrelated service (packages/hello).
// - Shared cache: `turbo run build test` in one clone uploads to a self-hosted turborepo-remote-cache on 127.0.0.1;
//   a fresh `git clone` (no .turbo, no dist, after `npm ci`) replays every task as a remote hit, dist/ restored.
// - Order and affected-only: changing only the library rebuilds and retests the library and api, hello stays cached;
//   `--affected` and `--filter=...[main]` select ledger and api, not hello.
// turbo treats a rejected token or an unreachable cache as a warning (exit 0), so hits are asserted from the run
// summary (`--summarize`), never from the exit code.
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureCliBuilt, git, makeTempRepo, runCommand, runShipyard, type TempRepo } from "./support/repo.js";
import { startTurboCache, type TurboCache } from "./support/turbo-cache.js";
import { turboEnv, turboRun as turboRunWithSummary } from "./support/turbo-run.js";

/** `turbo run <tasks>` with a run summary (test/support/turbo-run.ts), which must exit 0. */
async function turboRun(dir: string, args: string[], env: Record<string, string> = {}) {
  const run = await turboRunWithSummary(dir, args, { env });
  expect(run.code, run.output.slice(-8000)).toBe(0);
  if (!run.summarized) throw new Error(`no run summary in ${join(dir, ".turbo/runs")}\n${run.output.slice(-4000)}`);
  return run;
}

/** When the last file under `dir` was written, in whole ms since the epoch (turbo's summary times are whole ms). */
function lastWrite(dir: string): number {
  return Math.floor(Math.max(...readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => statSync(join(e.parentPath, e.name)).mtimeMs)));
}

/** The packages turbo would run for `args`, from `--dry=json` (nothing runs). */
async function selectedPackages(dir: string, args: string[], env: Record<string, string> = {}): Promise<string[]> {
  const result = await runCommand(join(dir, "node_modules/.bin/turbo"), ["run", ...args, "--dry=json"], dir, { env: turboEnv(env) });
  expect(result.code, result.stdout + result.stderr).toBe(0);
  return [...new Set((JSON.parse(result.stdout) as { tasks: Array<{ package: string }> }).tasks.map((task) => task.package))].sort();
}

let scope: string;
const pkg = (name: string) => `@${scope}/${name}`;
const PACKAGES = ["ledger", "api", "hello"] as const;
const TASKS = ["build", "test"] as const;
const taskIds = () => PACKAGES.flatMap((name) => TASKS.map((task) => `${pkg(name)}#${task}`));
const FILTER = "--filter=./packages/*";

let cache: TurboCache;
let origin: TempRepo;
const clones: string[] = [];

beforeAll(async () => {
  ensureCliBuilt();
  cache = await startTurboCache();
  origin = makeTempRepo();
  scope = (JSON.parse(readFileSync(join(origin.dir, ".shipyard/config.json"), "utf8")) as { scope: string }).scope;
  for (const args of [
    ["add", "library", "ledger", "--yes"],
    ["add", "service", "api", "--uses", "ledger", "--yes"],
  ]) {
    const result = await runShipyard(origin.dir, args);
    expect(result.code, `shipyard ${args.join(" ")}\n${result.stdout}${result.stderr}`).toBe(0);
  }
  // api calls the library for real, so its build and tests go through the library's compiled code and types.
  const appPath = join(origin.dir, "packages/api/src/app.ts");
  const app = readFileSync(appPath, "utf8");
  writeFileSync(
    appPath,
    `import { formatCents } from "${pkg("ledger")}";\n${app.replace(
      "  return app;\n}",
      '  app.get("/balance", async () => ({ balance: formatCents(123456) }));\n\n  return app;\n}',
    )}`,
  );
  writeFileSync(
    join(origin.dir, "packages/api/test/balance.test.ts"),
    `import { expect, it } from "vitest";
import { buildApp } from "../src/app.ts";

it("formats the balance with ${pkg("ledger")}", async () => {
  const app = buildApp();
  expect((await app.inject({ url: "/balance" })).json()).toEqual({ balance: "1234.56" });
  await app.close();
});
`,
  );
  const install = await runCommand("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], origin.dir, { timeoutMs: 600_000 });
  expect(install.code, `npm install\n${install.stderr}`).toBe(0);
  // The lockfile npm install updated is committed with the new packages, so a clone can `npm ci`.
  await git(origin.dir, "add", "--all");
  await git(origin.dir, "commit", "--quiet", "--no-verify", "-m", "ledger library and api service");
  expect((await git(origin.dir, "status", "--porcelain")).trim(), "everything is committed").toBe("");
}, 900_000);

afterAll(async () => {
  await cache?.stop();
  origin?.remove();
  if (process.env.SHIPYARD_KEEP_TMP !== "1") for (const dir of clones) rmSync(dir, { recursive: true, force: true });
});

describe("remote cache (self-hosted turborepo-remote-cache on 127.0.0.1)", () => {
  it("a fresh clone replays every build and test from the remote cache, build outputs restored", async () => {
    const first = await turboRun(origin.dir, ["build", "test", FILTER], cache.env);
    for (const id of taskIds()) {
      expect(first.tasks[id]?.cache.status, `${id} in the first run\n${first.output.slice(-4000)}`).toBe("MISS");
    }
    expect(first.output).not.toMatch(/failed to contact remote cache/);
    expect((await cache.artifacts()).length, "artifacts uploaded").toBeGreaterThanOrEqual(taskIds().length);
    console.log(`cold build test (3 packages, uploads): ${first.ms} ms`);

    const clone = `${origin.dir}-clone`;
    clones.push(clone);
    await git(origin.dir, "clone", "--quiet", origin.dir, clone);
    const ci = await runCommand("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"], clone, { timeoutMs: 600_000 });
    expect(ci.code, `npm ci\n${ci.stderr}`).toBe(0);
    expect(existsSync(join(clone, ".turbo")), "no local turbo cache in the clone").toBe(false);
    for (const name of PACKAGES) expect(existsSync(join(clone, `packages/${name}/dist`)), `no packages/${name}/dist yet`).toBe(false);

    const second = await turboRun(clone, ["build", "test", FILTER], cache.env);
    console.log(`fresh clone, remote hits: ${second.ms} ms`);
    for (const id of taskIds()) {
      expect(second.tasks[id]?.cache, `${id} in the fresh clone\n${second.output.slice(-4000)}`).toMatchObject({
        status: "HIT",
        source: "REMOTE",
        remote: true,
        local: false,
      });
    }
    expect(second.output).toContain("FULL TURBO");
    expect(second.output).not.toMatch(/failed to contact remote cache/);
    for (const [name, file] of [
      ["ledger", "index.js"],
      ["ledger", "index.d.ts"],
      ["api", "app.js"],
      ["api", "server.js"],
      ["hello", "server.js"],
    ]) {
      const path = `packages/${name}/dist/${file}`;
      expect(existsSync(join(clone, path)), `${path} restored`).toBe(true);
      expect(readFileSync(join(clone, path), "utf8"), path).toBe(readFileSync(join(origin.dir, path), "utf8"));
    }
    // The restored build runs.
    const script = `const { buildApp } = await import("./packages/api/dist/app.js");
const app = buildApp();
console.log(JSON.stringify((await app.inject({ url: "/balance" })).json()));
await app.close();`;
    const run = await runCommand(process.execPath, ["--input-type=module", "-e", script], clone);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ balance: "1234.56" });
  });
});

describe("order and affected-only runs", () => {
  it("changing only the library rebuilds and retests it and api; hello stays cached", async () => {
    // A fully cached run first (the previous test filled the cache; without it this run fills it).
    await turboRun(origin.dir, ["build", "test", FILTER]);
    const cached = await turboRun(origin.dir, ["build", "test", FILTER]);
    for (const id of taskIds()) expect(cached.tasks[id]?.cache.status, `${id} replayed`).toBe("HIT");
    expect(cached.output).toContain("FULL TURBO");

    const library = join(origin.dir, "packages/ledger/src/index.ts");
    writeFileSync(library, `${readFileSync(library, "utf8")}\n/** Added by the test: a change to the library only. */\nexport const currency = "EUR";\n`);
    const changed = await turboRun(origin.dir, ["build", "test", FILTER]);
    for (const name of ["ledger", "api"]) {
      for (const task of TASKS) expect(changed.tasks[`${pkg(name)}#${task}`]?.cache.status, `${name}#${task} re-ran`).toBe("MISS");
    }
    for (const task of TASKS) expect(changed.tasks[`${pkg("hello")}#${task}`]?.cache.status, `hello#${task} replayed`).toBe("HIT");
    // Build order: api's build and tests start once the library's build has written its output. (The summary's
    // endTime of a task is taken after turbo has stored its outputs, a few ms after dependents may start: the last
    // write to the library's dist/ is the moment that matters.)
    const ledgerWritten = lastWrite(join(origin.dir, "packages/ledger/dist"));
    expect(ledgerWritten).toBeGreaterThanOrEqual(changed.tasks[`${pkg("ledger")}#build`]?.execution?.startTime ?? Number.POSITIVE_INFINITY);
    for (const task of TASKS) {
      expect(changed.tasks[`${pkg("api")}#${task}`]?.execution?.startTime, `api#${task} after ledger's dist/ is written`).toBeGreaterThanOrEqual(ledgerWritten);
    }
    expect(readFileSync(join(origin.dir, "packages/ledger/dist/index.d.ts"), "utf8")).toContain("currency");
  });

  it("--affected and --filter=...[main] select the library and its dependents only", async () => {
    await git(origin.dir, "checkout", "--quiet", "-b", "change-ledger");
    await git(origin.dir, "commit", "--quiet", "--no-verify", "--all", "-m", "ledger: add currency");
    const expected = [pkg("api"), pkg("ledger")].sort();
    // --affected compares with main (TURBO_SCM_BASE; on GitHub the pull request's base branch).
    expect(await selectedPackages(origin.dir, ["build", "test", "--affected"], { TURBO_SCM_BASE: "main" })).toEqual(expected);
    expect(await selectedPackages(origin.dir, ["build", "test", "--filter=...[main]"])).toEqual(expected);
    // Uncommitted changes count too: a change to hello alone selects hello.
    const hello = join(origin.dir, "packages/hello/src/app.ts");
    writeFileSync(hello, `${readFileSync(hello, "utf8")}\n// touched\n`);
    try {
      expect(await selectedPackages(origin.dir, ["build", "test", "--filter=...[HEAD]"])).toEqual([pkg("hello")]);
    } finally {
      await git(origin.dir, "checkout", "--quiet", "--", "packages/hello/src/app.ts");
    }
    // And the real run of the affected packages replays them (they were built in the previous test).
    const affected = await turboRun(origin.dir, ["build", "test", "--affected"], { TURBO_SCM_BASE: "main" });
    expect(Object.keys(affected.tasks).sort()).toEqual(TASKS.flatMap((task) => [`${pkg("api")}#${task}`, `${pkg("ledger")}#${task}`]).sort());
    for (const task of Object.values(affected.tasks)) expect(task.cache.status, task.taskId).toBe("HIT");
  });
});
