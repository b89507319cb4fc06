/**
 * Shipyard's conflict markers, git's own: the merge writes them, and `update`, `update --check` and `doctor`
 * refuse a managed file that still holds them. One definition, so what is written is what is looked for.
 */
export const MARKER = { current: "<<<<<<<", separator: "=======", next: ">>>>>>>" } as const;

export interface MergeLabels {
  current: string;
  next: string;
}

/** The labels after the markers: whose side each block is. */
export function conflictLabels(path: string, version: string): MergeLabels {
  return { current: `yours (${path})`, next: `template (shipyard ${version})` };
}

export function conflictBlock(current: string[], next: string[], labels: MergeLabels): string[] {
  return [`${MARKER.current} ${labels.current}`, ...current, MARKER.separator, ...next, `${MARKER.next} ${labels.next}`];
}

/** A complete conflict block (start, separator and end lines, in order) is somewhere in the text. */
const BLOCK = new RegExp(`^${MARKER.current} [^\\n]*\\n(?:[^\\n]*\\n)*?${MARKER.separator}\\n(?:[^\\n]*\\n)*?${MARKER.next}(?: |$)`, "m");

export function hasConflictMarkers(text: string): boolean {
  // The cheap test first: most files hold no marker at all.
  return text.includes(MARKER.current) && BLOCK.test(text.replace(/\r\n/g, "\n"));
}
