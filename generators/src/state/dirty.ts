import { execFileSync } from "node:child_process";
import type { Tree } from "../engine/tree.js";
import { basePath } from "./store.js";

/**
 * Which of these paths have uncommitted changes (modified, staged or untracked), according to git.
 * Outside a git repository nothing can be told, so nothing is reported.
 */
export function uncommittedPaths(root: string, paths: string[]): string[] {
  if (paths.length === 0) return [];
  let output: string;
  try {
    output = execFileSync("git", ["status", "--porcelain=v1", "-z", "--untracked-files=all", "--", ...paths], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
  } catch {
    return [];
  }
  return output
    .split("\0")
    .filter((entry) => entry.length > 3)
    .map((entry) => entry.slice(3));
}

/**
 * The paths among `paths` holding uncommitted work of the user's. A managed file whose content is still what
 * Shipyard last wrote (its merge base) is not: `add` then `use` must not refuse over files `add` just wrote.
 */
export function userEditedPaths(tree: Tree, paths: string[]): string[] {
  return uncommittedPaths(tree.root, paths).filter((path) => {
    const current = tree.readDisk(path);
    const base = tree.readDisk(basePath(path));
    return current === null || base === null || !current.equals(base);
  });
}
