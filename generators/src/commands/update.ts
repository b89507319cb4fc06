import { ShipyardError } from "../errors.js";
import { managerCommands } from "../package-managers.js";
import { applyToTree, type ChangeSet, commit } from "../state/apply.js";
import { type FileDiff, pendingDiffs } from "../state/diffs.js";
import { basePath } from "../state/store.js";
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
  /** Also give the unified diff of every file it changes (or would change). */
  diff?: boolean;
}

export interface UpdateResult extends ChangeSet {
  root: string;
  changes: FileOutcome[];
  /** Files that would change (or drifted owned files): non-empty makes --check fail. */
  pending: FileOutcome[];
  /** Conflicts made now, and files still holding the markers of an earlier one: non-empty fails update. */
  conflicts: FileOutcome[];
  /** Writes no pending file accounts for: stale bases and unit records (a fresh clone's, an edit made by hand). */
  stateWrites: string[];
  /** Nothing pending and nothing to write, bases included: what --check passes on. */
  upToDate: boolean;
  /** With `diff`: each file changed, before and after (state files left out). */
  diffs?: FileDiff[];
  /** How the repository runs its generator (`npm run shipyard --`, `pnpm run shipyard`, …), for the hints. */
  shipyard: string;
}

export function update(options: UpdateOptions): UpdateResult {
  const { root, tree } = openRepository(options.cwd, { readOnly: options.dryRun || options.check });
  const input = diskPlanInput(tree, { restore: options.restore });
  const plan = planUpdate(input);
  const deleted = new Set(plan.files.filter((file) => file.outcome === "deleted" || file.outcome === "restored").map((file) => file.path));
  const unknown = options.restore.filter((path) => !deleted.has(path));
  if (unknown.length > 0) {
    throw new ShipyardError(
      "USAGE",
      `--restore ${unknown.join(", ")}: not a managed file that was deleted.`,
      "`shipyard update --dry-run` lists the deleted ones.",
    );
  }
  const pending = plan.files.filter(needsAction);
  const accounted = new Set(pending.flatMap((file) => [file.path, basePath(file.path)]));
  const stateWrites = plan.writes.map((write) => write.path).filter((path) => !accounted.has(path));
  applyToTree(tree, plan.writes);
  const diffs = options.diff ? pendingDiffs(tree) : undefined;
  const result = commit(tree, {
    command: "update",
    dryRun: options.dryRun,
    check: options.check,
    allowDirty: options.allowDirty,
    changes: plan.files,
  });
  return {
    ...result,
    root,
    changes: plan.files,
    pending,
    conflicts: plan.files.filter((file) => file.outcome === "conflict" || file.outcome === "unresolved"),
    stateWrites,
    upToDate: pending.length === 0 && plan.writes.length === 0,
    shipyard: managerCommands(input.templatesDir, input.packageManager).shipyard,
    ...(diffs ? { diffs } : {}),
  };
}
