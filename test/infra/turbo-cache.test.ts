// Proves test/support/turbo-cache.ts: a build in one clone is replayed from the remote cache in a fresh clone
// (no .turbo, no dist), and a wrong token gets no hits (turbo only warns and exits 0, so hits are what we assert).
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, run } from "../support/registry.ts";
import { startTurboCache, type TurboCache, turboEnv } from "../support/turbo-cache.ts";

const TURBO = join(repoRoot, "node_modules/.bin/turbo");
const PACKAGES = ["a", "b"] as const;

let cache: TurboCache;
let work: string;
let origin: string;

interface TaskCache {
  taskId: string;
  cache: { status: "HIT" | "MISS"; source?: "LOCAL" | "REMOTE"; local: boolean; remote: boolean };
}

beforeAll(async () => {
  if (!existsSync(TURBO)) throw new Error(`${TURBO} missing: run npm ci at the repository root first`);
  work = await mkdtemp(join(tmpdir(), "shipyard-turbo-cache-test-"));
  origin = join(work, "origin");
  await makeRepo(origin);
  cache = await startTurboCache();
  console.log(`turbo cache ${cache.api} answered after ${cache.startMs} ms`);
});

afterAll(async () => {
  await cache?.stop();
  await cache?.stop(); // safe twice
  if (work) await rm(work, { recursive: true, force: true });
});

/** npm-workspaces repo: b depends on a; each build writes dist/out.txt with a value that differs on every run. */
async function makeRepo(dir: string): Promise<void> {
  const write = async (path: string, content: string) => {
    await mkdir(join(dir, path, ".."), { recursive: true });
    await writeFile(join(dir, path), content);
  };
  const npmVersion = (await run("npm", ["--version"])).stdout.trim();
  await write(
    "package.json",
    JSON.stringify({ name: "turbo-demo", private: true, workspaces: ["packages/*"], packageManager: `npm@${npmVersion}` }, null, 2),
  );
  await write("turbo.json", JSON.stringify({ tasks: { build: { dependsOn: ["^build"], outputs: ["dist/**"] } } }, null, 2));
  await write(".gitignore", "node_modules/\ndist/\n.turbo/\n");
  const lock: Record<string, unknown> = { "": { name: "turbo-demo", workspaces: ["packages/*"] } };
  for (const name of PACKAGES) {
    const deps = name === "b" ? { "@demo/a": "0.0.0" } : undefined;
    await write(
      `packages/${name}/package.json`,
      JSON.stringify({ name: `@demo/${name}`, version: "0.0.0", private: true, scripts: { build: "node build.js" }, dependencies: deps }, null, 2),
    );
    await write(
      `packages/${name}/build.js`,
      `const fs = require("node:fs");\nfs.mkdirSync("dist", { recursive: true });\nfs.writeFileSync("dist/out.txt", "${name} " + process.hrtime.bigint() + "\\n");\n`,
    );
    lock[`node_modules/@demo/${name}`] = { resolved: `packages/${name}`, link: true };
    lock[`packages/${name}`] = { name: `@demo/${name}`, version: "0.0.0", ...(deps ? { dependencies: deps } : {}) };
  }
  // Written by hand (what `npm install` writes) so turbo can read the lockfile without an install.
  await write("package-lock.json", JSON.stringify({ name: "turbo-demo", lockfileVersion: 3, requires: true, packages: lock }, null, 2));
  const git = ["-c", "user.name=Shipyard Test", "-c", "user.email=test@shipyard.invalid", "-c", "commit.gpgsign=false"];
  await run("git", ["init", "-q", "-b", "main", dir]);
  await run("git", [...git, "-C", dir, "add", "-A"]);
  await run("git", [...git, "-C", dir, "commit", "-q", "-m", "init"]);
}

async function freshClone(name: string): Promise<string> {
  const dir = join(work, name);
  await run("git", ["clone", "-q", origin, dir]);
  expect(existsSync(join(dir, ".turbo"))).toBe(false);
  expect(existsSync(join(dir, "packages/a/dist"))).toBe(false);
  return dir;
}

async function turboBuild(cwd: string, env: Record<string, string>) {
  // An explicit --cache-dir and turboEnv() (which drops inherited TURBO_* such as TURBO_CACHE_DIR, TURBO_CACHE or
  // TURBO_FORCE) so that only the remote cache can produce a hit in a fresh clone.
  const result = await run(TURBO, ["run", "build", "--summarize", "--ui=stream", "--log-order=grouped", "--cache-dir=.turbo/cache"], {
    cwd,
    env: turboEnv(env),
    timeoutMs: 120_000,
  });
  const runsDir = join(cwd, ".turbo/runs");
  const [summaryFile] = await readdir(runsDir);
  if (!summaryFile) throw new Error(`no run summary in ${runsDir}\n${result.stdout}\n${result.stderr}`);
  const summary = JSON.parse(await readFile(join(runsDir, summaryFile), "utf8")) as { tasks: TaskCache[] };
  const tasks = Object.fromEntries(summary.tasks.map((t) => [t.taskId, t.cache]));
  return { ...result, output: result.stdout + result.stderr, tasks };
}

const taskIds = PACKAGES.map((p) => `@demo/${p}#build`);

describe("turbo remote cache (turborepo-remote-cache)", () => {
  let outputs: Record<string, string>;

  it("replays every task from the remote cache in a fresh clone", async () => {
    const first = await turboBuild(await freshClone("first"), cache.env);
    console.log(`first build (miss + upload): ${first.ms} ms`);
    for (const id of taskIds) expect(first.tasks[id]?.status, first.output).toBe("MISS");
    expect(await cache.artifacts()).not.toHaveLength(0);
    outputs = {};
    for (const p of PACKAGES) outputs[p] = await readFile(join(work, "first", `packages/${p}/dist/out.txt`), "utf8");

    const dir = await freshClone("second");
    const second = await turboBuild(dir, cache.env);
    console.log(`second build (remote hits): ${second.ms} ms`);
    for (const id of taskIds) {
      expect(second.tasks[id], second.output).toMatchObject({ status: "HIT", source: "REMOTE", remote: true, local: false });
    }
    expect(second.output).toContain("cache hit, replaying logs");
    expect(second.output).toContain("FULL TURBO");
    // Restored from the artifact, not rebuilt: the content (with its per-run timestamp) is the first build's.
    for (const p of PACKAGES) expect(await readFile(join(dir, `packages/${p}/dist/out.txt`), "utf8")).toBe(outputs[p]);
  });

  it("gets no hits with a wrong token (turbo only warns and rebuilds)", async () => {
    const dir = await freshClone("wrong-token");
    const stored = await cache.artifacts();
    const result = await turboBuild(dir, { ...cache.env, TURBO_TOKEN: "wrong-token" });
    for (const id of taskIds) expect(result.tasks[id], result.output).toMatchObject({ status: "MISS", remote: false });
    expect(result.code).toBe(0); // the trap: a rejected token is not an error for turbo
    expect(result.output).not.toContain("FULL TURBO");
    expect(result.output).toMatch(/failed to contact remote cache: .*401 Unauthorized/);
    expect(await cache.artifacts()).toEqual(stored); // nothing uploaded either
    for (const p of PACKAGES) {
      expect(await readFile(join(dir, `packages/${p}/dist/out.txt`), "utf8")).not.toBe(outputs[p]);
    }
  });
});
