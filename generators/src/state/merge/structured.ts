import { conflictBlock, type MergeLabels } from "./markers.js";
import { type Edit, insertionIndex, jsonSyntax, type Syntax, yamlSyntax } from "./syntax.js";
import { type MergeResult, mergeText } from "./text.js";
import { deepEqual, isObject, type Json, mergeValues } from "./values.js";

/**
 * The merge of a file Shipyard manages, in order of faithfulness to the user's file:
 *  1. lines: a clean line-level merge (what `git merge-file` gives) that is still valid — it parses, and holds no
 *     duplicate key — keeps everything exactly as both sides wrote it;
 *  2. keys:  for JSON, JSONC and YAML, when lines collide but keys do not (two changes to neighbouring lines of one
 *     object), each side's change is replayed as key edits in place on the other side's text (jsonc-parser's
 *     modify, yaml's Document): the user's layout and comments stay. It is taken only when it provably loses
 *     nothing: each side's edits rebuild that side's file exactly from the base (so nothing of a side lies outside
 *     its key edits: no comment, blank line or reordering), and the template's edits on the user's file give the
 *     same text as the user's edits on the template's file (the two changes commute);
 *  3. conflict markers: the line-level result with git-style markers, for the user to resolve. When the lines
 *     merged cleanly into something invalid, both whole files are shown.
 * There is no fourth way: a change neither merge can place is a conflict, never dropped.
 */
export type Format = "json" | "yaml" | "text";

export function formatOf(path: string): Format {
  if (/\.jsonc?$/i.test(path)) return "json";
  if (/\.ya?ml$/i.test(path)) return "yaml";
  return "text";
}

/** The syntax a structured file is read with; tsconfig files (and files whose base has comments) are JSONC. */
export function syntaxOf(path: string, base: string): Syntax | null {
  const format = formatOf(path);
  if (format === "yaml") return yamlSyntax;
  if (format !== "json") return null;
  const commented = /(^|\/)(tsconfig|jsconfig)[^/]*\.json$|\.jsonc$/i.test(path) || !jsonSyntax(false).valid(base);
  return jsonSyntax(commented);
}

/** Key edits that turn one value into another: deletions, then changes and additions in the target's order. */
export function valueEdits(from: Json | undefined, to: Json | undefined, path: Array<string | number> = []): Edit[] {
  if (deepEqual(from, to)) return [];
  if (isObject(from) && isObject(to)) {
    const edits: Edit[] = [];
    for (const key of Object.keys(from)) if (!(key in to)) edits.push({ path: [...path, key], value: undefined });
    const keys = Object.keys(to);
    keys.forEach((key, index) => {
      if (key in from) for (const edit of valueEdits(from[key], to[key], [...path, key])) edits.push(edit);
      else edits.push({ path: [...path, key], value: to[key], after: keys.slice(0, index).reverse() });
    });
    return edits;
  }
  if (Array.isArray(from) && Array.isArray(to) && from.length === to.length) {
    return to.flatMap((item, index) => valueEdits(from[index], item, [...path, index]));
  }
  return [{ path, value: to }];
}

/** Lines as compared for "holds every line change": trimmed, without the trailing comma a key added after them moves. */
function lineCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split("\n")) {
    const key = line.trim().replace(/,$/, "");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Whether the result holds every line change of both sides (a last guard: an in-place edit may re-format a neighbour). */
function holdsEveryLineChange(base: string, current: string, next: string, result: string): boolean {
  const [b, c, n, r] = [lineCounts(base), lineCounts(current), lineCounts(next), lineCounts(result)];
  for (const line of new Set([...b.keys(), ...c.keys(), ...n.keys()])) {
    const was = b.get(line) ?? 0;
    const [mine, theirs, got] = [(c.get(line) ?? 0) - was, (n.get(line) ?? 0) - was, r.get(line) ?? 0];
    if (mine > 0 && got < was + mine + Math.min(theirs, 0)) return false;
    if (theirs > 0 && got < was + theirs + Math.min(mine, 0)) return false;
    if (mine < 0 && got > was + mine + Math.max(theirs, 0)) return false;
    if (theirs < 0 && got > was + theirs + Math.max(mine, 0)) return false;
  }
  return true;
}

function objectAt(value: Json | undefined, path: Array<string | number>): { [key: string]: Json } | undefined {
  let node = value;
  for (const key of path) node = isObject(node) ? node[key as string] : Array.isArray(node) ? node[key as number] : undefined;
  return isObject(node) ? node : undefined;
}

/**
 * The template's new keys, placed in the user's file after the keys the user added at the same place. Both sides
 * adding a key after the same neighbour (a script each, at the end of "scripts") is then no conflict: replayed in
 * either order the two changes give one text, the user's keys first, then the template's.
 */
function afterUserAdditions(edits: Edit[], base: Json, current: Json): Edit[] {
  return edits.map((edit) => {
    if (edit.after === undefined || edit.value === undefined) return edit;
    const parent = edit.path.slice(0, -1);
    const [inCurrent, inBase] = [objectAt(current, parent), objectAt(base, parent) ?? {}];
    if (inCurrent === undefined) return edit;
    const keys = Object.keys(inCurrent);
    let index = insertionIndex(keys, edit.after);
    while (index < keys.length && !((keys[index] as string) in inBase)) index += 1;
    return index === insertionIndex(keys, edit.after) ? edit : { ...edit, after: [keys[index - 1] as string, ...edit.after] };
  });
}

function mergeKeys(syntax: Syntax, base: string, current: string, next: string): string | null {
  const [b, c, n] = [syntax.parse(base), syntax.parse(current), syntax.parse(next)];
  if (!b.ok || !c.ok || !n.ok) return null;
  const merged = mergeValues(b.value, c.value, n.value);
  if (merged.conflicts.length > 0) return null;
  const fromTemplate = valueEdits(b.value, n.value);
  const fromUser = valueEdits(b.value, c.value);
  if (syntax.apply(base, fromTemplate) !== next || syntax.apply(base, fromUser) !== current) return null;
  const result = syntax.apply(current, afterUserAdditions(fromTemplate, b.value, c.value));
  if (result === null || result !== syntax.apply(next, fromUser)) return null;
  const parsed = syntax.parse(result);
  return parsed.ok && deepEqual(parsed.value, merged.value) && holdsEveryLineChange(base, current, next, result) ? result : null;
}

export function mergeFile(path: string, base: string, current: string, next: string, labels: MergeLabels): MergeResult {
  const byLines = mergeText(base, current, next, labels);
  const syntax = syntaxOf(path, base);
  if (syntax === null) return byLines;
  if (byLines.conflicts === 0 && syntax.valid(byLines.content)) return byLines;
  const byKeys = mergeKeys(syntax, base, current, next);
  if (byKeys !== null) return { content: byKeys, conflicts: 0 };
  if (byLines.conflicts > 0) return byLines;
  const lines = (text: string) => text.replace(/\n$/, "").split("\n");
  return { content: `${conflictBlock(lines(current), lines(next), labels).join("\n")}\n`, conflicts: 1 };
}
