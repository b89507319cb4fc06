import { type Document, isMap, isSeq, parseDocument } from "yaml";
import { mergeText, type MergeLabels, type MergeResult } from "./text.js";
import { deepEqual, type Json, mergeValues } from "./values.js";

/**
 * The merge of a file Shipyard manages, in order of faithfulness to the user's file:
 *  1. lines: a clean line-level merge that still parses keeps everything exactly as the user wrote it;
 *  2. keys:  for JSON and YAML, when lines collide but keys do not (two changes to neighbouring lines of one
 *            object), merge key by key and re-serialize (YAML: applied onto the user's document, keeping comments);
 *  3. conflict markers: the line-level result with git-style markers, for the user to resolve.
 */
export type Format = "json" | "yaml" | "text";

export function formatOf(path: string): Format {
  if (/\.json$/i.test(path)) return "json";
  if (/\.ya?ml$/i.test(path)) return "yaml";
  return "text";
}

function parse(format: Format, text: string): { ok: true; value: Json } | { ok: false } {
  try {
    if (format === "json") return { ok: true, value: JSON.parse(text) as Json };
    const document = parseDocument(text);
    return document.errors.length > 0 ? { ok: false } : { ok: true, value: document.toJS() as Json };
  } catch {
    return { ok: false };
  }
}

/** Applies the difference between two values onto a YAML document, touching only what changed. */
function applyToDocument(document: Document, path: Array<string | number>, from: Json | undefined, to: Json | undefined): void {
  if (deepEqual(from, to)) return;
  const node = path.length === 0 ? document.contents : document.getIn(path, true);
  const fromIsObject = typeof from === "object" && from !== null && !Array.isArray(from);
  const toIsObject = typeof to === "object" && to !== null && !Array.isArray(to);
  if (fromIsObject && toIsObject && isMap(node)) {
    for (const key of Object.keys(from)) if (!(key in to)) document.deleteIn([...path, key]);
    for (const key of Object.keys(to)) applyToDocument(document, [...path, key], from[key], to[key]);
  } else if (to === undefined) {
    document.deleteIn(path);
  } else if (path.length === 0) {
    document.contents = document.createNode(to);
  } else if (Array.isArray(from) && Array.isArray(to) && isSeq(node) && from.length === to.length) {
    for (const [index, item] of to.entries()) applyToDocument(document, [...path, index], from[index], item);
  } else {
    document.setIn(path, to);
  }
}

export function mergeFile(path: string, base: string, current: string, next: string, labels: MergeLabels): MergeResult {
  const format = formatOf(path);
  const byLines = mergeText(base, current, next, labels);
  if (format === "text") return byLines;
  if (byLines.conflicts === 0 && parse(format, byLines.content).ok) return byLines;

  const [parsedBase, parsedCurrent, parsedNext] = [parse(format, base), parse(format, current), parse(format, next)];
  if (!parsedBase.ok || !parsedCurrent.ok || !parsedNext.ok) return byLines;
  const merged = mergeValues(parsedBase.value, parsedCurrent.value, parsedNext.value);
  if (merged.conflicts.length > 0) {
    // Lines merged cleanly into something that no longer parses, and keys collide: show both whole files.
    if (byLines.conflicts > 0) return byLines;
    return { content: `<<<<<<< ${labels.current}\n${current}\n=======\n${next}\n>>>>>>> ${labels.next}\n`, conflicts: 1 };
  }
  if (format === "json") return { content: `${JSON.stringify(merged.value, null, 2)}\n`, conflicts: 0 };
  const document = parseDocument(current);
  applyToDocument(document, [], parsedCurrent.value, merged.value);
  return { content: document.toString({ lineWidth: 0 }), conflicts: 0 };
}
