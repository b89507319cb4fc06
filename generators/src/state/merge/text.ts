import { diff3Merge } from "node-diff3";

export interface MergeResult {
  content: string;
  /** Places where both sides changed the same lines; the content then holds conflict markers. */
  conflicts: number;
}

export interface MergeLabels {
  current: string;
  next: string;
}

/**
 * Line-level three-way merge, as `git merge-file` does it: lines changed on one side only are taken from that side;
 * lines changed differently on both sides become a git-style conflict block. Identical changes on both sides are
 * not conflicts (excludeFalseConflicts).
 */
export function mergeText(base: string, current: string, next: string, labels: MergeLabels): MergeResult {
  const regions = diff3Merge(current.split("\n"), base.split("\n"), next.split("\n"), { excludeFalseConflicts: true });
  const lines: string[] = [];
  let conflicts = 0;
  for (const region of regions) {
    if (region.ok) {
      lines.push(...region.ok);
    } else if (region.conflict) {
      conflicts += 1;
      lines.push(`<<<<<<< ${labels.current}`, ...region.conflict.a, "=======", ...region.conflict.b, `>>>>>>> ${labels.next}`);
    }
  }
  return { content: lines.join("\n"), conflicts };
}
