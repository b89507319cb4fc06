#!/usr/bin/env node
// The service scaffold (the same files, byte for byte) through plop's CLI, through @turbo/gen run directly, through
// `turbo gen` and through Shipyard, side by side: medians and ratios, checked against the targets (Shipyard at
// least 2x faster than @turbo/gen run directly and 4x faster than `turbo gen`).
//
// The measuring is bench/add-service.mjs's (fresh repository copy per run, tools interleaved, output checked against
// Shipyard's, GNU time for peak memory): this script runs it for these four tools, once with the environment as is
// and once with NODE_EXTRA_CA_CERTS unset (each node start loads a CA bundle through it on the development machine),
// and summarises.
//
//   npm ci --prefix bench/peers && npm run build -w create-shipyard
//   node bench/peers.mjs [--runs 15]
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchEnv, caVariants, ensureCli, ensurePeers, fail, fmtMs, loadText, printMachine, root, table } from "./lib.mjs";

const { values: options } = parseArgs({ options: { runs: { type: "string", default: "15" } } });
ensureCli();
ensurePeers(["plop", "@turbo/gen", "turbo", "node-plop"]);
const machineInfo = printMachine();

const ONLY = "shipyard add service,plop CLI,@turbo/gen CLI,turbo gen";
const TOOLS = { shipyard: "shipyard add service", plop: "plop CLI", turboGen: "@turbo/gen CLI", turboCli: "turbo gen" };
const TARGETS = { turboGen: 2, turboCli: 4 };

/** Runs bench/add-service.mjs and reads its markdown table back: tool -> { ms, min, max, mb }. */
function measure(env) {
  const result = spawnSync(process.execPath, [join(root, "bench/add-service.mjs"), "--runs", options.runs, "--only", ONLY], {
    cwd: root,
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (result.status !== 0) fail(`bench/add-service.mjs failed:\n${result.stdout}`);
  const rows = {};
  for (const line of result.stdout.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    if (cells.length < 6 || !/^\d+$/.test(cells[2] ?? "")) continue;
    const [min, max] = cells[3].split("–").map(Number);
    rows[cells[1]] = { ms: Number(cells[2]), min, max, mb: Number(cells[4]) };
  }
  for (const name of Object.values(TOOLS)) if (!rows[name]) fail(`no figure for ${name} in:\n${result.stdout}`);
  return { rows, header: result.stdout.split("\n")[0] };
}

const results = [];
for (const variant of caVariants()) {
  process.stderr.write(`\n${variant.label}\n`);
  results.push({ variant, ...measure(benchEnv({ ca: variant.ca })) });
}

for (const { variant, rows, header } of results) {
  console.log(`\n### ${variant.label} (${header})\n`);
  const shipyard = rows[TOOLS.shipyard];
  console.log(
    table(
      ["tool", "median wall", "min–max", "median peak RSS", "time / Shipyard", "target"],
      Object.entries(TOOLS).map(([key, name]) => {
        const row = rows[name];
        const times = row.ms / shipyard.ms;
        const target = TARGETS[key] ? `>= ${TARGETS[key]}x: ${times >= TARGETS[key] ? "met" : "NOT met"}` : "";
        return [name, fmtMs(row.ms), `${row.min}–${row.max} ms`, `${row.mb.toFixed(1)} MB`, `${times.toFixed(2)}x`, target];
      }),
    ),
  );
}
if (results.length === 2) {
  console.log("\n### what NODE_EXTRA_CA_CERTS costs each tool (median as is - median unset)\n");
  console.log(
    table(
      ["tool", "as is", "unset", "difference"],
      Object.values(TOOLS).map((name) => {
        const [a, b] = results.map((r) => r.rows[name].ms);
        return [name, fmtMs(a), fmtMs(b), fmtMs(a - b)];
      }),
    ),
  );
}
console.log(`\nmachine: ${machineInfo.nproc} x ${machineInfo.cpu}, ${machineInfo.memory}; load average at the end: ${loadText()}, node ${machineInfo.node}`);
