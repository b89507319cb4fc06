import { loadTemplate } from "../engine/template.js";
import { ShipyardError } from "../errors.js";
import { type ManagerCommands, repositoryCommands } from "../package-managers.js";
import { applyToTree, type ChangeSet, commit } from "../state/apply.js";
import { templateLoader } from "../state/packages.js";
import { checkReferences } from "../state/references.js";
import { isRootUnit, readUnits, templateOfUnit } from "../state/store.js";
import { diskPlanInput, type FileOutcome, planUpdate } from "../state/update-plan.js";
import { openRepository, repoTemplatesDir } from "../workspace.js";

export interface UseOptions {
  cwd: string;
  library: string;
  into: string;
  dryRun: boolean;
  allowDirty: boolean;
}

export interface UseResult extends ChangeSet {
  changes: FileOutcome[];
  library: string;
  into: string;
  alreadyUsed: boolean;
  /** The repository's package manager: what to run next. */
  manager: ManagerCommands;
}

/**
 * `shipyard use <lib> --in <pkg>`: adds the library to the package's recorded `uses` answer and re-renders that
 * package through the update planner, so the dependency, the CI path filters and everything else a template
 * derives from `uses` change together, and the user's own edits to those files are merged, not overwritten.
 */
export function use(options: UseOptions): UseResult {
  const { root, tree } = openRepository(options.cwd, { readOnly: options.dryRun });
  const units = readUnits(tree);
  const target = units.find((unit) => unit.id === options.into);
  if (!target) {
    throw new ShipyardError(
      "UNKNOWN_PACKAGE",
      `No package "${options.into}" was generated here.`,
      `Packages: ${
        units
          .filter((unit) => !isRootUnit(unit.id))
          .map((unit) => unit.id)
          .join(", ") || "none"
      }.`,
    );
  }
  const templatesDir = repoTemplatesDir(root);
  const template = templateOfUnit(target, loadTemplate, templatesDir);
  if (options.library === target.id) throw new ShipyardError("CYCLE", `${target.id} cannot use itself.`);
  // The answer that names units of the library's template (the manifest's `of`), whatever it is called.
  const library = units.find((unit) => unit.id === options.library && !isRootUnit(unit.id));
  const references = template.answers.filter((answer) => answer.of);
  if (references.length === 0)
    throw new ShipyardError("USAGE", `A ${target.template} cannot use other packages (its template has no answer with "of").`);
  const spec = references.find((answer) => answer.of === library?.template) ?? references[0];
  const candidates = units.filter((unit) => references.some((answer) => answer.of === unit.template) && unit.id !== target.id).map((unit) => unit.id);
  const about = { library: options.library, into: options.into, manager: repositoryCommands(templatesDir, units) };
  if (!library || !candidates.includes(options.library) || !spec) {
    const kinds = [...new Set(references.map((answer) => answer.of))].join(" or ");
    throw new ShipyardError(
      "INVALID_ANSWER",
      `"${options.library}" is not a ${kinds} of this repository.`,
      candidates.length
        ? `${kinds} packages here: ${candidates.join(", ")}.`
        : `Create one first: ${about.manager.shipyard} add ${references[0]?.of} ${options.library}`,
    );
  }
  const current = Array.isArray(target.answers[spec.name]) ? (target.answers[spec.name] as string[]) : [];
  if (current.includes(options.library))
    return { ...commit(tree, { command: "use", dryRun: options.dryRun, changes: [] }), ...about, changes: [], alreadyUsed: true };
  const answers = { ...target.answers, [spec.name]: [...current, options.library] };
  checkReferences(template, target.id, answers, units, templateLoader(templatesDir));
  // Seeds follow the answer as they do for set: reconciled against the render with the answers as they were.
  const plan = planUpdate(diskPlanInput(tree, { units: [{ ...target, answers }], previous: new Map([[target.id, target.answers]]) }));
  applyToTree(tree, plan.writes);
  const result = commit(tree, { command: "use", dryRun: options.dryRun, allowDirty: options.allowDirty, changes: plan.files });
  return { ...result, ...about, changes: plan.files, alreadyUsed: false };
}
