#!/usr/bin/env node
// Image size and build times of packages/hello's generated Dockerfile, built with podman from the repository root
// as a user would (`docker build -f packages/hello/Dockerfile .`), on the local node:24-bookworm-slim stand-in.
//
//   bash scripts/setup/node-base-image.sh 24
//   node bench/image.mjs [--runs 5] [--dockerfile <path>]
//
// Three kinds of build, each --runs times, median reported:
//   cold     `--no-cache`: every step of the Dockerfile runs (turbo install, npm ci from the registry, compile); only
//            the base image is present, like a CI runner without a layer cache
//   cached   nothing changed since the previous build: every step from the layer cache
//   change   one source file of the service changed (packages/hello/src/app.ts): dependency layers from the cache,
//            the prune/compile/copy steps rerun
// Builds run in a copy of the repository (tracked and new files, not ignored ones), so the source change never
// touches this checkout. --dockerfile builds another Dockerfile (absolute path, kept outside the context) in the
// same copy, e.g. to measure a proposed fix. Network: cold builds download npm packages (registry speed counts).
// The machine is shared: the load average at start and end is printed with the table.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";

const root = resolve(import.meta.dirname, "..");
const CONTAINERS_CONF = "/etc/shipyard/containers.conf";
const BASE = "docker.io/library/node:24-bookworm-slim";
const SERVICE = "hello";

const { values: options } = parseArgs({ options: { runs: { type: "string", default: "5" }, dockerfile: { type: "string" } } });
const runs = Number(options.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs must be a positive whole number");

const env = { ...process.env, CONTAINERS_CONF };
for (const key of Object.keys(env)) if (/^npm_/i.test(key)) delete env[key];
const podmanSync = (args) => spawnSync("podman", args, { env, encoding: "utf8" });

function check(condition, message) {
  if (!condition) {
    console.error(`bench: ${message}`);
    process.exit(1);
  }
}
check(existsSync(CONTAINERS_CONF), `${CONTAINERS_CONF} missing: run scripts/setup/podman.sh`);
check(podmanSync(["image", "exists", BASE]).status === 0, `${BASE} missing: run bash scripts/setup/node-base-image.sh 24`);

const scratch = mkdtempSync(join(tmpdir(), "shipyard-bench-image-"));
const nonce = `${process.pid}-${Date.now()}`;
const tag = `localhost/shipyard-bench-image:${nonce}`;
/** Image ids each build printed ("--> <id>"), to remove the layers of superseded cold builds at the end. */
const layersByBuild = [];

function cleanup() {
  // Only what this run created: the tag, then the intermediate layers of cold builds no later build reused.
  podmanSync(["rmi", "-f", "--ignore", tag]);
  const kept = new Set(layersByBuild.filter((b) => !b.superseded).flatMap((b) => b.ids));
  const stale = layersByBuild.filter((b) => b.superseded).flatMap((b) => b.ids).filter((id) => !kept.has(id));
  for (const id of stale.reverse()) podmanSync(["rmi", "--ignore", id]);
  if (!process.env.BENCH_KEEP) rmSync(scratch, { recursive: true, force: true });
}
process.on("SIGINT", () => {
  cleanup();
  process.exit(130);
});

// The repository as it would be committed (tracked + new, not ignored files): what a user's clone holds.
const repo = join(scratch, "repo");
const files = [
  ...new Set(execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" }).split("\0")),
].filter((path) => path && existsSync(join(root, path)));
for (const path of files) {
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  cpSync(join(root, path), join(repo, path));
}
const dockerfile = options.dockerfile ? resolve(options.dockerfile) : join(repo, `packages/${SERVICE}/Dockerfile`);

function build(extra = []) {
  const args = ["build", "--pull=never", "--format", "docker", ...extra, "-f", dockerfile, "-t", tag, "."];
  return new Promise((res, rej) => {
    const started = performance.now();
    const child = spawn("podman", args, { cwd: repo, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", rej);
    child.on("close", (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) return rej(new Error(`podman ${args.join(" ")} exited ${code}\n${output.slice(-3000)}`));
      const ids = [...output.matchAll(/^--> (?:Using cache )?([0-9a-f]{11,64})$/gm)].map((m) => m[1].slice(0, 12));
      const cachedSteps = (output.match(/^--> Using cache /gm) ?? []).length;
      res({ seconds, ids, cachedSteps });
    });
  });
}

let changes = 0;
function changeSource() {
  appendFileSync(join(repo, `packages/${SERVICE}/src/app.ts`), `\n// bench change ${++changes} ${nonce}\n`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

const results = { cold: [], cached: [], change: [] };
const loadStart = loadavg()[0];
try {
  process.stderr.write(`bench: ${runs} runs each, ${dockerfile.startsWith(repo) ? `packages/${SERVICE}/Dockerfile` : dockerfile}\n`);
  for (let i = 0; i < runs; i++) {
    const b = await build(["--no-cache"]);
    layersByBuild.forEach((x) => {
      if (x.kind === "cold") x.superseded = true;
    });
    layersByBuild.push({ kind: "cold", ids: b.ids, superseded: false });
    results.cold.push(b.seconds);
    process.stderr.write(`  cold   ${i + 1}/${runs}: ${b.seconds.toFixed(1)} s\n`);
  }
  // The first build after `--no-cache` ones still rebuilds steps (8 of 20 from cache here): warm up, unmeasured.
  const warm = await build();
  layersByBuild.push({ kind: "cached", ids: warm.ids });
  process.stderr.write(`  warm-up: ${warm.seconds.toFixed(1)} s (${warm.cachedSteps} steps from cache)\n`);
  for (let i = 0; i < runs; i++) {
    const b = await build();
    layersByBuild.push({ kind: "cached", ids: b.ids });
    results.cached.push(b.seconds);
    process.stderr.write(`  cached ${i + 1}/${runs}: ${b.seconds.toFixed(1)} s (${b.cachedSteps} steps from cache)\n`);
  }
  for (let i = 0; i < runs; i++) {
    changeSource();
    const b = await build();
    layersByBuild.push({ kind: "change", ids: b.ids });
    results.change.push(b.seconds);
    process.stderr.write(`  change ${i + 1}/${runs}: ${b.seconds.toFixed(1)} s (${b.cachedSteps} steps from cache)\n`);
  }

  const size = Number(podmanSync(["image", "inspect", "--format", "{{.Size}}", tag]).stdout.trim());
  const baseSize = Number(podmanSync(["image", "inspect", "--format", "{{.Size}}", BASE]).stdout.trim());
  const podmanVersion = podmanSync(["--version"]).stdout.trim();
  const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;
  const rows = [
    ["cold (--no-cache, base image present)", results.cold],
    ["cached (nothing changed)", results.cached],
    ["one source file changed (src/app.ts)", results.change],
  ].map(([name, xs]) => [name, `${median(xs).toFixed(1)} s`, `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)} s`]);
  const header = ["build", "median", "range"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ")} |`;
  console.log(`\nImage of packages/${SERVICE} (${podmanVersion}, ${cpus().length} CPUs, load ${loadStart.toFixed(2)} -> ${loadavg()[0].toFixed(2)}, ${runs} runs each)\n`);
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`);
  for (const r of rows) console.log(line(r));
  console.log(`\nImage size: ${mb(size)} uncompressed (base ${BASE.split("/").pop()} ${mb(baseSize)} + service layers ${mb(size - baseSize)})`);
} finally {
  cleanup();
}
