import { createRequire } from "node:module";
import type * as Patch from "diff/lib/patch/create.js";
import type { AddResult } from "../commands/add.js";
import type { CreateResult } from "../commands/create.js";
import type { DoctorResult } from "../commands/doctor.js";
import type { RemoveResult } from "../commands/remove.js";
import type { RenameResult } from "../commands/rename.js";
import type { SetResult } from "../commands/set.js";
import type { UpdateResult } from "../commands/update.js";
import type { UpgradeResult } from "../commands/upgrade.js";
import type { UseResult } from "../commands/use.js";
import { runInPackage } from "../package-managers.js";
import type { ChangeEntry, ChangeSet } from "../state/apply.js";
import type { FileDiff } from "../state/diffs.js";
import type { FileOutcome } from "../state/update-plan.js";

/** `1 file`, `2 files`, `0 files`. */
export const count = (n: number, singular: string, plural = `${singular}s`): string => `${n} ${n === 1 ? singular : plural}`;

/**
 * How results look to a person (or, with --json, to a script). Commands compute; this file only prints.
 *
 * Every command that changes files (add, create, update, use, upgrade) gives a ChangeSet, and `--json` prints it
 * in one schema, CHANGE_SET_SCHEMA: `{ command, dryRun, written, changes: [{ path, unit?, kind?, outcome,
 * conflicts? }], counts, ... }` followed by what is particular to the command (the new unit's name and answers, the
 * versions of an upgrade, …).
 */
export const OUTCOMES = [
  "created",
  "updated",
  "merged",
  "conflict",
  "unresolved",
  "customized",
  "deleted",
  "restored",
  "removed",
  "unchanged",
  "copied",
] as const;

/**
 * The `--json` output of add, create, update, use and upgrade, with or without --dry-run, as a JSON Schema (draft
 * 2020-12): the one definition of it, which the tests validate every command's output against. Plain data, so the
 * printer pays nothing for it.
 */
export const CHANGE_SET_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "Shipyard change set (--json of add, create, update, use, upgrade)",
  type: "object",
  required: ["command", "dryRun", "written", "changes", "counts"],
  properties: {
    command: { enum: ["add", "create", "update", "use", "upgrade"] },
    /** --dry-run or --check: the same change set, not written. */
    dryRun: { type: "boolean" },
    written: { type: "boolean" },
    /** Every file the command considered (a unit's files, copies of generators/ and templates/), with its outcome. */
    changes: {
      type: "array",
      items: {
        type: "object",
        required: ["path", "outcome"],
        additionalProperties: false,
        properties: {
          path: { type: "string", minLength: 1 },
          /** The unit (package, or `_monorepo`) it belongs to; absent for copies. */
          unit: { type: "string", minLength: 1 },
          /** The file's kind in its template; absent for copies. */
          kind: { enum: ["owned", "merged", "seed"] },
          outcome: { enum: OUTCOMES },
          conflicts: { type: "integer", minimum: 1 },
        },
      },
    },
    /** How many entries of `changes` have each outcome (outcomes with none are left out). */
    counts: { type: "object", propertyNames: { enum: OUTCOMES }, additionalProperties: { type: "integer", minimum: 1 } },
  },
  /** A dry run writes nothing: not a dry run, or nothing written. */
  anyOf: [{ properties: { dryRun: { const: false } } }, { properties: { written: { const: false } } }],
  /** What is particular to the command follows: its own keys, never one of the above. */
  additionalProperties: true,
} as const;

export function printJson(result: ChangeSet, details: Record<string, unknown>): void {
  const { command, dryRun, written, changes, counts } = result;
  process.stdout.write(`${JSON.stringify({ command, dryRun, written, changes, counts, ...details }, null, 2)}\n`);
}

/**
 * jsdiff's patch module, loaded the first time a diff is printed: `add` and `create` print none, and loading the
 * whole library costs them 10 ms of CPU (its `diff/lib/…` modules are 4 files instead of 19).
 */
let patch: typeof Patch | undefined;
const loadPatch = () => {
  patch ??= createRequire(import.meta.url)("diff/lib/patch/create.js") as typeof Patch;
  return patch;
};

/**
 * `--diff`: one unified diff per file a command changes or would change (update, set, remove, rename), git's format
 * (`--- a/path`, `+++ b/path`, 3 lines of context; /dev/null for a file created or deleted). Made with jsdiff, the
 * diff library Shipyard's merge already uses. Colored only at a terminal, and never with NO_COLOR or TERM=dumb, so
 * what is piped or redirected is a plain patch.
 */
export function unifiedDiff(file: FileDiff): string {
  const { createTwoFilesPatch, FILE_HEADERS_ONLY } = loadPatch();
  const oldName = file.before === null ? "/dev/null" : `a/${file.from ?? file.path}`;
  const newName = file.after === null ? "/dev/null" : `b/${file.path}`;
  return createTwoFilesPatch(oldName, newName, file.before ?? "", file.after ?? "", undefined, undefined, {
    context: 3,
    headerOptions: FILE_HEADERS_ONLY,
  });
}

function colorOn(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== "dumb";
}

const COLOR = {
  header: ["\x1b[1m", "\x1b[22m"],
  hunk: ["\x1b[36m", "\x1b[39m"],
  added: ["\x1b[32m", "\x1b[39m"],
  removed: ["\x1b[31m", "\x1b[39m"],
} as const;

function paint(patch: string): string {
  return patch
    .split("\n")
    .map((line) => {
      const [open, close] =
        line.startsWith("+++") || line.startsWith("---")
          ? COLOR.header
          : line.startsWith("@@")
            ? COLOR.hunk
            : line.startsWith("+")
              ? COLOR.added
              : line.startsWith("-")
                ? COLOR.removed
                : ["", ""];
      return line === "" ? line : `${open}${line}${close}`;
    })
    .join("\n");
}

/** The diffs, one after another, before the command's own lines (which end with the summary). */
function printDiffs(diffs: FileDiff[] | undefined): void {
  if (!diffs) return;
  const color = colorOn();
  for (const file of diffs) process.stdout.write(color ? paint(unifiedDiff(file)) : unifiedDiff(file));
  if (diffs.length > 0) process.stdout.write("\n");
}

/** For --json: each diff as its patch text (the contents it was made from are left out). */
function jsonDiffs(diffs: FileDiff[] | undefined): Array<{ path: string; from?: string; diff: string }> | undefined {
  return diffs?.map((file) => ({ path: file.path, ...(file.from ? { from: file.from } : {}), diff: unifiedDiff(file) }));
}

export function printAdd(result: AddResult, json: boolean): void {
  if (json) {
    printJson(result, { template: result.template, name: result.name, directory: result.directory, answers: result.answers });
    return;
  }
  const verb = result.written ? "created" : "would create";
  for (const file of result.files) process.stdout.write(`  ${verb}  ${file.path}\n`);
  if (!result.written) {
    process.stdout.write(`Dry run: ${count(result.files.length, "file")}, nothing written.\n`);
    return;
  }
  process.stdout.write(
    `\nAdded ${result.template} ${result.name} in ${result.directory}. Next:\n` +
      `  ${result.manager.install.padEnd(32)} # link the new workspace package\n` +
      `  ${result.manager.exec} turbo run build test --filter=./${result.directory}\n`,
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
  removed: "removed (no longer generated: the template or an answer dropped it)",
};

export function printUpdate(result: UpdateResult, options: { json: boolean; check: boolean; dryRun: boolean }): void {
  if (options.json) {
    printJson(result, { upToDate: result.upToDate, stateWrites: result.stateWrites, diffs: jsonDiffs(result.diffs) });
    return;
  }
  printDiffs(result.diffs);
  const unchanged = printOutcomes(result.changes);
  // Edited owned files are never overwritten: `update` cannot resolve them, so say what can.
  const drift = result.pending.filter((file) => file.kind === "owned" && file.outcome === "customized");
  const toWrite = result.pending.length - drift.length;
  const summary = `${count(result.changes.length, "file")}, ${toWrite} to change, ${unchanged} unchanged, ${count(result.conflicts.length, "conflict")}`;
  if (result.written) process.stdout.write(`Updated (${summary}).${result.conflicts.length ? " Resolve the conflicts, then commit." : ""}\n`);
  else if (result.upToDate) process.stdout.write(`Up to date with templates/ (${summary}).\n`);
  else if (options.check || options.dryRun)
    process.stdout.write(
      `${options.check ? "Not up to date" : "Dry run, nothing written"} (${summary}).${toWrite || result.stateWrites.length ? ` Run \`${result.shipyard} update\`.` : ""}\n`,
    );
  if (result.stateWrites.length > 0 && !result.written)
    process.stdout.write(`${result.stateWrites.length} state files to refresh: ${result.stateWrites.join(", ")}.\n`);
  if (drift.length > 0) {
    process.stdout.write(
      `${drift.length} owned files were edited by hand: ${drift.map((file) => file.path).join(", ")}.\n` +
        `  Move the change into templates/ (then \`${result.shipyard} update\`), or drop it: delete the file and run \`${result.shipyard} update --restore <file>\`.\n`,
    );
  }
}

/** A managed file's entry (a unit's, with its kind), as opposed to a copy of generators/ or templates/. */
const isFileOutcome = (change: ChangeEntry): change is FileOutcome => change.unit !== undefined && change.kind !== undefined;

/** One line per managed file something happens to; unchanged files are only counted (the count is returned). */
function printOutcomes(files: FileOutcome[]): number {
  const shown = files.filter((file) => file.outcome !== "unchanged");
  const width = Math.max(0, ...shown.map((file) => file.path.length));
  for (const file of shown) {
    const text =
      file.kind === "owned" && file.outcome === "customized"
        ? "customized (kept; owned file: drift, change the template instead)"
        : OUTCOME_TEXT[file.outcome];
    process.stdout.write(`  ${file.path.padEnd(width)}  ${text}\n`);
  }
  return files.length - shown.length;
}

export function printUpgrade(result: UpgradeResult, json: boolean): void {
  if (json) {
    const { fromVersion, toVersion, copied, migrations } = result;
    printJson(result, { fromVersion, toVersion, copied, migrations, upToDate: result.pending.length === 0 });
    return;
  }
  const { copied } = result;
  process.stdout.write(`Shipyard ${result.fromVersion} -> ${result.toVersion}\n`);
  process.stdout.write(
    `  generators/: ${count(copied.generators, "file")} changed; templates/: ${count(copied.templates, "file")} changed; ${copied.removed} removed\n`,
  );
  for (const migration of result.migrations) process.stdout.write(`  migration ${migration.id}: ${migration.description}\n`);
  const unchanged = printOutcomes(result.changes.filter(isFileOutcome));
  const summary = `${count(result.pending.length, "file")} to change, ${unchanged} unchanged, ${count(result.conflicts.length, "conflict")}`;
  if (result.dryRun) process.stdout.write(`Dry run, nothing written (${summary}).\n`);
  else if (!result.written) process.stdout.write(`Already up to date with Shipyard ${result.toVersion}: nothing written (${summary}).\n`);
  else
    process.stdout.write(
      `Upgraded (${summary}). Run \`${result.manager.install}\`, review with \`git diff\`, then commit.${result.conflicts.length ? " Resolve the conflicts first." : ""}\n`,
    );
}

export function printUse(result: UseResult, json: boolean): void {
  const { library, into } = result;
  if (json) {
    printJson(result, { library, into, alreadyUsed: result.alreadyUsed });
    return;
  }
  if (result.alreadyUsed) {
    process.stdout.write(`${into} already uses ${library}: nothing to do.\n`);
    return;
  }
  printOutcomes(result.changes.filter((file) => file.outcome !== "unchanged"));
  process.stdout.write(
    result.written ? `${into} now uses ${library}. Run \`${result.manager.install}\` to link it.\n` : "Dry run, nothing written.\n",
  );
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
  process.stdout.write(`\n${count(result.errors, "error")}, ${count(result.warnings, "warning")}.\n`);
}

/** A directory as a shell word: `my platform` -> `'my platform'`. */
const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);

function printCreated(result: CreateResult): void {
  const out: string[] = [];
  const service = result.service;
  out.push(
    `\nCreated ${result.shown}: a Shipyard monorepo (scope @${result.scope}, ${count(result.files, "file")})` +
      (service ? ` with the service ${service.name} in ${service.directory}.` : ", no service yet."),
  );
  if (result.git?.status === "committed") out.push(`Git: one initial commit on ${result.git.branch}.`);
  else if (result.git?.status === "skipped") out.push(`Git: no repository made (${result.git.reason}); the files are not committed.`);
  else if (result.git?.status === "uncommitted") {
    out.push(`Git: repository made, files left uncommitted (${result.git.reason}). Then: git add --all && git commit -m "Initial commit"`);
  }

  const steps: Array<[string, string]> = [];
  if (result.shown !== ".") steps.push([`cd ${shellWord(result.shown)}`, ""]);
  const pm = result.packageManager;
  if (!result.install) steps.push([pm.install, "install and link every workspace package"]);
  steps.push([pm.test, "build and test every package (turbo)"]);
  if (service)
    steps.push([runInPackage(pm, "dev", `@${result.scope}/${service.name}`), `run ${service.name} on http://localhost:${service.answers.port}`]);
  steps.push([`${pm.shipyard} add service <name>`, service ? "add another service" : "add a service"]);
  const width = Math.max(...steps.map(([command]) => command.length)) + 2;
  out.push("\nNext steps:");
  for (const [command, why] of steps) out.push(`  ${why ? `${command.padEnd(width)}# ${why}` : command}`);

  const appVariable = service ? `CLEVER_APP_ID_${service.name.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}` : "CLEVER_APP_ID_<SERVICE>";
  out.push(
    "\nDeploys: push to GitHub (git remote add origin <url> && git push -u origin main). Each service's workflow" +
      "\ntests it and, on main, deploys it to Clever Cloud once the secrets CLEVER_TOKEN and CLEVER_SECRET and the" +
      `\nvariable ${appVariable} are set (Settings > Secrets and variables > Actions). README.md tells more.\n`,
  );
  process.stdout.write(`${out.join("\n")}\n`);
}

export function printCreate(result: CreateResult, json: boolean): void {
  if (json) {
    const { root, name, scope, service, install, git } = result;
    printJson(result, { root, name, scope, service, install, git, packageManager: result.packageManager.name });
    return;
  }
  if (result.dryRun) {
    for (const change of result.changes) process.stdout.write(`  would create  ${change.path}\n`);
    process.stdout.write(`Dry run: ${count(result.files, "file")} in ${result.shown}, nothing written.\n`);
    return;
  }
  printCreated(result);
}

// set, remove, rename: each prints its own lines, then the file outcomes through printOutcomes.

export function printSet(result: SetResult, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...result, diffs: jsonDiffs(result.diffs) }, null, 2)}\n`);
    return;
  }
  printDiffs(result.diffs);
  if (result.changes.length === 0) {
    process.stdout.write("Every answer already has that value: nothing to do.\n");
    return;
  }
  for (const change of result.changes)
    process.stdout.write(`  ${change.unit}: ${change.answer} ${JSON.stringify(change.from)} -> ${JSON.stringify(change.to)}\n`);
  printOutcomes(result.files.filter((file) => file.outcome !== "unchanged"));
  const conflicts = result.conflicts.length ? ` ${count(result.conflicts.length, "conflict")}: resolve the <<<<<<< markers, then commit.` : "";
  const manager = result.packageManager;
  for (const path of manager?.removed ?? [])
    process.stdout.write(`  ${path}  ${result.written ? "deleted" : "would be deleted"} (the old lockfile)\n`);
  if (manager) {
    process.stdout.write(
      `${result.written ? "Now" : "After it"}, ${manager.to} writes its lockfile and node_modules: rm -rf node_modules && ${manager.install}` +
        `\n(then commit the new lockfile with the rest${manager.removed.length ? `; ${manager.removed.join(", ")} ${result.written ? "was" : "would be"} deleted` : ""}).\n`,
    );
  }
  process.stdout.write(
    result.written
      ? `Set.${conflicts}${manager ? "" : ` Run \`${result.install}\` if dependencies or engines changed.`}\n`
      : `Dry run, nothing written.${conflicts}\n`,
  );
}

export function printRemove(result: RemoveResult, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...result, diffs: jsonDiffs(result.diffs) }, null, 2)}\n`);
    return;
  }
  printDiffs(result.diffs);
  const verb = result.written ? "removed" : "would remove";
  for (const path of result.removed)
    process.stdout.write(`  ${verb}  ${path}${result.userFiles.includes(path) ? "  (added by you, not generated)" : ""}\n`);
  process.stdout.write(`  ${verb}  ${count(result.state.length, "file")} of Shipyard's state (record and merge bases)\n`);
  if (!result.written) {
    process.stdout.write("Dry run, nothing written.\n");
    return;
  }
  process.stdout.write(`\nRemoved ${result.name}. Outside this repository:\n  ${result.install.padEnd(32)} # drop it from ${result.lockfile}\n`);
  for (const variable of result.variables) {
    process.stdout.write(
      `  delete its Clever Cloud application (console, or: clever delete --app <app id>), and the repository variable\n` +
        `  ${variable} (GitHub: Settings > Secrets and variables > Actions > Variables)\n`,
    );
  }
}

export function printRename(result: RenameResult, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...result, diffs: jsonDiffs(result.diffs) }, null, 2)}\n`);
    return;
  }
  printDiffs(result.diffs);
  const verb = result.written ? "moved" : "would move";
  for (const move of result.moved) process.stdout.write(`  ${verb}  ${move.from} -> ${move.to}\n`);
  for (const path of result.imports) process.stdout.write(`  imports of @…/${result.from} rewritten in ${path}\n`);
  printOutcomes(result.files.filter((file) => file.outcome !== "unchanged"));
  const conflicts = result.conflicts.length ? ` ${count(result.conflicts.length, "conflict")}: resolve the <<<<<<< markers, then commit.` : "";
  if (!result.written) {
    process.stdout.write(`Dry run, nothing written.${conflicts}\n`);
    return;
  }
  process.stdout.write(
    `\nRenamed ${result.from} to ${result.to}.${conflicts} Next:\n  ${result.install.padEnd(32)} # relink the workspace under its new name\n`,
  );
  for (const variable of result.variables) {
    process.stdout.write(
      `  on GitHub, rename the repository variable ${variable.from} to ${variable.to} (Settings > Secrets and variables > Actions > Variables):\n  the deploy now reads ${variable.to}.\n`,
    );
  }
}

/**
 * The outcome of an upgrade as the body of a pull request (the upgrade workflow's): conflicted files first, so a
 * reviewer cannot miss them, then every file that changes. The first line marks the output as complete.
 */
export function printUpgradeMarkdown(result: UpgradeResult): void {
  const lines = [
    "<!-- shipyard-upgrade -->",
    `Shipyard ${result.fromVersion} → ${result.toVersion}: ${count(result.pending.length, "file")} change, ${count(result.conflicts.length, "conflict")}.`,
    "",
  ];
  if (result.conflicts.length > 0) {
    lines.push(
      "### Conflicts: resolve these first",
      "",
      "Both you and the template changed the same lines. The files hold git-style `<<<<<<<` markers and CI fails until they are resolved:",
      "",
    );
    for (const file of result.conflicts) lines.push(`- [ ] \`${file.path}\` (${count(file.conflicts ?? 1, "conflict")})`);
    lines.push("");
  }
  for (const migration of result.migrations) lines.push(`- migration \`${migration.id}\`: ${migration.description}`);
  const changed = [...result.conflicts, ...result.pending.filter((file) => file.outcome !== "conflict")];
  if (changed.length > 0) {
    lines.push("| file | package | outcome |", "| --- | --- | --- |");
    for (const file of changed) lines.push(`| \`${file.path}\` | ${file.unit} | ${OUTCOME_TEXT[file.outcome]} |`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}
