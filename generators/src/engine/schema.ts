import * as v from "valibot";
import { type ErrorCode, ShipyardError } from "../errors.js";

/**
 * Every JSON file Shipyard reads back (its state under .shipyard/, a template's manifest, templates/versions.json)
 * is checked against a valibot schema before any of it is used: a file that is broken, hand-edited or hostile is
 * one line naming the file, the place in it and what is wrong, never a stack trace or a silently wrong render.
 * Valibot: schemas are plain functions (small, about 10 ms to load, no code generation) and give the TypeScript
 * type of what they accept, so the types of the state and the manifest cannot drift from their checks.
 */

/** Strings that cannot be written back as UTF-8 (a lone surrogate from a `\ud800` escape) are refused. */
const LONE_SURROGATE = /\p{Cs}/u;
export const wellFormedString = (what = "text") =>
  v.pipe(
    v.string(),
    v.check((text) => !LONE_SURROGATE.test(text), `holds a lone surrogate (\\uD800-\\uDFFF), which is not ${what} that can be written as UTF-8`),
  );

/** valibot's record also takes an array (its indexes as keys): a JSON object of `key` to `value`, and only that. */
export const jsonObject = <Key extends v.GenericSchema<string, string>, Value extends v.GenericSchema>(key: Key, value: Value) =>
  v.pipe(
    v.custom<Record<string, unknown>>((input) => typeof input === "object" && input !== null && !Array.isArray(input), "must be an object"),
    v.record(key, value),
  );

/** `answers.0.name`, `files["packages/__name__/x"]`: where in the file the first problem is. */
function where(issue: v.BaseIssue<unknown>): string {
  let path = "";
  for (const item of issue.path ?? []) {
    const key = (item as { key?: unknown }).key;
    if (typeof key === "number") path += path ? `.${key}` : String(key);
    else if (typeof key === "string" && /^[A-Za-z_$][\w$]*$/.test(key)) path += path ? `.${key}` : key;
    else path += `[${JSON.stringify(key)}]`;
  }
  return path;
}

function describe(issue: v.BaseIssue<unknown>): string {
  // A union (a file kind: a word or an object) fails in each branch: the branch that got deeper says more.
  const deeper = issue.issues?.find((inner) => (inner.path?.length ?? 0) > (issue.path?.length ?? 0));
  if (deeper) return describe(deeper);
  const at = where(issue);
  // Type issues (and missing or unknown keys) read best as expected/got; checks carry their own sentence.
  if (issue.kind === "schema") {
    if (issue.received === "undefined" && at) return `${at} is missing`;
    if (issue.type === "custom") return `${at || "the file"} ${issue.message}, got ${issue.received}`;
    if (issue.expected === "never") return `${at} is not a known key`;
    return `${at || "the file"}: expected ${issue.expected}, got ${issue.received}`;
  }
  return `${at || "the file"} ${issue.message}`;
}

/**
 * Checks `value` (parsed JSON) against `schema`; the first problem becomes one ShipyardError naming `file`.
 * Returns the value as the schema's output (defaults filled, unknown keys of non-strict objects dropped).
 */
export function parseWith<Schema extends v.GenericSchema>(
  schema: Schema,
  value: unknown,
  file: string,
  code: ErrorCode,
  hint?: string,
): v.InferOutput<Schema> {
  const result = v.safeParse(schema, value, { abortEarly: true });
  if (result.success) return result.output;
  const [issue] = result.issues;
  throw new ShipyardError(code, `${file} is broken: ${describe(issue as v.BaseIssue<unknown>)}.`, hint);
}

/** JSON.parse with a one-line error naming the file. */
export function parseJson(text: string, file: string, code: ErrorCode, hint?: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ShipyardError(code, `${file} is not valid JSON: ${(error as Error).message}.`, hint);
  }
}
