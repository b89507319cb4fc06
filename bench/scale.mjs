#!/usr/bin/env node
// Shipyard and turbo at scale: monorepos of N generated services (packages/hello plus N-1 made with
// `shipyard add service`), one `npm install` per size, then whole-process wall times (medians):
//   - `shipyard add service probe --yes` (must not grow with N), `shipyard update --check` in sync, and after a
//     template change touching every service: `update --check` (finds N changes) and `update` (writes them);
//   - `turbo run build test --filter=./packages/*`: cold (no cache, no dist), fully cached replay, one service
//     changed (its source edited: its build and test re-run, the rest replay).
// Shipyard commands are measured with NODE_EXTRA_CA_CERTS as is and unset (see bench/lib.mjs). turbo tasks do not
// see it anyway (turbo's strict env mode drops it); only the turbo launcher (a node script) pays for it.
//
//   npm run build -w create-shipyard && npm ci
//   node bench/scale.mjs [sizes…] [--runs 5] [--turbo-runs 3] [--keep]      # sizes default: 10 50 100
//
// Heavy on a 2-core machine: the cold run builds and tests every service (about 3-4 s of CPU each).
import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchEnv, caVariants, copyRepo, ensureCli, fail, fmtMs, git, loadText, median, printMachine, shipyardBin, table, timed } from "./lib.mjs";

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: "string", default: "5" }, "turbo-runs": { type: "string", default: "3" }, keep: { type: "boolean", default: false } },
});
const sizes = (positionals.length ? positionals : ["10", "50", "100"]).map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 2)) fail("sizes are whole numbers of services, at least 2");
const runs = Number(options.runs);
const turboRuns = Number(options["turbo-runs"]);

ensureCli();
const machineInfo = printMachine();
const scratch = mkdtempSync(join(tmpdir(), "shipyard-bench-scale-"));
if (!options.keep) process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));
const variants = caVariants();
const node = process.execPath;
const log = (message) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);

const TEMPLATE_FILE = "templates/service/files/packages/__name__/Dockerfile";
const TEMPLATE_CHANGE = '\n# Added by bench/scale.mjs: a template change that touches every service.\nLABEL org.opencontainers.image.title="{{name}}"\n';

function measureSize(n) {
  const dir = join(scratch, `services-${n}`);
  copyRepo(dir);
  const shipyard = (args, opts = {}) => timed(node, [shipyardBin, ...args], { cwd: dir, ...opts });
  const result = { n, generate: [], cli: {}, turbo: {} };

  log(`${n} services: generating ${n - 1} with shipyard add service`);
  for (let i = 1; i < n; i++) result.generate.push(shipyard(["add", "service", `svc${String(i).padStart(3, "0")}`, "--yes"]).ms);
  git(dir, "add", "--all");
  git(dir, "commit", "--quiet", "--no-verify", "-m", `${n - 1} services`);
  log(`${n} services: npm install`);
  result.install = timed("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: dir }).ms;
  git(dir, "add", "--all");
  git(dir, "commit", "--quiet", "--no-verify", "--allow-empty", "-m", "lockfile");
  const base = git(dir, "rev-parse", "HEAD").trim();
  const reset = (commit) => {
    git(dir, "reset", "--quiet", "--hard", commit);
    git(dir, "clean", "--quiet", "-fd");
  };

  for (const variant of variants) {
    const env = benchEnv({ ca: variant.ca });
    const cli = { add: [], check: [], checkChanged: [], update: [] };
    log(`${n} services (${variant.label}): add, update --check`);
    for (let r = 0; r < runs; r++) {
      cli.add.push(shipyard(["add", "service", "probe", "--yes"], { env }).ms);
      reset(base);
      cli.check.push(shipyard(["update", "--check"], { env }).ms);
    }
    appendFileSync(join(dir, TEMPLATE_FILE), TEMPLATE_CHANGE);
    git(dir, "commit", "--quiet", "--no-verify", "--all", "-m", "template change");
    const changed = git(dir, "rev-parse", "HEAD").trim();
    log(`${n} services (${variant.label}): update after a template change`);
    for (let r = 0; r < runs; r++) {
      const check = shipyard(["update", "--check"], { env, okCodes: [1] });
      cli.checkChanged.push(check.ms);
      cli.update.push(shipyard(["update"], { env }).ms);
      const touched = git(dir, "status", "--porcelain").split("\n").filter((line) => /^.. packages\/[^/]+\/Dockerfile$/.test(line));
      if (touched.length !== n) fail(`update changed ${touched.length} Dockerfiles, expected ${n}`);
      reset(changed);
    }
    reset(base);
    result.cli[variant.label] = cli;
  }

  const turbo = join(dir, "node_modules/.bin/turbo");
  const turboArgs = ["run", "build", "test", "--filter=./packages/*", "--ui=stream", "--log-order=grouped", "--cache-dir=.turbo/cache"];
  const cachedLine = (output) => output.match(/Cached:\s+(\d+) cached, (\d+) total/)?.slice(1).map(Number) ?? fail(`no turbo summary:\n${output.slice(-2000)}`);
  const turboRun = (env, expectMisses) => {
    const runResult = timed(turbo, turboArgs, { cwd: dir, env });
    const [hits, total] = cachedLine(runResult.stdout + runResult.stderr);
    if (total !== 2 * n) fail(`turbo ran ${total} tasks, expected ${2 * n}`);
    if (expectMisses !== undefined && total - hits !== expectMisses) fail(`turbo missed ${total - hits} tasks, expected ${expectMisses}\n${runResult.stdout.slice(-3000)}`);
    return runResult.ms;
  };
  log(`${n} services: cold turbo run build test`);
  rmSync(join(dir, ".turbo"), { recursive: true, force: true });
  for (const pkg of readdirSync(join(dir, "packages"))) {
    for (const out of ["dist", ".turbo"]) rmSync(join(dir, "packages", pkg, out), { recursive: true, force: true });
  }
  result.turbo.cold = turboRun(benchEnv(), 2 * n);
  for (const variant of variants) {
    const env = benchEnv({ ca: variant.ca });
    log(`${n} services (${variant.label}): cached replay, one service changed`);
    const cached = [];
    const oneChanged = [];
    for (let r = 0; r < turboRuns; r++) cached.push(turboRun(env, 0));
    const source = join(dir, "packages/svc001/src/app.ts");
    for (let r = 0; r < turboRuns; r++) {
      appendFileSync(source, `\n// bench/scale.mjs change ${variant.ca ? "ca" : "noca"} ${r} ${Date.now()}\n`);
      oneChanged.push(turboRun(env, 2));
    }
    git(dir, "checkout", "--quiet", "--", "packages/svc001/src/app.ts");
    result.turbo[variant.label] = { cached, oneChanged };
  }
  if (!options.keep) rmSync(dir, { recursive: true, force: true });
  return result;
}

const results = [];
for (const n of sizes) {
  results.push(measureSize(n));
  writeFileSync(join(scratch, "results.json"), JSON.stringify(results, null, 2));
}

console.log(`\n## Shipyard CLI (median of ${runs} runs; wall time of the whole process)\n`);
for (const variant of variants) {
  console.log(`\n### ${variant.label}\n`);
  const header = ["command", ...results.map((r) => `${r.n} services`)];
  const row = (label, key) => [label, ...results.map((r) => fmtMs(median(r.cli[variant.label][key])))];
  console.log(
    table(header, [
      row("add service probe --yes", "add"),
      row("update --check (in sync)", "check"),
      row("update --check (template changed)", "checkChanged"),
      row("update (writes N Dockerfiles)", "update"),
    ]),
  );
}
console.log("\n### shipyard add service while generating (as is): does it grow with the services already there?\n");
console.log(
  table(
    ["size", "adds 1-10 (median)", "last 10 adds (median)", "npm install (once)"],
    results.map((r) => [`${r.n} services`, fmtMs(median(r.generate.slice(0, 10))), fmtMs(median(r.generate.slice(-10))), fmtMs(r.install)]),
  ),
);
console.log(`\n## turbo run build test --filter=./packages/* (cold: 1 run; others median of ${turboRuns})\n`);
console.log(
  table(
    ["run", ...results.map((r) => `${r.n} services`)],
    [
      ["cold (no cache, no dist)", ...results.map((r) => fmtMs(r.turbo.cold))],
      ...variants.flatMap((variant) => [
        [`fully cached replay (${variant.label})`, ...results.map((r) => fmtMs(median(r.turbo[variant.label].cached)))],
        [`one service changed (${variant.label})`, ...results.map((r) => fmtMs(median(r.turbo[variant.label].oneChanged)))],
      ]),
    ],
  ),
);
console.log(`\nmachine: ${machineInfo.nproc} x ${machineInfo.cpu}, ${machineInfo.memory}; load average at the end: ${loadText()}; raw samples: ${options.keep ? join(scratch, "results.json") : "(--keep to keep)"}`);
