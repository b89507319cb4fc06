#!/usr/bin/env node
// What the repository lock and the confined Tree cost a command (issue #10: less than 5 ms), timed in-process with
// performance.now() around the calls a command makes, in a fresh copy of this repository:
//   import      loading engine/lock.js and engine/tree.js (and pause.js, node:os), once the module loader is running:
//               errors.js, node:fs and node:path, which every CLI entry has loaded before a command starts, are
//               imported first and not counted
//   tree        new Tree(root): the root's real path
//   lock        acquireLock: mkdir of node_modules/.cache/shipyard, the lock file written and hard-linked
//   confine     tree.diskPath of every file of the repository (N paths: each folder listed once, links resolved)
//   release     the lock file removed, the empty folders pruned
// "cold" is each step's first call in a new process (what one CLI run pays: no JIT warm-up), median of RUNS
// processes; "warm" is the mean of 1000 rounds in one process. Each is timed twice: wall clock, and the process's
// CPU time (process.cpuUsage, user + system), which hardly moves with the machine's load.
//
// and, in an in-process `add service orders --yes`, the wall time spent in the Tree's methods (outermost calls:
// reads, writes, listChanges…) and, of that, in confining paths.
//
//   npm run build -w create-shipyard && node bench/lock-tree.mjs      # RUNS=21 by default; --json
//   BASELINE=<dir> node bench/lock-tree.mjs   # also another built checkout's lock and tree, interleaved, same copy
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const root = resolve(import.meta.dirname, "..");
const dist = process.env.BENCH_DIST ?? join(root, "generators/dist/engine");
const runs = Number(process.env.RUNS ?? 21);

if (process.argv[2] === "--add") {
  // One in-process `add service orders --yes`, with the time spent confining paths (Tree#diskPath) summed up.
  const dir = process.argv[3];
  const { Tree } = await import(pathToFileURL(join(dist, "tree.js")).href);
  // Confinement: diskPath, or (since the per-folder listings) the private confine that diskPath and reads share.
  const confining = ["confine", "diskPath"].find((name) => typeof Tree.prototype[name] === "function" && (name !== "diskPath" || !Tree.prototype.confine));
  const spent = { calls: 0, wall: 0, treeWall: 0 };
  let depth = 0;
  const wrap = (name, onDone) => {
    const original = Tree.prototype[name];
    if (typeof original !== "function") return;
    Tree.prototype[name] = function (...args) {
      if (depth++ > 0 && name !== confining) {
        try {
          return original.apply(this, args);
        } finally {
          depth--;
        }
      }
      // Wall clock only: process.cpuUsage costs microseconds a call, more than many of the calls it would time.
      const wall = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        depth--;
        onDone(performance.now() - wall, depth === 0);
      }
    };
  };
  wrap(confining, (wall, outermost) => {
    spent.wall += wall;
    spent.calls++;
    if (outermost) spent.treeWall += wall;
  });
  for (const name of ["read", "readBytes", "readDisk", "exists", "list", "write", "copy", "delete", "rename", "listChanges"]) {
    wrap(name, (wall) => {
      spent.treeWall += wall;
    });
  }
  const { add } = await import(pathToFileURL(join(dist, "../commands/add.js")).href);
  const started = performance.now();
  await add({ cwd: dir, template: "service", given: { name: "orders" }, yes: true, interactive: false, dryRun: false });
  process.stdout.write(JSON.stringify({ ...spent, add: performance.now() - started }));
  process.exit(0);
}

if (process.argv[2] === "--child") {
  // One process: the cold calls, then (with --warm) the warm rounds.
  const [, , , dir, warm] = process.argv;
  const files = JSON.parse(process.env.BENCH_FILES);
  const times = {};
  const cpu = {};
  const cpuMs = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  // What every CLI entry has loaded before a command takes the lock: not the lock's or the tree's cost.
  await import(pathToFileURL(join(dist, "../errors.js")).href);
  await import("node:fs");
  await import("node:path");
  let started = performance.now();
  let startedCpu = cpuMs();
  const { acquireLock } = await import(pathToFileURL(join(dist, "lock.js")).href);
  const { Tree } = await import(pathToFileURL(join(dist, "tree.js")).href);
  times.import = performance.now() - started;
  cpu.import = cpuMs() - startedCpu;
  const round = (record) => {
    const lap = (name) => {
      const now = performance.now();
      const nowCpu = cpuMs();
      if (record) {
        times[name] = now - started;
        cpu[name] = nowCpu - startedCpu;
      }
      started = now;
      startedCpu = nowCpu;
    };
    started = performance.now();
    startedCpu = cpuMs();
    const tree = new Tree(dir);
    lap("tree");
    const release = acquireLock(tree.diskPath("node_modules/.cache/shipyard"), "bench", tree.root);
    lap("lock");
    for (const path of files) tree.diskPath(path);
    lap("confine");
    release();
    lap("release");
  };
  round(true);
  if (warm) {
    const rounds = 1000;
    const begin = performance.now();
    const beginCpu = cpuMs();
    for (let index = 0; index < rounds; index++) round(false);
    times.warmRound = (performance.now() - begin) / rounds;
    cpu.warmRound = (cpuMs() - beginCpu) / rounds;
  }
  process.stdout.write(JSON.stringify({ times, cpu }));
  process.exit(0);
}

if (!existsSync(join(dist, "tree.js"))) throw new Error("generators/dist is missing: npm run build -w create-shipyard");
const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" })
  .split("\0")
  .filter((path) => path && existsSync(join(root, path)));
const scratch = mkdtempSync(join(tmpdir(), "shipyard-bench-lock-"));
try {
  const dir = join(scratch, "repo");
  for (const path of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    cpSync(join(root, path), join(dir, path));
  }
  const variants = [{ name: "this checkout", dist }];
  if (process.env.BASELINE) {
    const baseline = join(resolve(process.env.BASELINE), "generators/dist/engine");
    if (!existsSync(join(baseline, "tree.js"))) throw new Error(`${baseline} is missing: build the baseline first`);
    variants.push({ name: "baseline", dist: baseline });
  }
  const envOf = (variant) => ({ ...process.env, BENCH_FILES: JSON.stringify(files), BENCH_DIST: variant.dist });
  const child = (variant, warm) => {
    const result = spawnSync(process.execPath, [import.meta.filename, "--child", dir, warm ? "warm" : ""], { env: envOf(variant), encoding: "utf8" });
    if (result.status !== 0) throw new Error(result.stderr);
    return JSON.parse(result.stdout);
  };
  const addOnce = (variant) => {
    const copy = join(scratch, `add-${Math.random().toString(36).slice(2)}`);
    cpSync(dir, copy, { recursive: true });
    const result = spawnSync(process.execPath, [import.meta.filename, "--add", copy], { env: envOf(variant), encoding: "utf8" });
    if (result.status !== 0) throw new Error(result.stderr);
    rmSync(copy, { recursive: true, force: true });
    return JSON.parse(result.stdout);
  };
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  };
  const steps = ["import", "tree", "lock", "confine", "release"];
  // Interleaved, run by run, so that both see the same machine load.
  for (const variant of variants) child(variant, false); // warm-up: disk cache
  const samples = new Map(variants.map((variant) => [variant, []]));
  const adds = new Map(variants.map((variant) => [variant, []]));
  for (let run = 0; run < runs; run++) for (const variant of variants) samples.get(variant).push(child(variant, false));
  for (let run = 0; run < runs; run++) for (const variant of variants) adds.get(variant).push(addOnce(variant));
  const results = variants.map((variant) => {
    const warm = child(variant, true);
    const summary = (clock) => ({
      ...Object.fromEntries(steps.map((step) => [step, median(samples.get(variant).map((sample) => sample[clock][step]))])),
      total: median(samples.get(variant).map((sample) => steps.reduce((sum, step) => sum + sample[clock][step], 0))),
      warmRound: warm[clock].warmRound,
    });
    const keys = ["calls", "wall", "treeWall", "add"];
    const inAdd = Object.fromEntries(keys.map((key) => [key, median(adds.get(variant).map((sample) => sample[key] ?? Number.NaN))]));
    return { name: variant.name, wall: summary("times"), cpu: summary("cpu"), inAdd };
  });
  const load = (await import("node:os")).loadavg()[0].toFixed(2);
  if (process.argv.includes("--json")) {
    process.stdout.write(`${JSON.stringify({ runs, files: files.length, results, load: Number(load) })}\n`);
  } else {
    process.stdout.write(`lock + tree, in-process, ${files.length} paths confined, median of ${runs} processes (node ${process.version}, load ${load})\n`);
    process.stdout.write(`  step     ${results.map((result) => result.name.padStart(22)).join("")}\n`);
    process.stdout.write(`           ${results.map(() => "   wall ms    cpu ms".padStart(22)).join("")}\n`);
    for (const step of [...steps, "total", "warmRound"]) {
      const cells = results.map((result) => `${result.wall[step].toFixed(2).padStart(11)}${result.cpu[step].toFixed(2).padStart(11)}`);
      process.stdout.write(`  ${step.padEnd(9)}${cells.join("")}\n`);
    }
    for (const { name, inAdd, cpu } of results) {
      process.stdout.write(
        `  ${name}: in an in-process \`add service orders --yes\` (${inAdd.add.toFixed(1)} ms): ${inAdd.treeWall.toFixed(2)} ms in the Tree's methods (reads included), ${inAdd.wall.toFixed(2)} ms of it confining ${inAdd.calls} paths (wall)\n`,
      );
      const work = cpu.total - cpu.import;
      process.stdout.write(
        `  ${name}: target 5 ms cold: the lock's and the tree's work ${work.toFixed(2)} ms cpu, ${work < 5 ? "met" : "MISSED"}; with loading their modules ${cpu.total.toFixed(2)} ms, ${cpu.total < 5 ? "met" : "MISSED"}\n`,
      );
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
