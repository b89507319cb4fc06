import { type FileWrite, writeAtomically } from "../engine/transaction.js";
import { ShipyardError } from "../errors.js";
import { uncommittedPaths } from "./dirty.js";
import { STATE_DIR } from "./store.js";

/**
 * Writes an update or upgrade, all or nothing, after checking that none of the files it changes has uncommitted
 * changes: the user must be able to review the result with `git diff` and undo it. Only those files are checked,
 * so unrelated work in progress elsewhere does not block anything.
 */
export function applyWrites(root: string, writes: FileWrite[], allowDirty: boolean): void {
  const userFiles = writes.map((write) => write.path).filter((path) => !path.startsWith(`${STATE_DIR}/`));
  const dirty = allowDirty ? [] : uncommittedPaths(root, userFiles);
  if (dirty.length > 0) {
    const shown = dirty.length > 10 ? `${dirty.slice(0, 10).join(", ")} and ${dirty.length - 10} more` : dirty.join(", ");
    throw new ShipyardError(
      "DIRTY_FILES",
      `Uncommitted changes in files this would change: ${shown}.`,
      "Commit or stash them first (so the result can be reviewed and undone), or pass --allow-dirty.",
    );
  }
  writeAtomically(root, writes);
}
