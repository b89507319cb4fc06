import type { Tree } from "../engine/tree.js";
import { STATE_DIR } from "./store.js";

/** One file a command changes (or would change): its content on disk and after the command; null when absent. */
export interface FileDiff {
  path: string;
  /** The path it came from, for a file a command moves (rename). */
  from?: string;
  before: string | null;
  after: string | null;
}

const text = (content: string | Uint8Array | null) =>
  content === null ? null : typeof content === "string" ? content : Buffer.from(content).toString("utf8");

/**
 * What `--diff` shows: every pending change of the tree outside Shipyard's own state (.shipyard/: records and merge
 * bases, which the summary counts), against the disk. A file moved by the command (`moves`: new path -> old path)
 * is one diff from its old path's content, not a deletion and a creation.
 */
export function pendingDiffs(tree: Tree, moves: Map<string, string> = new Map()): FileDiff[] {
  const changes = tree.listChanges().filter((change) => !change.path.startsWith(`${STATE_DIR}/`));
  const movedAway = new Set([...moves.values()]);
  const diffs: FileDiff[] = [];
  for (const change of changes) {
    const from = moves.get(change.path);
    if (change.content === null && movedAway.has(change.path)) continue;
    diffs.push({
      path: change.path,
      ...(from ? { from } : {}),
      before: text(tree.readDisk(from ?? change.path)),
      after: text(change.content),
    });
  }
  return diffs;
}
