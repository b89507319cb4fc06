import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Answers, type RawAnswers, resolveAnswers } from "../engine/answers.js";
import { type PlannedFile, renderString, renderTemplate } from "../engine/render.js";
import { checkNewPackageName } from "../engine/names.js";
import { loadTemplate } from "../engine/template.js";
import { recoverInterruptedWrites, writeAtomically } from "../engine/transaction.js";
import { ShipyardError } from "../errors.js";
import { checkReferences } from "../state/references.js";
import { readConfig, readUnits, unitExists, unitWrites } from "../state/store.js";
import { findRepoRoot, generatorVersion, repoTemplatesDir } from "../workspace.js";

export interface AddOptions {
  cwd: string;
  kind: string;
  given: RawAnswers;
  /** Take defaults for every answer not given. */
  yes: boolean;
  /** Ask for missing answers (only when stdin is a TTY and --yes is not set). */
  interactive: boolean;
  dryRun: boolean;
}

export interface AddResult {
  root: string;
  kind: string;
  name: string;
  directory: string;
  answers: Answers;
  files: PlannedFile[];
  written: boolean;
}

/** Plans a new unit from a template: answers validated, files rendered, collisions refused. Writes nothing. */
export async function planAdd(options: AddOptions): Promise<Omit<AddResult, "written">> {
  const root = findRepoRoot(options.cwd);
  const config = readConfig(root);
  const template = loadTemplate(repoTemplatesDir(root), options.kind);
  let given = options.given;
  if (options.interactive && !options.yes) {
    const { askMissing } = await import("../prompts.js");
    given = await askMissing(template.answers, given, config.scope);
  }
  const answers = resolveAnswers(template, given, config.scope, options.yes);
  const name = String(answers.name);
  const directory = renderString(template.directory, answers);
  checkNewPackageName(root, name);
  if (unitExists(root, name) || existsSync(join(root, directory))) {
    throw new ShipyardError("ALREADY_EXISTS", `${directory} already exists: choose another name.`);
  }
  checkReferences(template, name, answers, readUnits(root));
  const files = renderTemplate(template, answers, { scope: config.scope, shipyardVersion: generatorVersion() });
  const taken = files.filter((file) => existsSync(join(root, file.path)));
  if (taken.length > 0) {
    throw new ShipyardError("ALREADY_EXISTS", `Would overwrite ${taken.map((file) => file.path).join(", ")}: nothing was written.`);
  }
  return { root, kind: options.kind, name, directory, answers, files };
}

export async function add(options: AddOptions): Promise<AddResult> {
  // A run killed half way leaves a journal: undo it first, so the same command can simply be run again.
  recoverInterruptedWrites(findRepoRoot(options.cwd));
  const plan = await planAdd(options);
  if (options.dryRun) return { ...plan, written: false };
  const record = { template: plan.kind, answers: plan.answers, files: Object.fromEntries(plan.files.map((file) => [file.path, file.kind])) };
  writeAtomically(plan.root, [...plan.files, ...unitWrites(plan.name, record, plan.files)]);
  return { ...plan, written: true };
}
