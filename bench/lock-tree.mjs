#!/usr/bin/env node
// What the repository lock and the confined Tree cost a command (issue #10: less than 5 ms), timed in-process with
// performance.now() around the calls a command makes, in a fresh copy of this repository:
//   import      loading engine/lock.js and engine/tree.js (and what they import: errors, pause)
//   tree        new Tree(root): the root's real path
//   lock        acquireLock: mkdir of node_modules/.cache/shipyard, the lock file written and hard-linked
//   confine     tree.diskPath of every file of the repository (N paths: each folder's verdict once, lstat of each file)
//   release     the lock file removed, the empty folders pruned
// and, in an in-process `add service orders --yes` (a real write), the time spent in Tree#diskPath, summed.
// "cold" is each step's first call in a new process (what one CLI run pays: no JIT warm-up), median of RUNS
// processes; "warm" is the mean of 1000 rounds in one process. Each is timed twice: wall clock, and the process's
// CPU time (process.cpuUsage, user + system), which hardly moves with the machine's load.
//
//   npm run build -w create-shipyard && node bench/lock-tree.mjs      # RUNS=21 by default; --json
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const root = resolve(import.meta.dirname, "..");
const dist = join(root, "generators/dist/engine");
const runs = Number(process.env.RUNS ?? 21);

if (process.argv[2] === "--add") {
  // One in-process `add service orders --yes`, with the time spent confining paths (Tree#diskPath) summed up.
  const dir = process.argv[3];
  const { Tree } = await import(pathToFileURL(join(dist, "tree.js")).href);
  const original = Tree.prototype.diskPath;
  const spent = { calls: 0, wall: 0, cpu: 0 };
  Tree.prototype.diskPath = function (...args) {
    const wall = performance.now();
    const cpu = process.cpuUsage();
    try {
      return original.apply(this, args);
    } finally {
      const used = process.cpuUsage(cpu);
      spent.wall += performance.now() - wall;
      spent.cpu += (used.user + used.system) / 1000;
      spent.calls++;
    }
  };
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
  const env = { ...process.env, BENCH_FILES: JSON.stringify(files) };
  const child = (warm) => {
    const result = spawnSync(process.execPath, [import.meta.filename, "--child", dir, warm ? "warm" : ""], { env, encoding: "utf8" });
    if (result.status !== 0) throw new Error(result.stderr);
    return JSON.parse(result.stdout);
  };
  const addOnce = () => {
    const copy = join(scratch, `add-${Math.random().toString(36).slice(2)}`);
    cpSync(dir, copy, { recursive: true });
    const result = spawnSync(process.execPath, [import.meta.filename, "--add", copy], { encoding: "utf8" });
    if (result.status !== 0) throw new Error(result.stderr);
    rmSync(copy, { recursive: true, force: true });
    return JSON.parse(result.stdout);
  };
  child(false); // warm-up: disk cache
  const samples = Array.from({ length: runs }, () => child(false));
  const warm = child(true);
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  };
  const steps = ["import", "tree", "lock", "confine", "release"];
  const summary = (clock) => ({
    ...Object.fromEntries(steps.map((step) => [step, median(samples.map((sample) => sample[clock][step]))])),
    total: median(samples.map((sample) => steps.reduce((sum, step) => sum + sample[clock][step], 0))),
    warmRound: warm[clock].warmRound,
  });
  const adds = Array.from({ length: runs }, addOnce);
  const inAdd = Object.fromEntries(["calls", "wall", "cpu", "add"].map((key) => [key, median(adds.map((sample) => sample[key]))]));
  const wall = summary("times");
  const cpu = summary("cpu");
  const load = (await import("node:os")).loadavg()[0].toFixed(2);
  if (process.argv.includes("--json")) {
    process.stdout.write(`${JSON.stringify({ runs, files: files.length, wall, cpu, inAdd, load: Number(load) })}\n`);
  } else {
    process.stdout.write(`lock + tree, in-process, ${files.length} paths confined, median of ${runs} processes (node ${process.version}, load ${load})\n`);
    process.stdout.write("  step        wall ms    cpu ms\n");
    for (const step of [...steps, "total"]) process.stdout.write(`  ${step.padEnd(8)} ${wall[step].toFixed(2).padStart(9)} ${cpu[step].toFixed(2).padStart(9)}\n`);
    process.stdout.write(
      `  in an in-process \`add service orders --yes\` (${inAdd.add.toFixed(1)} ms): ${inAdd.calls} paths confined in ${inAdd.wall.toFixed(2)} ms wall, ${inAdd.cpu.toFixed(2)} ms cpu\n`,
    );
    process.stdout.write(`  warm round ${wall.warmRound.toFixed(3)} ms wall, ${cpu.warmRound.toFixed(3)} ms cpu; target 5 ms cold: ${cpu.total < 5 ? "met" : "MISSED"} (cpu)\n`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
