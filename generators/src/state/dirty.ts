import { execFileSync } from "node:child_process";

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
