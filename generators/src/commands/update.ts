import { ShipyardError } from "../errors.js";
import { applyToTree, type ChangeSet, commit } from "../state/apply.js";
import { diskPlanInput, type FileOutcome, needsAction, planUpdate } from "../state/update-plan.js";
import { openRepository } from "../workspace.js";

export interface UpdateOptions {
  cwd: string;
  /** Compute and report, write nothing. */
  dryRun: boolean;
  /** Like dryRun, and the result says whether anything would change (for CI). */
  check: boolean;
  allowDirty: boolean;
  restore: string[];
}

export interface UpdateResult extends ChangeSet {
  root: string;
  changes: FileOutcome[];
  /** Files that would change (or drifted owned files): non-empty makes --check fail. */
  pending: FileOutcome[];
  conflicts: FileOutcome[];
}

export function update(options: UpdateOptions): UpdateResult {
  const { root, tree } = openRepository(options.cwd, { readOnly: options.dryRun || options.check });
  const plan = planUpdate(diskPlanInput(tree, { restore: options.restore }));
  const deleted = new Set(plan.files.filter((file) => file.outcome === "deleted" || file.outcome === "restored").map((file) => file.path));
  const unknown = options.restore.filter((path) => !deleted.has(path));
  if (unknown.length > 0) {
    throw new ShipyardError("USAGE", `--restore ${unknown.join(", ")}: not a managed file that was deleted.`, "`shipyard update --dry-run` lists the deleted ones.");
  }
  applyToTree(tree, plan.writes);
  const result = commit(tree, { command: "update", dryRun: options.dryRun, check: options.check, allowDirty: options.allowDirty, changes: plan.files });
  return {
    ...result,
    root,
    changes: plan.files,
    pending: plan.files.filter(needsAction),
    conflicts: plan.files.filter((file) => file.outcome === "conflict"),
  };
}
