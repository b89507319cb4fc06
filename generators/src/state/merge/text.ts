import { diff3 } from "./diff3.js";
import { MARKER, type MergeLabels } from "./markers.js";

export type { MergeLabels } from "./markers.js";

export interface MergeResult {
  content: string;
  /** Places where both sides changed the same lines; the content then holds conflict markers. */
  conflicts: number;
}

/**
 * Line-level three-way merge, as `git merge-file` does it: lines changed on one side only are taken from that side;
 * lines changed differently on both sides become a git-style conflict block. Identical changes on both sides are
 * not conflicts.
 */
export function mergeText(base: string, current: string, next: string, labels: MergeLabels): MergeResult {
  const lines: string[] = [];
  let conflicts = 0;
  for (const region of diff3(current.split("\n"), base.split("\n"), next.split("\n"))) {
    if ("ok" in region) {
      for (const line of region.ok) lines.push(line);
      continue;
    }
    conflicts += 1;
    lines.push(`${MARKER.current} ${labels.current}`);
    for (const line of region.conflict.current) lines.push(line);
    lines.push(MARKER.separator);
    for (const line of region.conflict.next) lines.push(line);
    lines.push(`${MARKER.next} ${labels.next}`);
  }
  return { content: lines.join("\n"), conflicts };
}
