import type { AddResult } from "../commands/add.js";
import type { DoctorResult } from "../commands/doctor.js";
import type { UpdateResult } from "../commands/update.js";
import type { UpgradeResult } from "../commands/upgrade.js";
import type { UseResult } from "../commands/use.js";
import type { FileOutcome } from "../state/update-plan.js";

/** How results look to a person (or, with --json, to a script). Commands compute; this file only prints. */
export function printAdd(result: AddResult, json: boolean): void {
  if (json) {
    const files = result.files.map(({ path, kind }) => ({ path, kind }));
    process.stdout.write(`${JSON.stringify({ kind: result.kind, name: result.name, directory: result.directory, written: result.written, answers: result.answers, files }, null, 2)}\n`);
    return;
  }
  const verb = result.written ? "created" : "would create";
  for (const file of result.files) process.stdout.write(`  ${verb}  ${file.path}\n`);
  if (!result.written) {
    process.stdout.write(`Dry run: ${result.files.length} files, nothing written.\n`);
    return;
  }
  process.stdout.write(
    `\nAdded ${result.kind} ${result.name} in ${result.directory}. Next:\n` +
      `  npm install                      # link the new workspace package\n` +
      `  npx turbo run build test --filter=./${result.directory}\n`,
  );
}

const OUTCOME_TEXT: Record<string, string> = {
  unchanged: "unchanged",
  created: "created",
  updated: "updated",
  merged: "merged (your edits kept)",
  conflict: "CONFLICT (resolve the <<<<<<< markers)",
  unresolved: "CONFLICT unresolved (remove the <<<<<<< markers, then update again)",
  customized: "customized (kept)",
  deleted: "deleted by you (kept deleted; --restore brings it back)",
  restored: "restored",
  removed: "removed (no longer in the template)",
};

export function printUpdate(result: UpdateResult, options: { json: boolean; check: boolean; dryRun: boolean }): void {
  if (options.json) {
    const counts: Record<string, number> = {};
    for (const file of result.files) counts[file.outcome] = (counts[file.outcome] ?? 0) + 1;
    process.stdout.write(`${JSON.stringify({ written: result.written, upToDate: result.upToDate, counts, files: result.files }, null, 2)}\n`);
    return;
  }
  printOutcomes(result.files);
  // Edited owned files are never overwritten: `update` cannot resolve them, so say what can.
  const drift = result.pending.filter((file) => file.kind === "owned" && file.outcome === "customized");
  const toWrite = result.pending.length - drift.length;
  const summary = `${result.files.length} files, ${toWrite} to change, ${result.conflicts.length} conflicts`;
  if (result.written) process.stdout.write(`Updated (${summary}).${result.conflicts.length ? " Resolve the conflicts, then commit." : ""}\n`);
  else if (result.upToDate) process.stdout.write(`Up to date with templates/ (${summary}).\n`);
  else if (options.check || options.dryRun) process.stdout.write(`${options.check ? "Not up to date" : "Dry run, nothing written"} (${summary}).${toWrite || result.stateWrites.length ? " Run `npx shipyard update`." : ""}\n`);
  if (result.stateWrites.length > 0 && !result.written) process.stdout.write(`${result.stateWrites.length} state files to refresh: ${result.stateWrites.join(", ")}.\n`);
  if (drift.length > 0) {
    process.stdout.write(
      `${drift.length} owned files were edited by hand: ${drift.map((file) => file.path).join(", ")}.\n` +
        "  Move the change into templates/ (then `npx shipyard update`), or drop it: delete the file and run `npx shipyard update --restore <file>`.\n",
    );
  }
}

/** One line per managed file (seed files only when something happened to them). */
function printOutcomes(files: FileOutcome[]): void {
  const shown = files.filter((file) => file.kind !== "seed" || file.outcome !== "unchanged");
  const width = Math.max(0, ...shown.map((file) => file.path.length));
  for (const file of shown) {
    const text = file.kind === "owned" && file.outcome === "customized" ? "customized (kept; owned file: drift, change the template instead)" : OUTCOME_TEXT[file.outcome];
    process.stdout.write(`  ${file.path.padEnd(width)}  ${text}\n`);
  }
}

export function printUpgrade(result: UpgradeResult, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const { copied } = result;
  process.stdout.write(`Shipyard ${result.fromVersion} -> ${result.toVersion}\n`);
  process.stdout.write(`  generators/: ${copied.generators} files changed; templates/: ${copied.templates} files changed; ${copied.removed} removed\n`);
  for (const migration of result.migrations) process.stdout.write(`  migration ${migration.id}: ${migration.description}\n`);
  printOutcomes(result.files);
  const summary = `${result.pending.length} files to change, ${result.conflicts.length} conflicts`;
  if (!result.written) process.stdout.write(`Dry run, nothing written (${summary}).\n`);
  else process.stdout.write(`Upgraded (${summary}). Run \`npm install\`, review with \`git diff\`, then commit.${result.conflicts.length ? " Resolve the conflicts first." : ""}\n`);
}

export function printUse(result: UseResult, library: string, into: string): void {
  if (result.alreadyUsed) {
    process.stdout.write(`${into} already uses ${library}: nothing to do.\n`);
    return;
  }
  printOutcomes(result.files.filter((file) => file.outcome !== "unchanged"));
  process.stdout.write(result.written ? `${into} now uses ${library}. Run \`npm install\` to link it.\n` : "Dry run, nothing written.\n");
}

const MARK = { ok: "ok     ", warning: "warning", error: "ERROR  " } as const;

export function printDoctor(result: DoctorResult, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  for (const check of result.checks) {
    process.stdout.write(`${MARK[check.status]}  ${check.message}\n`);
    if (check.fix) process.stdout.write(`         fix: ${check.fix}\n`);
  }
  process.stdout.write(`\n${result.errors} errors, ${result.warnings} warnings.\n`);
}
