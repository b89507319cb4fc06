#!/usr/bin/env node
// A managed file of 200,000 lines (issue #11: "a 200,000-line managed file updates in under 2 s"): the service's
// Dockerfile with 200,000 lines the user added, and a template change elsewhere in it. Whole-process wall times,
// medians of repeated runs, interleaved run by run:
//   - `shipyard update` (reads, renders, merges, stages and writes; the outcome must be "merged", checked each run),
//   - `shipyard update --check` on the same repository (the merge without the writes),
//   - the peer: `git merge-file -p` on the same three files (the user's file, the merge base, the new render).
// Each run starts from the same commit (`git reset --hard`, not timed).
//
//   npm run build -w create-shipyard
//   node bench/large-file.mjs [--lines 200000] [--runs 7] [--keep]
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { copyRepo, ensureCli, fail, fmtMs, git, loadText, median, printMachine, ratio, shipyardBin, table, timed } from "./lib.mjs";

const { values: options } = parseArgs({ options: { lines: { type: "string", default: "200000" }, runs: { type: "string", default: "7" }, keep: { type: "boolean", default: false } } });
const lines = Number(options.lines);
const runs = Number(options.runs);
if (!Number.isInteger(lines) || lines < 1 || !Number.isInteger(runs) || runs < 1) fail("--lines and --runs are whole numbers");

ensureCli();
printMachine();
const scratch = mkdtempSync(join(tmpdir(), "shipyard-bench-large-"));
if (!options.keep) process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));
const FILE = "packages/hello/Dockerfile";
const TEMPLATE = "templates/service/files/packages/__name__/Dockerfile";

// Two scenarios: the user's lines appended at the end (the diff is trivial once the common ends are trimmed), and
// the same with two edits of the template's own lines (line 5 and the CMD line after which the user's lines come),
// so that the diff has to search.
for (const scenario of ["appended", "appended + 2 edits"]) measure(scenario);

function measure(scenario) {
  const dir = copyRepo(join(scratch, scenario.replace(/\W+/g, "-")));
  const read = (path) => readFileSync(join(dir, path), "utf8");
  const added = Array.from({ length: lines }, (_, index) => `RUN echo "user line ${index}"`).join("\n");
  let own = read(FILE);
  if (scenario !== "appended") {
    const rows = own.split("\n");
    rows[4] = `${rows[4]} # ours`;
    own = rows.join("\n").replace(/^CMD \["node"/m, '$&, "--enable-source-maps"');
    if (!own.includes("--enable-source-maps")) fail(`${FILE} has no CMD ["node" line to edit`);
  }
  writeFileSync(join(dir, FILE), `${own}${added}\n`);
  if (!read(TEMPLATE).includes("USER node")) fail(`${TEMPLATE} has no "USER node" line to change`);
  writeFileSync(join(dir, TEMPLATE), read(TEMPLATE).replace("USER node", "USER 10001"));
  git(dir, "add", "--all");
  git(dir, "commit", "--quiet", "--no-verify", "-m", `${lines} lines added to ${FILE}; a template change`);
  const size = read(FILE).split("\n").length - 1;
  const peer = join(scratch, `${scenario.replace(/\W+/g, "-")}-peer`);
  const shipyard = (args, okCodes) => timed(process.execPath, [shipyardBin, ...args], { cwd: dir, okCodes });
  // The three files git merges, as Shipyard sees them: the user's file, the base on record, the new render (which
  // the base becomes after an update).
  const current = `${peer}-current`;
  const base = `${peer}-base`;
  const next = `${peer}-next`;
  copyFileSync(join(dir, FILE), current);
  copyFileSync(join(dir, `.shipyard/base/${FILE}.base`), base);
  shipyard(["update"], [0]);
  copyFileSync(join(dir, `.shipyard/base/${FILE}.base`), next);
  git(dir, "reset", "--quiet", "--hard");

  const samples = { update: [], check: [], git: [] };
  for (let run = 0; run <= runs; run++) {
    const update = shipyard(["update"], [0]);
    if (!/Dockerfile +merged/.test(update.stdout) || !read(FILE).includes("USER 10001\n")) fail(`update did not merge ${FILE}:\n${update.stdout}`);
    git(dir, "reset", "--quiet", "--hard");
    const check = shipyard(["update", "--check"], [1]);
    const merge = timed("git", ["merge-file", "-p", current, base, next], { cwd: scratch });
    if (!merge.stdout.includes("USER 10001\n") || !merge.stdout.endsWith(`user line ${lines - 1}"\n`)) fail("git merge-file did not merge both changes");
    if (run === 0) continue; // warm-up
    samples.update.push(update.ms);
    samples.check.push(check.ms);
    samples.git.push(merge.ms);
  }
  const gitMedian = median(samples.git);
  console.log(`\n### ${scenario}: ${FILE}, ${size} lines (${lines} added by the user), a template change at line ~50; ${runs} runs after a warm-up\n`);
  console.log(
    table(
      ["command", "median", "min", "max", "vs git merge-file"],
      [
        ["shipyard update", ...["median", "min", "max"].map((stat) => fmtMs(stat === "median" ? median(samples.update) : Math[stat](...samples.update))), ratio(median(samples.update), gitMedian)],
        ["shipyard update --check", ...["median", "min", "max"].map((stat) => fmtMs(stat === "median" ? median(samples.check) : Math[stat](...samples.check))), ratio(median(samples.check), gitMedian)],
        ["git merge-file -p (peer)", ...["median", "min", "max"].map((stat) => fmtMs(stat === "median" ? gitMedian : Math[stat](...samples.git))), "1.00x"],
      ],
    ),
  );
  console.log(`\ntarget: shipyard update under 2 s: ${median(samples.update) < 2000 ? "met" : "NOT met"}`);
}

console.log(`load average at end: ${loadText()}`);
