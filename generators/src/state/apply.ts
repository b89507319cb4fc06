import { acquireLock } from "../engine/lock.js";
import { type FileWrite, STAGING_DIR, writeChanges } from "../engine/transaction.js";
import type { Tree } from "../engine/tree.js";
import { ShipyardError } from "../errors.js";
import { userEditedPaths } from "./dirty.js";
import { STATE_DIR } from "./store.js";

/**
 * The one result every command that changes files gives, and the one shape `--json` prints: the list of changes
 * (every file the command considered, with its outcome), their counts, and whether anything was written.
 */
export interface ChangeEntry {
  path: string;
  /** The unit (package, or `_monorepo`) the file belongs to; absent for files that belong to none (generators/). */
  unit?: string;
  /** The file's kind: owned, merged, seed (absent for copies). */
  kind?: string;
  /** created, updated, merged, conflict, customized, deleted, restored, removed, unchanged, copied. */
  outcome: string;
  conflicts?: number;
}

export interface ChangeSet {
  command: string;
  dryRun: boolean;
  written: boolean;
  changes: ChangeEntry[];
  counts: Record<string, number>;
}

export interface CommitOptions {
  /** The command's name, as the journal and the lock name it (`add`, `update`, …). */
  command: string;
  dryRun?: boolean;
  check?: boolean;
  allowDirty?: boolean;
  /** What to report; by default one entry per changed file. */
  changes?: ChangeEntry[];
  /** Where staging, journal and lock live, relative to the root. */
  stagingDir?: string;
}

export function countOutcomes(changes: ChangeEntry[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const change of changes) counts[change.outcome] = (counts[change.outcome] ?? 0) + 1;
  return counts;
}

/**
 * The only writer. Takes the repository lock (already held by a command that planned under it), refuses to touch
 * files with uncommitted user changes (the user must be able to review the result with `git diff` and undo it;
 * only the files it changes are checked, so unrelated work in progress elsewhere does not block anything), then
 * writes every change of the tree in one transaction. A dry run or --check is the same change set, not written.
 */
export function commit(tree: Tree, options: CommitOptions): ChangeSet {
  const pending = tree.listChanges();
  const changes =
    options.changes ??
    pending.map((change) => ({
      path: change.path,
      outcome: change.content === null ? "removed" : tree.readDisk(change.path) === null ? "created" : "updated",
    }));
  const result: ChangeSet = {
    command: options.command,
    dryRun: Boolean(options.dryRun || options.check),
    written: false,
    changes,
    counts: countOutcomes(changes),
  };
  if (result.dryRun || pending.length === 0) return result;
  const stagingDir = options.stagingDir ?? STAGING_DIR;
  acquireLock(tree.diskPath(stagingDir, "the staging folder"), undefined, tree.root);
  if (!options.allowDirty) {
    const existing = pending
      .filter((change) => !change.path.startsWith(`${STATE_DIR}/`) && tree.readDisk(change.path) !== null)
      .map((change) => change.path);
    const dirty = userEditedPaths(tree, existing);
    if (dirty.length > 0) {
      const shown = dirty.length > 10 ? `${dirty.slice(0, 10).join(", ")} and ${dirty.length - 10} more` : dirty.join(", ");
      throw new ShipyardError(
        "DIRTY_FILES",
        `Uncommitted changes in files this would change: ${shown}.`,
        "Commit or stash them first (so the result can be reviewed and undone), or pass --allow-dirty.",
      );
    }
  }
  writeChanges(tree, pending, stagingDir, options.command);
  return { ...result, written: true };
}

/** Puts a planner's writes into the tree (the planners only collect them). */
export function applyToTree(tree: Tree, writes: FileWrite[], origin?: string): void {
  for (const write of writes) {
    if (write.content === null) tree.delete(write.path, origin);
    else tree.write(write.path, write.content, origin);
  }
}
