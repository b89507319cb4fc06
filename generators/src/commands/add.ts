import { type Answers, type RawAnswers, resolveAnswers } from "../engine/answers.js";
import { checkNewPackageName } from "../engine/names.js";
import { type PlannedFile, renderString, renderTemplate } from "../engine/render.js";
import { loadTemplate } from "../engine/template.js";
import { checkRelativePath, type Tree } from "../engine/tree.js";
import { ShipyardError } from "../errors.js";
import { type ManagerCommands, recordedPackageManager, repositoryCommands } from "../package-managers.js";
import { applyToTree, type ChangeSet, commit } from "../state/apply.js";
import { templateLoader } from "../state/packages.js";
import { checkReferences } from "../state/references.js";
import { readConfig, readUnits, unitExists, unitWrites } from "../state/store.js";
import { generatorVersion, openRepository, repoTemplatesDir } from "../workspace.js";

export interface AddOptions {
  cwd: string;
  /** The template's name (its folder under templates/). */
  template: string;
  given: RawAnswers;
  /** Take defaults for every answer not given. */
  yes: boolean;
  /** Ask for missing answers (only when stdin is a TTY and --yes is not set). */
  interactive: boolean;
  dryRun: boolean;
}

export interface AddPlan {
  template: string;
  name: string;
  directory: string;
  answers: Answers;
  files: PlannedFile[];
}

export interface AddResult extends AddPlan, ChangeSet {
  root: string;
  /** The repository's package manager: what to run next. */
  manager: ManagerCommands;
}

/**
 * Plans a new unit from a template into `tree`: answers validated, files rendered, collisions refused, the files
 * and the unit's state written into the tree (not to disk). `templatesDir` holds the template (create passes its
 * own, as the new repository's templates/ is itself still in the tree).
 */
export async function planAdd(tree: Tree, templatesDir: string, options: Omit<AddOptions, "cwd" | "dryRun">): Promise<AddPlan> {
  const config = readConfig(tree);
  const template = loadTemplate(templatesDir, options.template);
  let given = options.given;
  if (options.interactive && !options.yes) {
    const { askMissing } = await import("../prompts.js");
    given = await askMissing(template.answers, given, config.scope, {
      choicesOf: (kind) =>
        readUnits(tree)
          .filter((unit) => unit.template === kind)
          .map((unit) => unit.id),
      check: (answer, value) => {
        if (answer !== "name") return;
        const taken = renderString(template.directory, { ...given, name: String(value) } as Answers);
        if (unitExists(tree, String(value)) || tree.exists(taken)) throw new Error(`${taken} already exists: choose another name.`);
      },
    });
  }
  const answers = resolveAnswers(template, given, config.scope, options.yes);
  const name = String(answers.name);
  const directory = checkRelativePath(renderString(template.directory, answers), `templates/${options.template}/template.json`);
  if (unitExists(tree, name) || tree.exists(directory, "the template's directory")) {
    throw new ShipyardError("ALREADY_EXISTS", `${directory} already exists: choose another name.`);
  }
  checkNewPackageName(tree, name);
  checkReferences(template, name, answers, readUnits(tree), templateLoader(templatesDir));
  const packageManager = recordedPackageManager(readUnits(tree));
  const files = renderTemplate(template, answers, { scope: config.scope, shipyardVersion: generatorVersion(), packageManager });
  const origin = `templates/${options.template}/template.json`;
  const taken = files.filter((file) => tree.exists(file.path, origin));
  if (taken.length > 0) {
    throw new ShipyardError("ALREADY_EXISTS", `Would overwrite ${taken.map((file) => file.path).join(", ")}: nothing was written.`);
  }
  const record = { template: options.template, answers, files: Object.fromEntries(files.map((file) => [file.path, file.kind])) };
  applyToTree(tree, [...files, ...unitWrites(name, record, files)], origin);
  return { template: options.template, name, directory, answers, files };
}

export async function add(options: AddOptions): Promise<AddResult> {
  const { root, tree } = openRepository(options.cwd, { readOnly: options.dryRun });
  const plan = await planAdd(tree, repoTemplatesDir(root), options);
  const changes = plan.files.map((file) => ({ path: file.path, unit: plan.name, kind: file.kind, outcome: "created" }));
  const result = commit(tree, { command: "add", dryRun: options.dryRun, allowDirty: true, changes });
  return { ...plan, ...result, root, manager: repositoryCommands(repoTemplatesDir(root), readUnits(tree)) };
}
