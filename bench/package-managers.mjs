#!/usr/bin/env node
// npm, pnpm, Yarn Berry and bun on the same Shipyard repository, in one run, as ratios to npm. Per manager:
//   a repository made by create-shipyard --package-manager <pm>, with 20 services (the created `api` + 19 added
//   with `shipyard add service`), committed with its lockfile; then
//   install cold   frozen install, no node_modules, an EMPTY download cache (the registry is reached: network counts)
//   install warm   frozen install, no node_modules, the cache the cold install filled
//   turbo cold     `turbo run build test` with no turbo cache and no dist/ (every task runs, through the manager's
//                  `run`: turbo starts each task with the repository's package manager)
//   turbo cached   the same again: every task replayed (FULL TURBO)
//   image cold     `podman build --no-cache -f packages/s01/Dockerfile .` (only the base image present)
//   image change   one source change in packages/s01/src/app.ts, then a build: dependency layers from cache
//   image size     of that image
//
//   bash scripts/setup/package-managers.sh && bash scripts/setup/node-base-image.sh 24
//   npm run build -w create-shipyard
//   node bench/package-managers.mjs [--runs 3] [--heavy-runs 1] [--managers npm,pnpm,yarn,bun] [--no-image]
//
// --runs: repetitions of the installs and of the cached turbo run (median reported); --heavy-runs: of the cold
// turbo run and the image builds (each takes minutes with 20 services on 2 cores). The machine is shared: the
// load average at start and end is printed. Every figure is whole-process wall time.
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchEnv, ensureCli, fail, fmtMs, git, loadText, median, printMachine, ratio, root, shipyardBin, table, timed } from "./lib.mjs";

const { values: options } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    "heavy-runs": { type: "string", default: "1" },
    managers: { type: "string", default: "npm,pnpm,yarn,bun" },
    "no-image": { type: "boolean", default: false },
  },
});
const runs = Number(options.runs);
const heavyRuns = Number(options["heavy-runs"]);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(heavyRuns) || heavyRuns < 1) fail("--runs and --heavy-runs must be positive whole numbers");
const managers = options.managers.split(",").map((m) => m.trim());
for (const m of managers) if (!["npm", "pnpm", "yarn", "bun"].includes(m)) fail(`unknown manager ${m}`);
const SERVICES = 20;

const toolsBin = join(root, "scripts/tools/package-managers/node_modules/.bin");
if (!existsSync(join(toolsBin, "pnpm"))) fail("pnpm/yarn/bun missing: run bash scripts/setup/package-managers.sh");
ensureCli();
const CONTAINERS_CONF = "/etc/shipyard/containers.conf";
const withImage = !options["no-image"] && existsSync(CONTAINERS_CONF);
const createBin = join(root, "generators/dist/cli/create-shipyard.js");

const scratch = mkdtempSync(join(tmpdir(), "shipyard-bench-pm-"));
const nonce = `${process.pid}-${Date.now()}`;
const tags = [];

/** The environment a manager runs in: the pinned bins first, CI unset (pnpm and yarn would force frozen installs). */
const pmEnv = (extra = {}) => {
  const env = benchEnv({ extra: { PATH: `${toolsBin}:${process.env.PATH}`, YARN_ENABLE_TELEMETRY: "0", YARN_ENABLE_PROGRESS_BARS: "0", ...extra } });
  delete env.CI;
  return env;
};
/** Points the manager's download cache at `dir` (same variables as test/support/package-managers.ts cacheEnv). */
const cacheEnv = (pm, dir) =>
  ({
    npm: { npm_config_cache: dir },
    pnpm: { npm_config_store_dir: join(dir, "store"), npm_config_cache_dir: join(dir, "cache") },
    yarn: { YARN_GLOBAL_FOLDER: dir, YARN_ENABLE_GLOBAL_CACHE: "true" },
    bun: { BUN_INSTALL_CACHE_DIR: dir },
  })[pm];
const install = { npm: ["npm", "install", "--no-audit", "--no-fund"], pnpm: ["pnpm", "install", "--no-frozen-lockfile"], yarn: ["yarn", "install", "--no-immutable"], bun: ["bun", "install"] };
const frozen = { npm: ["npm", "ci", "--no-audit", "--no-fund"], pnpm: ["pnpm", "install", "--frozen-lockfile"], yarn: ["yarn", "install", "--immutable"], bun: ["bun", "install", "--frozen-lockfile"] };

const podman = (args) => spawnSync("podman", args, { env: { ...process.env, CONTAINERS_CONF }, encoding: "utf8" });
function podmanBuild(cwd, args) {
  return new Promise((resolveBuild, reject) => {
    const started = performance.now();
    const child = spawn("podman", args, { cwd, env: { ...process.env, CONTAINERS_CONF }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolveBuild(performance.now() - started) : reject(new Error(`podman ${args.join(" ")} exited ${code}\n${output.slice(-3000)}`))));
  });
}

const cleanNodeModules = (dir) => {
  rmSync(join(dir, "node_modules"), { recursive: true, force: true });
  for (const folder of ["packages", "generators"]) {
    const base = join(dir, folder);
    const entries = folder === "generators" ? [""] : readdirSync(base);
    for (const entry of entries) rmSync(join(base, entry, "node_modules"), { recursive: true, force: true });
  }
};
const cleanTurbo = (dir) => {
  rmSync(join(dir, ".turbo"), { recursive: true, force: true });
  for (const entry of readdirSync(join(dir, "packages"))) rmSync(join(dir, "packages", entry, "dist"), { recursive: true, force: true });
};

/** A 20-service repository for `pm`, installed and committed with its lockfile. */
function makeRepository(pm) {
  const parent = join(scratch, pm);
  const dir = join(parent, "platform");
  timed(process.execPath, [createBin, dir, "--yes", "--package-manager", pm, "--no-install"], { cwd: scratch, env: pmEnv() });
  for (let i = 1; i < SERVICES; i++) {
    timed(process.execPath, [shipyardBin, "add", "service", `s${String(i).padStart(2, "0")}`, "--yes"], { cwd: dir, env: pmEnv() });
  }
  const [command, ...args] = install[pm];
  timed(command, args, { cwd: dir, env: pmEnv() });
  git(dir, "add", "--all");
  git(dir, "commit", "--quiet", "--no-verify", "-m", "20 services");
  return dir;
}

const results = {};
const loadStart = loadText();
const info = printMachine();
process.stderr.write(`bench: managers ${managers.join(", ")}; ${runs} runs (installs, cached turbo), ${heavyRuns} (cold turbo, images)\n`);
try {
  for (const pm of managers) {
    const r = { installCold: [], installWarm: [], turboCold: [], turboCached: [], imageCold: [], imageChange: [], size: undefined, version: "" };
    results[pm] = r;
    const dir = makeRepository(pm);
    r.version = pm === "npm" ? timed("npm", ["--version"], { cwd: scratch }).stdout.trim() : timed(join(toolsBin, pm), ["--version"], { cwd: scratch, env: pmEnv() }).stdout.trim();
    const [command, ...args] = frozen[pm];
    for (let i = 0; i < runs; i++) {
      const cache = mkdtempSync(join(scratch, `${pm}-cache-`));
      cleanNodeModules(dir);
      r.installCold.push(timed(command, args, { cwd: dir, env: pmEnv(cacheEnv(pm, cache)) }).ms);
      cleanNodeModules(dir);
      r.installWarm.push(timed(command, args, { cwd: dir, env: pmEnv(cacheEnv(pm, cache)) }).ms);
      rmSync(cache, { recursive: true, force: true });
      process.stderr.write(`  ${pm} install ${i + 1}/${runs}: cold ${fmtMs(r.installCold.at(-1))}, warm ${fmtMs(r.installWarm.at(-1))}\n`);
    }
    const turbo = join(dir, "node_modules/.bin/turbo");
    const turboArgs = ["run", "build", "test", "--cache-dir=.turbo/cache", "--ui=stream", "--output-logs=errors-only"];
    for (let i = 0; i < heavyRuns; i++) {
      cleanTurbo(dir);
      r.turboCold.push(timed(turbo, turboArgs, { cwd: dir, env: pmEnv() }).ms);
      process.stderr.write(`  ${pm} turbo cold ${i + 1}/${heavyRuns}: ${fmtMs(r.turboCold.at(-1))}\n`);
    }
    for (let i = 0; i < runs; i++) {
      const cached = timed(turbo, turboArgs, { cwd: dir, env: pmEnv() });
      if (!cached.stdout.includes("FULL TURBO")) fail(`${pm}: the second turbo run is not fully cached\n${cached.stdout.slice(-2000)}`);
      r.turboCached.push(cached.ms);
    }
    process.stderr.write(`  ${pm} turbo cached: ${fmtMs(median(r.turboCached))}\n`);
    if (withImage) {
      const tag = `localhost/shipyard-bench-pm-${pm}:${nonce}`;
      tags.push(tag);
      const build = (extra) => podmanBuild(dir, ["build", "--pull=never", "--format", "docker", ...extra, "-f", "packages/s01/Dockerfile", "-t", tag, "."]);
      try {
        for (let i = 0; i < heavyRuns; i++) {
          r.imageCold.push(await build(["--no-cache"]));
          await build([]); // the first build after --no-cache ones still rebuilds some steps: warm-up, unmeasured
          appendFileSync(join(dir, "packages/s01/src/app.ts"), `\n// bench change ${i} ${nonce}\n`);
          r.imageChange.push(await build([]));
          process.stderr.write(`  ${pm} image ${i + 1}/${heavyRuns}: cold ${fmtMs(r.imageCold.at(-1))}, after a change ${fmtMs(r.imageChange.at(-1))}\n`);
        }
        r.size = Number(podman(["image", "inspect", "--format", "{{.Size}}", tag]).stdout.trim());
      } catch (error) {
        // A failing image build is reported in the table (the other figures stand), not a crash of the whole run.
        r.imageError = String(error.message).split("\n")[0];
        process.stderr.write(`  ${pm} image build FAILED: ${String(error.message).slice(-1500)}\n`);
      }
    }
  }
} finally {
  for (const tag of tags) podman(["rmi", "-f", "--ignore", tag]);
  if (!process.env.BENCH_KEEP) rmSync(scratch, { recursive: true, force: true });
}

const npm = results.npm;
const cell = (pm, key) => {
  const values = results[pm][key];
  if (!values.length) return "n/a";
  const m = median(values);
  const base = npm?.[key]?.length ? median(npm[key]) : undefined;
  return base ? `${fmtMs(m)} (${ratio(m, base)})` : fmtMs(m);
};
const mb = (bytes) => (bytes ? `${(bytes / 1e6).toFixed(0)} MB` : "n/a");
console.log(`\n${SERVICES} services; medians of ${runs} runs (installs, cached turbo) and ${heavyRuns} (cold turbo, images); ratio to npm in brackets\n`);
console.log(
  table(
    ["manager", "install cold cache", "install warm cache", "turbo build test, cold", "turbo build test, cached", "image cold build", "image rebuild after a change", "image size"],
    managers.map((pm) => [
      `${pm} ${results[pm].version}`,
      cell(pm, "installCold"),
      cell(pm, "installWarm"),
      cell(pm, "turboCold"),
      cell(pm, "turboCached"),
      results[pm].imageError ? "build failed" : cell(pm, "imageCold"),
      cell(pm, "imageChange"),
      npm?.size && results[pm].size ? `${mb(results[pm].size)} (${ratio(results[pm].size, npm.size)})` : mb(results[pm].size),
    ]),
  ),
);
console.log(`\nload average: start ${loadStart}, end ${loadText()}; node ${info.node}`);
