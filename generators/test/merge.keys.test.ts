import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { mergeFile } from "../src/state/merge/structured.js";

const labels = { current: "yours", next: "template" };

// Both sides adding a different key at the same place of one object: git sees two insertions after one line and
// conflicts; keys have no order that matters, so the key merge keeps both, the user's first.
describe("key merge: both sides add a key at the same place", () => {
  const base = `{
  "name": "@acme/orders",
  "scripts": {
    "build": "tsc -b",
    "test": "vitest run"
  }
}
`;

  it("package.json: a script each at the end of scripts", () => {
    const current = base.replace('"test": "vitest run"', '"test": "vitest run",\n    "deploy": "clever deploy"');
    const next = base.replace('"test": "vitest run"', '"test": "vitest run",\n    "lint": "biome check ."');
    const merged = mergeFile("packages/orders/package.json", base, current, next, labels);
    expect(merged.conflicts).toBe(0);
    expect(merged.content).toBe(
      base.replace('"test": "vitest run"', '"test": "vitest run",\n    "deploy": "clever deploy",\n    "lint": "biome check ."'),
    );
  });

  it("package.json: a script each at the start of scripts", () => {
    const current = base.replace('"build": "tsc -b"', '"predeploy": "echo",\n    "build": "tsc -b"');
    const next = base.replace('"build": "tsc -b"', '"clean": "rm -rf dist",\n    "build": "tsc -b"');
    const merged = mergeFile("packages/orders/package.json", base, current, next, labels);
    expect(merged.conflicts).toBe(0);
    expect(Object.keys(JSON.parse(merged.content).scripts)).toEqual(["predeploy", "clean", "build", "test"]);
  });

  it("a workflow: an env variable each in the same map, the comments around kept", () => {
    const yamlBase = "env:\n  # shared\n  NODE_ENV: test\njobs: {}\n";
    const current = yamlBase.replace("NODE_ENV: test\n", "NODE_ENV: test\n  MINE: 1\n");
    const next = yamlBase.replace("NODE_ENV: test\n", "NODE_ENV: test\n  THEIRS: 2\n");
    const merged = mergeFile(".github/workflows/ci.yml", yamlBase, current, next, labels);
    expect(merged.conflicts).toBe(0);
    expect(merged.content).toContain("  # shared\n");
    expect(parseYaml(merged.content)).toEqual({ env: { NODE_ENV: "test", MINE: 1, THEIRS: 2 }, jobs: {} });
  });

  it("the same key with different values is still a conflict", () => {
    const current = base.replace('"test": "vitest run"', '"test": "vitest run",\n    "lint": "eslint ."');
    const next = base.replace('"test": "vitest run"', '"test": "vitest run",\n    "lint": "biome check ."');
    const merged = mergeFile("packages/orders/package.json", base, current, next, labels);
    expect(merged.conflicts).toBeGreaterThan(0);
    expect(merged.content).toContain('"lint": "eslint ."');
  });
});
