#!/usr/bin/env node
// Whole-process wall time of `create-shipyard <dir> --yes --no-install --no-git`, against create-vite scaffolding
// its vanilla-ts template in the same run (12 files copied, no template engine: the floor of a create-* CLI).
// Runs alternate between the two so both see the same machine load. Median of RUNS (default 21) after 2 warm-ups.
//
//   node bench/create.mjs            # RUNS=31 node bench/create.mjs;  --json for a machine-readable line
//   BASELINE=<dir> node bench/create.mjs   # also another built Shipyard checkout's create-shipyard, in the same run
//
// create-vite comes from bench/peers (installed there on first use with `npm install --prefix bench/peers create-vite`).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const runs = Math.max(15, Number(process.env.RUNS ?? 21));
const TARGET_MS = 200;

const createShipyard = join(repo, "generators/dist/cli/create-shipyard.js");
const createVite = join(repo, "bench/peers/node_modules/create-vite/index.js");

function ensure(path, command, args) {
  if (existsSync(path)) return;
  process.stderr.write(`bench: ${command} ${args.join(" ")}\n`);
  const result = spawnSync(command, args, { cwd: repo, stdio: "inherit" });
  if (result.status !== 0 || !existsSync(path)) throw new Error(`could not prepare ${path}`);
}
ensure(createShipyard, "npm", ["run", "build", "--silent", "-w", "create-shipyard"]);
ensure(createVite, "npm", ["install", "--prefix", "bench/peers", "--no-audit", "--no-fund", "create-vite"]);

const tools = {
  "create-shipyard": () => [createShipyard, "my-platform", "--yes", "--no-install", "--no-git"],
  "create-vite vanilla-ts": () => [createVite, "my-app", "--template", "vanilla-ts", "--no-interactive", "--no-immediate"],
};
const expected = { "create-shipyard": "my-platform/.shipyard/units/api.json", "create-vite vanilla-ts": "my-app/src/main.ts" };
if (process.env.BASELINE) {
  const baseline = join(process.env.BASELINE, "generators/dist/cli/create-shipyard.js");
  if (!existsSync(baseline)) throw new Error(`${baseline} is missing: build the baseline first`);
  tools["create-shipyard (baseline)"] = () => [baseline, "my-platform", "--yes", "--no-install", "--no-git"];
  expected["create-shipyard (baseline)"] = expected["create-shipyard"];
}

const work = mkdtempSync(join(tmpdir(), "shipyard-bench-create-"));
const env = { ...process.env, CI: "true" }; // never a prompt, never a spinner
for (const key of Object.keys(env)) if (/^npm_/i.test(key)) delete env[key];

// CPU time (user + sys) as well when GNU time is there: unlike wall time, it hardly moves with the machine's load.
const gnuTime = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
const cpuMarker = "shipyard-bench-cpu";

function once(name) {
  const dir = mkdtempSync(join(work, "run-"));
  const [command, args] = gnuTime
    ? [gnuTime, ["-f", `${cpuMarker} %U %S`, process.execPath, ...tools[name]()]]
    : [process.execPath, tools[name]()];
  const started = performance.now();
  const result = spawnSync(command, args, { cwd: dir, env, stdio: ["ignore", "ignore", "pipe"] });
  const ms = performance.now() - started;
  const stderr = result.stderr?.toString() ?? "";
  if (result.status !== 0 || !existsSync(join(dir, expected[name]))) throw new Error(`${name} failed (exit ${result.status}): ${stderr}`);
  rmSync(dir, { recursive: true, force: true });
  const cpu = stderr.match(new RegExp(`${cpuMarker} ([\\d.]+) ([\\d.]+)`));
  if (cpu) cpuSamples[name].push((Number(cpu[1]) + Number(cpu[2])) * 1000);
  return ms;
}

const samples = Object.fromEntries(Object.keys(tools).map((name) => [name, []]));
const cpuSamples = Object.fromEntries(Object.keys(tools).map((name) => [name, []]));
try {
  for (let warmup = 0; warmup < 2; warmup++) for (const name of Object.keys(tools)) once(name);
  for (const name of Object.keys(tools)) cpuSamples[name].length = 0;
  for (let run = 0; run < runs; run++) for (const name of Object.keys(tools)) samples[name].push(once(name));
} finally {
  rmSync(work, { recursive: true, force: true });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const stats = Object.fromEntries(
  Object.entries(samples).map(([name, values]) => [
    name,
    { median: median(values), min: Math.min(...values), max: Math.max(...values), cpuMedian: cpuSamples[name].length ? median(cpuSamples[name]) : undefined },
  ]),
);
const shipyard = stats["create-shipyard"].median;
const vite = stats["create-vite vanilla-ts"].median;
const baselineStats = stats["create-shipyard (baseline)"];
const result = {
  runs,
  ...(baselineStats ? { baselineMedianMs: Math.round(baselineStats.median), baselineRatio: Number((baselineStats.median / vite).toFixed(2)) } : {}),
  node: process.version,
  shipyardMedianMs: Math.round(shipyard),
  viteMedianMs: Math.round(vite),
  ratio: Number((shipyard / vite).toFixed(2)),
  load: Number((await import("node:os")).loadavg()[0].toFixed(2)),
  targetMs: TARGET_MS,
  withinTarget: shipyard <= TARGET_MS,
};

if (process.argv.includes("--json")) {
  process.stdout.write(`${JSON.stringify({ ...result, stats })}\n`);
} else {
  process.stdout.write(`create: whole-process wall time, median of ${runs} runs (node ${process.version}, load ${result.load})\n`);
  for (const [name, { median: m, min, max, cpuMedian }] of Object.entries(stats)) {
    const cpu = cpuMedian === undefined ? "" : `, cpu ${cpuMedian.toFixed(0)} ms`;
    process.stdout.write(`  ${name.padEnd(24)} ${m.toFixed(0).padStart(5)} ms   (min ${min.toFixed(0)}, max ${max.toFixed(0)}${cpu})\n`);
  }
  process.stdout.write(
    `  ratio ${result.ratio}x create-vite${baselineStats ? ` (baseline ${result.baselineRatio}x)` : ""}; target ${TARGET_MS} ms: ${result.withinTarget ? "met" : "MISSED"}\n`,
  );
}
