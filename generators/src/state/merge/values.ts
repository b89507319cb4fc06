import { diff3 } from "./diff3.js";

/**
 * Three-way merge of parsed JSON/YAML values, key by key: a key changed on one side only takes that side's value;
 * a key changed on both sides to different values is a conflict. Arrays are merged element by element (a step the
 * user added to a workflow survives the template adding another elsewhere). The result starts from the user's
 * key order, with keys new in the template appended.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ValueMerge {
  value: Json | undefined;
  /** Paths (keys and indexes) where both sides changed the same value differently. */
  conflicts: Array<Array<string | number>>;
}

export const isObject = (value: unknown): value is { [key: string]: Json } => typeof value === "object" && value !== null && !Array.isArray(value);

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && deepEqual(a[key], b[key]));
  }
  return false;
}

/** `undefined` stands for an absent key, so additions and deletions merge like any other change. */
export function mergeValues(
  base: Json | undefined,
  current: Json | undefined,
  next: Json | undefined,
  path: Array<string | number> = [],
): ValueMerge {
  if (deepEqual(current, next)) return { value: current, conflicts: [] };
  if (deepEqual(base, current)) return { value: next, conflicts: [] };
  if (deepEqual(base, next)) return { value: current, conflicts: [] };
  if (isObject(current) && isObject(next)) {
    const baseObject = isObject(base) ? base : {};
    const merged: { [key: string]: Json } = {};
    const conflicts: ValueMerge["conflicts"] = [];
    const keys = [...Object.keys(current), ...Object.keys(next).filter((key) => !(key in current))];
    for (const key of keys) {
      const result = mergeValues(baseObject[key], current[key], next[key], [...path, key]);
      for (const conflict of result.conflicts) conflicts.push(conflict);
      if (result.value !== undefined) merged[key] = result.value;
    }
    return { value: merged, conflicts };
  }
  if (Array.isArray(current) && Array.isArray(next)) return mergeArrays(Array.isArray(base) ? base : [], current, next, path);
  return { value: current, conflicts: [path] };
}

function mergeArrays(base: Json[], current: Json[], next: Json[], path: Array<string | number>): ValueMerge {
  const key = (item: Json) => JSON.stringify(item);
  const byKey = new Map([...base, ...current, ...next].map((item) => [key(item), item]));
  const merged: Json[] = [];
  for (const region of diff3(current.map(key), base.map(key), next.map(key))) {
    if ("conflict" in region) return { value: current, conflicts: [path] };
    for (const item of region.ok) merged.push(byKey.get(item) as Json);
  }
  return { value: merged, conflicts: [] };
}
