// Shared measuring helpers of the benchmarks in bench/ (scale, peers, load, typescript). Only Node builtins.
//
// Every figure is whole-process wall time (spawn to exit) unless said otherwise, summarised as a median of repeated
// runs. NODE_EXTRA_CA_CERTS: on the development machine every node start loads a CA bundle through it (~50 ms), so
// benchmarks that start node processes run once with the environment as is and once with it unset (`caVariants`).
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";

export const root = resolve(import.meta.dirname, "..");
export const peersDir = join(root, "bench/peers");
export const shipyardBin = join(root, "generators/dist/cli/shipyard.js");

export function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The environment for measured commands: this process's, without the npm_* variables an outer `npm run` injects
 * and without inherited TURBO_* (cache dir, force, remote cache), telemetry and colours off. `ca: false` unsets
 * NODE_EXTRA_CA_CERTS (never for commands that reach the registry: the proxy's TLS needs it).
 */
export function benchEnv({ ca = true, extra = {} } = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key) && !/^TURBO_/.test(key)) env[key] = value;
  Object.assign(env, { TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1", NO_COLOR: "1", FORCE_COLOR: "0", NO_UPDATE_NOTIFIER: "1" }, extra);
  if (!ca) delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

const extraCaCerts = process.env.NODE_EXTRA_CA_CERTS;

/** The two environments to compare, labelled; just the first when NODE_EXTRA_CA_CERTS is not set at all. */
export function caVariants() {
  const variants = [{ label: extraCaCerts ? "NODE_EXTRA_CA_CERTS set (as is)" : "as is", ca: true }];
  if (extraCaCerts) variants.push({ label: "NODE_EXTRA_CA_CERTS unset", ca: false });
  return variants;
}

/**
 * Runs a command to completion and returns its wall time in ms (and output). Fails the benchmark on an exit code
 * not in `okCodes` (default [0]): a benchmark of a failing command measures nothing.
 */
export function timed(command, args, { cwd, env = benchEnv(), okCodes = [0], input } = {}) {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", input, maxBuffer: 256 * 1024 * 1024, stdio: ["pipe", "pipe", "pipe"] });
  const ms = performance.now() - started;
  if (result.error) throw result.error;
  if (!okCodes.includes(result.status)) {
    throw new Error(`${command} ${args.join(" ")} (in ${cwd}) exited ${result.status}\n${(result.stdout ?? "").slice(-4000)}\n${(result.stderr ?? "").slice(-4000)}`);
  }
  return { ms, code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Same as timed(), not timed, inheriting nothing but the output on failure. */
export const run = (command, args, options) => timed(command, args, options);

export function git(dir, ...args) {
  return execFileSync("git", ["-c", "user.name=Shipyard Bench", "-c", "user.email=bench@shipyard.invalid", "-c", "commit.gpgsign=false", ...args], {
    cwd: dir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 1024 * 1024,
  });
}

let files;
/** This repository's files as a clone has them (tracked + new, not ignored). */
export function repoFiles() {
  files ??= [
    ...new Set(git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")),
  ].filter((path) => path && existsSync(join(root, path)));
  return files;
}

/** Copies this repository's files to `dir` and commits them there (a fresh clone, without node_modules or dist). */
export function copyRepo(dir) {
  for (const path of repoFiles()) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    cpSync(join(root, path), join(dir, path), { verbatimSymlinks: true });
  }
  git(dir, "init", "--quiet", "--initial-branch=main");
  git(dir, "add", "--all");
  git(dir, "commit", "--quiet", "--no-verify", "-m", "copy of the Shipyard repository");
  return dir;
}

const firstLine = (text) => text.split("\n").find((line) => line.trim()) ?? "";
const version = (command, args, cwd = root) => {
  try {
    return firstLine(execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })).trim();
  } catch {
    return "n/a";
  }
};

/** The machine and tool versions, for the report. */
export function machine() {
  const cpuinfo = existsSync("/proc/cpuinfo") ? readFileSync("/proc/cpuinfo", "utf8") : "";
  const model = cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1] ?? cpus()[0]?.model ?? "unknown";
  const nproc = version("nproc", []);
  return {
    nproc,
    cpu: model,
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    os: version("sh", ["-c", ". /etc/os-release && echo \"$PRETTY_NAME\""]),
    kernel: version("uname", ["-r"]),
    node: process.version,
    npm: version("npm", ["--version"]),
    turbo: version(join(root, "node_modules/.bin/turbo"), ["--version"]),
    tsc: version(join(root, "node_modules/.bin/tsc"), ["--version"]),
    NODE_EXTRA_CA_CERTS: extraCaCerts ?? "(unset)",
    "load average at start": loadText(),
  };
}

/** The load average (1, 5, 15 min) against the number of cores: other work on the machine skews every figure. */
export function loadText() {
  return `${loadavg().map((value) => value.toFixed(2)).join(" / ")} (1/5/15 min, ${cpus().length} cores)`;
}

export function printMachine() {
  const info = machine();
  console.log(Object.entries(info).map(([key, value]) => `${key}: ${value}`).join("\n"));
  console.log("");
  return info;
}

/** A markdown table; the first column left-aligned, the others right-aligned. */
export function table(header, rows) {
  const all = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, column) => Math.max(...all.map((row) => row[column].length)));
  const line = (row) => `| ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join(" | ")} |`;
  return [line(all[0]), `| ${widths.map((w, column) => (column === 0 ? "-".repeat(w) : `${"-".repeat(w - 1)}:`)).join(" | ")} |`, ...all.slice(1).map(line)].join("\n");
}

export const fmtMs = (ms) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
export const ratio = (a, b) => `${(a / b).toFixed(2)}x`;

/** Installs bench-only tools into bench/peers (its package.json and lockfile record them) when missing. */
export function ensurePeers(paths) {
  if (paths.every((path) => existsSync(join(peersDir, "node_modules", path)))) return;
  process.stderr.write("bench: npm ci --prefix bench/peers\n");
  const result = spawnSync("npm", ["ci", "--prefix", peersDir, "--no-audit", "--no-fund"], { stdio: "inherit", env: benchEnv() });
  if (result.status !== 0) fail("npm ci --prefix bench/peers failed");
  for (const path of paths) if (!existsSync(join(peersDir, "node_modules", path))) fail(`bench/peers has no ${path}: is it in bench/peers/package.json?`);
}

/** Builds the CLI when generators/dist is missing. */
export function ensureCli() {
  if (existsSync(shipyardBin)) return;
  const result = spawnSync("npm", ["run", "build", "--silent", "-w", "create-shipyard"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) fail("npm run build -w create-shipyard failed");
}
