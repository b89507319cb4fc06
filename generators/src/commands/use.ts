import { loadTemplate } from "../engine/template.js";
import { ShipyardError } from "../errors.js";
import { applyToTree, type ChangeSet, commit } from "../state/apply.js";
import { checkReferences } from "../state/references.js";
import { readUnits } from "../state/store.js";
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
    throw new ShipyardError("UNKNOWN_PACKAGE", `No package "${options.into}" was generated here.`, `Packages: ${units.filter((unit) => !unit.id.startsWith("_")).map((unit) => unit.id).join(", ") || "none"}.`);
  }
  const templatesDir = repoTemplatesDir(root);
  const template = loadTemplate(templatesDir, target.template);
  if (!template.answers.some((spec) => spec.name === "uses" && spec.of)) {
    throw new ShipyardError("USAGE", `A ${target.template} cannot use libraries (its template has no "uses" answer).`);
  }
  if (options.library === target.id) throw new ShipyardError("CYCLE", `${target.id} cannot use itself.`);
  const spec = template.answers.find((answer) => answer.name === "uses");
  const candidates = units.filter((unit) => unit.template === spec?.of && unit.id !== target.id).map((unit) => unit.id);
  if (!candidates.includes(options.library)) {
    throw new ShipyardError(
      "INVALID_ANSWER",
      `"${options.library}" is not a ${spec?.of} of this repository.`,
      candidates.length ? `${spec?.of} packages here: ${candidates.join(", ")}.` : `Create one first: npm run shipyard -- add ${spec?.of} ${options.library}`,
    );
  }
  const current = Array.isArray(target.answers.uses) ? target.answers.uses : [];
  const about = { library: options.library, into: options.into };
  if (current.includes(options.library)) return { ...commit(tree, { command: "use", dryRun: options.dryRun, changes: [] }), ...about, changes: [], alreadyUsed: true };
  const answers = { ...target.answers, uses: [...current, options.library] };
  checkReferences(template, target.id, answers, units);
  const plan = planUpdate(diskPlanInput(tree, { units: [{ ...target, answers }] }));
  applyToTree(tree, plan.writes);
  const result = commit(tree, { command: "use", dryRun: options.dryRun, allowDirty: options.allowDirty, changes: plan.files });
  return { ...result, ...about, changes: plan.files, alreadyUsed: false };
}
