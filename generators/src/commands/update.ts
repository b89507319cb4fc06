import { recoverInterruptedWrites } from "../engine/transaction.js";
import { ShipyardError } from "../errors.js";
import { applyWrites } from "../state/apply.js";
import { basePath } from "../state/store.js";
import { diskPlanInput, type FileOutcome, needsAction, planUpdate } from "../state/update-plan.js";
import { findRepoRoot } from "../workspace.js";

export interface UpdateOptions {
  cwd: string;
  /** Compute and report, write nothing. */
  dryRun: boolean;
  /** Like dryRun, and the result says whether anything would change (for CI). */
  check: boolean;
  allowDirty: boolean;
  restore: string[];
}

export interface UpdateResult {
  root: string;
  files: FileOutcome[];
  written: boolean;
  /** Files that would change (or drifted owned files): non-empty makes --check fail. */
  pending: FileOutcome[];
  /** Conflicts made now, and files still holding the markers of an earlier one: non-empty fails update. */
  conflicts: FileOutcome[];
  /** Writes no pending file accounts for: stale bases and unit records (a fresh clone's, an edit made by hand). */
  stateWrites: string[];
  /** Nothing pending and nothing to write, bases included: what --check passes on. */
  upToDate: boolean;
}

export function update(options: UpdateOptions): UpdateResult {
  const root = findRepoRoot(options.cwd);
  recoverInterruptedWrites(root);
  const plan = planUpdate(diskPlanInput(root, { restore: options.restore }));
  const deleted = new Set(plan.files.filter((file) => file.outcome === "deleted" || file.outcome === "restored").map((file) => file.path));
  const unknown = options.restore.filter((path) => !deleted.has(path));
  if (unknown.length > 0) {
    throw new ShipyardError("USAGE", `--restore ${unknown.join(", ")}: not a managed file that was deleted.`, "`shipyard update --dry-run` lists the deleted ones.");
  }
  const pending = plan.files.filter(needsAction);
  const accounted = new Set(pending.flatMap((file) => [file.path, basePath(file.path)]));
  const stateWrites = plan.writes.map((write) => write.path).filter((path) => !accounted.has(path));
  const result = {
    root,
    files: plan.files,
    pending,
    conflicts: plan.files.filter((file) => file.outcome === "conflict" || file.outcome === "unresolved"),
    stateWrites,
    upToDate: pending.length === 0 && plan.writes.length === 0,
  };
  if (options.dryRun || options.check || plan.writes.length === 0) return { ...result, written: false };
  applyWrites(root, plan.writes, options.allowDirty);
  return { ...result, written: true };
}
