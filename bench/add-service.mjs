#!/usr/bin/env node
// Whole-process wall time and peak memory of `shipyard add service orders --yes`, against peers producing the same
// service scaffold (the same 11 files, byte for byte) into fresh copies of this repository. See bench/README.md.
//
//   npm ci --prefix bench/peers && npm run build -w create-shipyard
//   node bench/add-service.mjs [--runs 15] [--only shipyard,plop] [--baseline <dir>]
//
// --baseline <dir>: another Shipyard checkout, built (generators/dist), measured in the same run as one more tool:
// its own `add service` in fresh copies of its own files (its templates may differ: its output is not compared).
//
// Each run: a fresh copy of the repository (not timed), then one process tree timed from spawn to exit, its peak
// resident memory read from GNU time (`/usr/bin/time`, Debian package `time`). Tools are interleaved run by run so
// drift in machine load spreads over all of them. Every run's output is checked against Shipyard's.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";

const root = resolve(import.meta.dirname, "..");
const peers = join(root, "bench/peers");
const shipyardBin = join(root, "generators/dist/cli/shipyard.js");
const GNU_TIME = "/usr/bin/time";

const { values: options } = parseArgs({ options: { runs: { type: "string", default: "15" }, only: { type: "string" }, baseline: { type: "string" } } });
const baseline = options.baseline ? resolve(options.baseline) : undefined;
const runs = Number(options.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs must be a positive whole number");

function check(condition, message) {
  if (!condition) {
    console.error(`bench: ${message}`);
    process.exit(1);
  }
}
check(existsSync(GNU_TIME), `${GNU_TIME} not found: apt-get install -y time`);
check(existsSync(shipyardBin), "generators/dist is missing: npm run build -w create-shipyard");
check(existsSync(join(peers, "node_modules/node-plop")), "peers are not installed: npm ci --prefix bench/peers");

const scratch = mkdtempSync(join(tmpdir(), "shipyard-bench-"));
if (!process.env.BENCH_KEEP) process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

// The repository as it would be committed (tracked + new, not ignored): what a user's clone holds.
const repoFiles = [
  ...new Set(execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" }).split("\0")),
].filter((path) => path && existsSync(join(root, path)));
let copies = 0;
function freshCopy(from = root, files = repoFiles) {
  const dir = join(scratch, `dest-${++copies}`);
  for (const path of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    cpSync(join(from, path), join(dir, path));
  }
  return dir;
}
// The baseline's files: what its .shipyard/ and templates/ say (its own clone, without build output or node_modules).
const baselineFiles = (() => {
  if (!baseline) return [];
  check(existsSync(join(baseline, "generators/dist/cli/shipyard.js")), `${baseline}: no generators/dist (build it first)`);
  const files = [];
  const walk = (relative) => {
    for (const entry of readdirSync(join(baseline, relative), { withFileTypes: true })) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (["node_modules", ".git", "dist", ".turbo"].includes(entry.name)) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.push(path);
    }
  };
  walk("");
  return files;
})();

const env = { ...process.env, SHIPYARD_TEMPLATES: join(root, "templates"), NO_COLOR: "1", TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" };
for (const key of Object.keys(env)) if (/^npm_/i.test(key)) delete env[key];

// The scaffold every tool must produce: Shipyard's own output for the default answers (runtime node).
const SCAFFOLD = (path) => path.startsWith("packages/orders/") || path === ".github/workflows/orders.yml";
const reference = (() => {
  const dir = freshCopy();
  const result = spawnSync(process.execPath, [shipyardBin, "add", "service", "orders", "--yes", "--json"], { cwd: dir, env, encoding: "utf8" });
  check(result.status === 0, `shipyard failed:\n${result.stderr}`);
  const files = Object.fromEntries(
    JSON.parse(result.stdout)
      .changes.map((change) => change.path)
      .filter(SCAFFOLD)
      .map((path) => [path, readFileSync(join(dir, path), "utf8")]),
  );
  rmSync(dir, { recursive: true, force: true });
  return files;
})();
const fixture = join(scratch, "scaffold.json");
writeFileSync(fixture, JSON.stringify(reference));

const answerArgs = ["orders", "A Shipyard service.", "8080", "node", "24", "none"];
const turboConfig = (dir) => {
  mkdirSync(join(dir, "turbo/generators"), { recursive: true });
  writeFileSync(join(dir, "turbo/generators/config.js"), `module.exports = require(${JSON.stringify(join(peers, "service-generator.cjs"))});\n`);
};
const tools = [
  { name: "shipyard add service", command: () => [process.execPath, shipyardBin, "add", "service", "orders", "--yes"] },
  ...(baseline
    ? [
        {
          name: "shipyard add service (baseline)",
          copy: () => freshCopy(baseline, baselineFiles),
          unchecked: true,
          command: () => [process.execPath, join(baseline, "generators/dist/cli/shipyard.js"), "add", "service", "orders", "--yes"],
        },
      ]
    : []),
  { name: "plain node (write 11 files)", command: (dir) => [process.execPath, join(peers, "plain.mjs"), fixture, dir] },
  { name: "handlebars (render + write)", command: (dir) => [process.execPath, join(peers, "handlebars.mjs"), dir] },
  { name: "node-plop (API)", command: (dir) => [process.execPath, join(peers, "node-plop.mjs"), dir] },
  {
    name: "plop CLI",
    command: (dir) => [
      process.execPath,
      join(peers, "node_modules/plop/bin/plop.js"),
      "--plopfile",
      join(peers, "plopfile.mjs"),
      "--dest",
      dir,
      "service",
      "--",
      ...["--name", "orders", "--description", "A Shipyard service.", "--port", "8080", "--runtime", "node", "--node", "24", "--database", "none"],
    ],
  },
  {
    name: "@turbo/gen CLI",
    setup: turboConfig,
    command: () => [process.execPath, join(peers, "node_modules/@turbo/gen/dist/cli.js"), "run", "service", "--args", ...answerArgs],
  },
  // `turbo gen run service --args …` drops the name and the answers (turbo 2.11.9 sends generator_name null):
  // the top-level form is the one that works.
  { name: "turbo gen", setup: turboConfig, command: () => [join(peers, "node_modules/.bin/turbo"), "gen", "service", "--args", ...answerArgs] },
].filter((tool) => !options.only || options.only.split(",").some((word) => tool.name.toLowerCase().includes(word.trim().toLowerCase())));

const hash = (text) => createHash("sha256").update(text).digest("hex");
function runOnce(tool) {
  const dir = tool.copy ? tool.copy() : freshCopy();
  tool.setup?.(dir);
  const timeFile = join(scratch, "time.txt");
  const [command, ...args] = tool.command(dir);
  const started = performance.now();
  const result = spawnSync(GNU_TIME, ["-f", "%M %U %S", "-o", timeFile, command, ...args], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${tool.name} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  // Peak memory, and CPU time (user + system, 10 ms resolution): unlike wall time it hardly moves with the load.
  const [peakKb, user, system] = readFileSync(timeFile, "utf8").trim().split("\n").at(-1).split(" ").map(Number);
  for (const [path, content] of tool.unchecked ? [] : Object.entries(reference)) {
    const target = join(dir, path);
    if (!existsSync(target) || hash(readFileSync(target, "utf8")) !== hash(content)) throw new Error(`${tool.name}: ${path} missing or different from Shipyard's (${dir})`);
  }
  rmSync(dir, { recursive: true, force: true });
  return { ms, peakKb, cpuMs: (user + system) * 1000 };
}

console.log(`node ${process.version}, ${cpus().length} CPUs, ${runs} runs per tool (after 1 warm-up), ${Object.keys(reference).length} scaffold files\n`);
const samples = new Map(tools.map((tool) => [tool.name, []]));
for (const tool of tools) runOnce(tool); // warm-up: disk cache, npx cache, esbuild binary
for (let run = 0; run < runs; run++) {
  const order = tools.map((_, index) => tools[(index + run) % tools.length]);
  for (const tool of order) samples.get(tool.name).push(runOnce(tool));
  process.stderr.write(`\rrun ${run + 1}/${runs}`);
}
process.stderr.write("\n");

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const stats = tools.map((tool) => {
  const list = samples.get(tool.name);
  return { name: tool.name, ms: median(list.map((s) => s.ms)), min: Math.min(...list.map((s) => s.ms)), max: Math.max(...list.map((s) => s.ms)), mb: median(list.map((s) => s.peakKb)) / 1024, cpu: median(list.map((s) => s.cpuMs)) };
});
const base = stats.find((s) => s.name === "shipyard add service");
const rows = [
  ["tool", "median wall (ms)", "min–max (ms)", "median CPU (ms)", "median peak RSS (MB)", "wall / shipyard", "CPU / shipyard", "RSS / shipyard"],
  ...stats.map((s) => [
    s.name,
    s.ms.toFixed(0),
    `${s.min.toFixed(0)}–${s.max.toFixed(0)}`,
    s.cpu.toFixed(0),
    s.mb.toFixed(1),
    base ? `${(s.ms / base.ms).toFixed(2)}x` : "-",
    base ? `${(s.cpu / base.cpu).toFixed(2)}x` : "-",
    base ? `${(s.mb / base.mb).toFixed(2)}x` : "-",
  ]),
];
const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
rows.forEach((row, index) => {
  console.log(`| ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join(" | ")} |`);
  if (index === 0) console.log(`| ${widths.map((w, column) => (column === 0 ? "-".repeat(w) : `${"-".repeat(w - 1)}:`)).join(" | ")} |`);
});
