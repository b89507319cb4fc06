import { type AnswerValue, coerceAnswer } from "../engine/answers.js";
import { loadTemplate, readPackageManagerTable, type Template } from "../engine/template.js";
import type { Tree } from "../engine/tree.js";
import { ShipyardError } from "../errors.js";
import { commandsOf, PACKAGE_MANAGER_ANSWER, repositoryCommands } from "../package-managers.js";
import { applyToTree, commit } from "../state/apply.js";
import { type FileDiff, pendingDiffs } from "../state/diffs.js";
import { findPackage } from "../state/packages.js";
import { checkReferences } from "../state/references.js";
import { isRootUnit, ROOT_UNIT, readConfig, readUnits, templateOfUnit, type Unit } from "../state/store.js";
import { diskPlanInput, type FileOutcome, planUpdate } from "../state/update-plan.js";
import { openRepository, repoTemplatesDir } from "../workspace.js";

export interface SetOptions {
  cwd: string;
  /** `name=value` pairs, as typed. */
  assignments: string[];
  /** The packages to change; empty with `all`. */
  in: string[];
  all: boolean;
  dryRun: boolean;
  allowDirty: boolean;
  /** Also give the unified diff of every file it changes (or would change). */
  diff?: boolean;
}

export interface AnswerChange {
  unit: string;
  answer: string;
  from: AnswerValue | undefined;
  to: AnswerValue;
}

/** A change of the repository's package manager: the old lockfile goes, the next install writes the new one. */
export interface ManagerSwitch {
  from: string;
  to: string;
  /** The old manager's lockfiles deleted (through the tree, with the rest of the change). */
  removed: string[];
  /** What to run next: the new manager's install, which writes its lockfile. */
  install: string;
}

export interface SetResult {
  changes: AnswerChange[];
  /** The repository's install (after a switch, the new manager's). */
  install: string;
  packageManager?: ManagerSwitch;
  files: FileOutcome[];
  conflicts: FileOutcome[];
  written: boolean;
  diffs?: FileDiff[];
}

function parseAssignment(text: string, shipyard: string): { name: string; value: string } {
  const at = text.indexOf("=");
  if (at <= 0) throw new ShipyardError("USAGE", `"${text}" is not <answer>=<value>.`, `For example: ${shipyard} set node=26 --all`);
  return { name: text.slice(0, at).trim(), value: text.slice(at + 1) };
}

/**
 * `shipyard set <answer>=<value>… (--in <package>… | --all)`: changes recorded answers and re-renders the packages
 * through the update planner, exactly as `use` does for `uses`: every file a template derives from the answer
 * changes together and the user's edits to those files are merged, not overwritten. That includes seed files
 * (sources, tests, README: written once, then the user's): the answer was asked for, so what it changes in them is
 * merged in too, and only that (the planner's base for a seed is the old answers' render). Each value is validated as
 * `add` validates it; anything wrong is refused before a file is read for the plan.
 */
export function set(options: SetOptions): SetResult {
  const { root, tree } = openRepository(options.cwd, { readOnly: options.dryRun });
  if (options.all && options.in.length > 0) throw new ShipyardError("USAGE", "Say which packages to change: --in <package>… or --all, not both.");
  if (options.assignments.length === 0) throw new ShipyardError("USAGE", "Nothing to set: give <answer>=<value>, e.g. node=26.");
  const { scope } = readConfig(tree);
  const units = readUnits(tree);
  const templatesDir = repoTemplatesDir(root);
  const templates = new Map<string, Template>();
  const templateOf = (unit: Unit) => {
    if (!templates.has(unit.template)) templates.set(unit.template, templateOfUnit(unit, loadTemplate, templatesDir));
    return templates.get(unit.template) as Template;
  };
  const shipyardCommand = repositoryCommands(templatesDir, units).shipyard;
  const assignments = options.assignments.map((text) => parseAssignment(text, shipyardCommand));
  const rootUnit = units.find((unit) => isRootUnit(unit.id));
  // Without --in or --all, the answers are the repository's own (packageManager): only the root unit's template has them.
  const hasAnswer = (unit: Unit, name: string) => templateOf(unit).answers.some((spec) => spec.name === name && !spec.positional);
  const rootOnly =
    rootUnit !== undefined &&
    assignments.every(({ name }) => hasAnswer(rootUnit, name) && !units.some((unit) => !isRootUnit(unit.id) && hasAnswer(unit, name)));
  if (!options.all && options.in.length === 0 && !rootOnly) {
    throw new ShipyardError("USAGE", "Say which packages to change: --in <package>… or --all.");
  }
  const targets =
    !options.all && options.in.length === 0
      ? [rootUnit as Unit]
      : options.all
        ? units.filter((unit) => !isRootUnit(unit.id))
        : [...new Set(options.in)].map((id) => findPackage(units, id));

  const next = new Map(units.map((unit) => [unit.id, { ...unit, answers: { ...unit.answers } }]));
  const changes: AnswerChange[] = [];
  for (const { name, value } of assignments) {
    // --all means every package that has this answer; --in names packages that must have it.
    const having = targets.filter((unit) => templateOf(unit).answers.some((spec) => spec.name === name));
    const lacking = targets.filter((unit) => !having.includes(unit));
    if (having.length === 0 || (!options.all && lacking.length > 0)) {
      const unit = lacking[0] as Unit;
      const known = templateOf(unit)
        .answers.filter((spec) => !spec.positional)
        .map((spec) => spec.name);
      throw new ShipyardError("INVALID_ANSWER", `A ${unit.template} has no answer "${name}" (${unit.id}).`, `Its answers: ${known.join(", ")}.`);
    }
    for (const unit of having) {
      const spec = templateOf(unit).answers.find((answer) => answer.name === name);
      if (spec?.positional || spec?.type === "name") {
        throw new ShipyardError("USAGE", `The ${name} of a package is changed with: ${shipyardCommand} rename ${unit.id} <new-name>`);
      }
      const coerced = coerceAnswer(spec as NonNullable<typeof spec>, value, scope);
      const record = next.get(unit.id) as Unit;
      if (JSON.stringify(record.answers[name]) === JSON.stringify(coerced)) continue;
      changes.push({ unit: unit.id, answer: name, from: record.answers[name], to: coerced });
      record.answers[name] = coerced;
    }
  }
  const changedIds = new Set(changes.map((change) => change.unit));
  for (const id of changedIds) {
    const unit = next.get(id) as Unit;
    checkReferences(templateOf(unit), id, unit.answers, [...next.values()], templateOf);
  }
  followRootNode(next, changes, templateOf);
  const switched = changes.find((change) => isRootUnit(change.unit) && change.answer === PACKAGE_MANAGER_ANSWER);
  // A new package manager changes files of every unit (workflows, Dockerfiles, workspace ranges): all re-render.
  const changed = switched ? [...next.values()] : [...new Set(changes.map((change) => change.unit))].map((id) => next.get(id) as Unit);
  const install = repositoryCommands(templatesDir, [...next.values()]).install;
  if (changes.length === 0) return { changes, install, files: [], conflicts: [], written: false, ...(options.diff ? { diffs: [] } : {}) };
  // The answers as they were: seed files (app.ts, server.ts, their tests) take what the new answer changes by a
  // three-way merge against the old answers' render, so an unedited seed becomes the new render and an edited one
  // keeps its edits (update-plan.ts).
  // A switch of manager changes every unit's seeds (their READMEs name its commands): all are reconciled.
  const previous = new Map(
    units.filter((unit) => switched || changedIds.has(unit.id) || unit.id === ROOT_UNIT).map((unit) => [unit.id, unit.answers]),
  );
  const plan = planUpdate(diskPlanInput(tree, { units: changed, previous }));
  applyToTree(tree, plan.writes);
  const manager = switched ? switchLockfile(tree, templatesDir, String(switched.from ?? ""), String(switched.to)) : undefined;
  const diffs = options.diff ? pendingDiffs(tree) : undefined;
  // The old lockfile belongs to no unit: it is reported as a removal, not as a managed file.
  const removals = (manager?.removed ?? []).map((path) => ({ path, outcome: "removed" }));
  const files = plan.files;
  const { written } = commit(tree, { command: "set", dryRun: options.dryRun, allowDirty: options.allowDirty, changes: [...files, ...removals] });
  return {
    changes,
    install,
    ...(manager ? { packageManager: manager } : {}),
    files,
    conflicts: plan.files.filter((file) => file.outcome === "conflict"),
    written,
    ...(diffs ? { diffs } : {}),
  };
}

/**
 * The old manager's lockfile is deleted with the change (through the tree, so a dry run only reports it and an
 * uncommitted edit to it stops the command): a stale lockfile beside the new one is what doctor reports. The new
 * lockfile is not invented here: the new manager's install resolves it.
 */
function switchLockfile(tree: Tree, templatesDir: string, from: string, to: string): ManagerSwitch {
  const table = readPackageManagerTable(templatesDir);
  const newer = commandsOf(table, to);
  const older = from ? commandsOf(table, from) : commandsOf(table, undefined);
  const oldFiles = [older.lockfile, ...(table?.managers[older.name]?.oldLockfiles ?? "").split(/\s+/)].filter(
    (file) => file && file !== newer.lockfile,
  );
  const removed = oldFiles.filter((file) => tree.exists(file));
  for (const file of removed) tree.delete(file);
  return { from: older.name, to: newer.name, removed, install: newer.install };
}

/** When every package with a `node` answer now agrees on one major, the root's `node` answer (.nvmrc, the root CI) takes it too. */
function followRootNode(next: Map<string, Unit>, changes: AnswerChange[], templateOf: (unit: Unit) => Template): void {
  const rootUnit = next.get(ROOT_UNIT);
  if (!rootUnit || !changes.some((change) => change.answer === "node")) return;
  const majors = new Set(
    [...next.values()].filter((unit) => unit.id !== ROOT_UNIT && "node" in unit.answers).map((unit) => String(unit.answers.node)),
  );
  if (majors.size !== 1) return;
  const spec = templateOf(rootUnit).answers.find((answer) => answer.name === "node");
  const major = [...majors][0] as string;
  if (!spec || String(rootUnit.answers.node) === major) return;
  const to = coerceAnswer(spec, major, "");
  changes.push({ unit: ROOT_UNIT, answer: "node", from: rootUnit.answers.node, to });
  rootUnit.answers.node = to;
}
