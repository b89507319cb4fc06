import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { mergeFile } from "../src/state/merge/structured.js";
import { deepEqual, type Json } from "../src/state/merge/values.js";

/*
 * The promise of `shipyard update`, checked over random template changes and random user edits:
 *  - a file nobody edited always becomes exactly the new render;
 *  - no user change is ever lost: outside reported conflicts it is in the result as the user made it, and inside a
 *    conflict the user's lines are in the conflict block;
 *  - a template change the user did not touch arrives when there is no conflict.
 */
const labels = { current: "yours", next: "template" };
const RUNS = Number(process.env.MERGE_RUNS ?? 400);

type Edit = { op: "insert" | "delete" | "replace"; at: number };
const edits = fc.array(fc.record({ op: fc.constantFrom("insert", "delete", "replace"), at: fc.nat(40) }), { maxLength: 4 });

function applyLineEdits(lines: string[], list: Edit[], tag: string): string[] {
  const out = [...lines];
  list.forEach((edit, index) => {
    const at = out.length === 0 ? 0 : edit.at % out.length;
    if (edit.op === "insert") out.splice(at, 0, `${tag}${index} added`);
    else if (edit.op === "delete" && out.length > 1) out.splice(at, 1);
    else if (out.length > 0) out[at] = `${tag}${index} replaced ${out[at]}`;
  });
  return out;
}

describe("text merge (Dockerfile, clever.env, …)", () => {
  it(`keeps every user line and brings template lines in, over ${RUNS} random cases`, () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), edits, edits, (size, userEdits, templateEdits) => {
        const base = Array.from({ length: size }, (_, index) => `line ${index}`);
        const current = applyLineEdits(base, userEdits, "user");
        const next = applyLineEdits(base, templateEdits, "template");
        const [b, c, n] = [base, current, next].map((lines) => `${lines.join("\n")}\n`) as [string, string, string];

        expect(mergeFile("Dockerfile", b, b, n, labels).content).toBe(n);
        const merged = mergeFile("Dockerfile", b, c, n, labels);
        const resultLines = new Set(merged.content.split("\n"));
        for (const line of current) if (!base.includes(line)) expect(resultLines).toContain(line);
        if (merged.conflicts === 0) {
          for (const line of next) if (!base.includes(line)) expect(resultLines).toContain(line);
          expect(merged.content).not.toContain("<<<<<<<");
        } else {
          expect(merged.content).toContain("<<<<<<< yours");
        }
      }),
      { numRuns: RUNS },
    );
  });
});

// Structured files: random objects, and edits that set or delete a value at a random path.
type Path = string[];
const keyArb = fc.constantFrom("name", "version", "scripts", "build", "test", "dependencies", "fastify", "zod", "engines", "node", "steps", "env");
const leafArb = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean());
const objectArb: fc.Arbitrary<Record<string, Json>> = fc.dictionary(
  keyArb,
  fc.oneof(leafArb, fc.dictionary(keyArb, leafArb, { maxKeys: 4 }), fc.array(fc.string({ maxLength: 6 }), { maxLength: 4 })),
  { minKeys: 1, maxKeys: 6 },
);
const structEdit = fc.record({ path: fc.array(keyArb, { minLength: 1, maxLength: 2 }), value: fc.option(leafArb, { nil: undefined }) });

const getAt = (value: Json | undefined, path: Path): Json | undefined =>
  path.reduce<Json | undefined>((node, key) => (node && typeof node === "object" && !Array.isArray(node) ? node[key] : undefined), value);

function setAt(root: Record<string, Json>, path: Path, value: Json | undefined): Record<string, Json> {
  const copy = structuredClone(root);
  let node: Record<string, Json> = copy;
  for (const key of path.slice(0, -1)) {
    const child = node[key];
    if (!child || typeof child !== "object" || Array.isArray(child)) node[key] = {};
    node = node[key] as Record<string, Json>;
  }
  const last = path[path.length - 1] as string;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

const isObject = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value);

/** Every leaf path of a value, so "what did this side change" can be asked path by path. */
function leafPaths(value: Json | undefined, prefix: Path = []): Path[] {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([key, child]) => leafPaths(child, [...prefix, key]));
  }
  return [prefix];
}

for (const format of ["json", "yaml"] as const) {
  const file = format === "json" ? "package.json" : "workflow.yml";
  const serialize = (value: Json) => (format === "json" ? `${JSON.stringify(value, null, 2)}\n` : toYaml(value));
  const parse = (text: string): Json => (format === "json" ? JSON.parse(text) : parseYaml(text));

  describe(`${format} merge`, () => {
    it(`keeps every user change outside conflicts and brings untouched template changes in, over ${RUNS} random cases`, () => {
      fc.assert(
        fc.property(objectArb, fc.array(structEdit, { maxLength: 3 }), fc.array(structEdit, { maxLength: 3 }), (base, userEdits, templateEdits) => {
          const current = userEdits.reduce((value, edit) => setAt(value, edit.path, edit.value), base);
          const next = templateEdits.reduce((value, edit) => setAt(value, edit.path, edit.value), base);
          const [b, c, n] = [serialize(base), serialize(current), serialize(next)];

          expect(mergeFile(file, b, b, n, labels).content).toBe(n);
          const merged = mergeFile(file, b, c, n, labels);
          if (merged.conflicts > 0) {
            expect(merged.content).toContain("<<<<<<< yours");
            for (const line of c.split("\n")) if (!b.split("\n").includes(line)) expect(merged.content).toContain(line);
            return;
          }
          const result = parse(merged.content);
          const paths = [...leafPaths(current), ...leafPaths(next), ...leafPaths(base)];
          for (const path of paths) {
            const [was, mine, theirs, got] = [getAt(base, path), getAt(current, path), getAt(next, path), getAt(result, path)];
            // Objects on both sides are compared through their own leaves, which are in `paths` too.
            if (isObject(mine) && isObject(got)) continue;
            if (!deepEqual(was, mine)) expect(got, `user change at ${path.join(".")}`).toEqual(mine);
            else if (!deepEqual(was, theirs)) expect(got, `template change at ${path.join(".")}`).toEqual(theirs);
          }
        }),
        { numRuns: RUNS },
      );
    });
  });
}
