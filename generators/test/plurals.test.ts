import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { count } from "../src/cli/report.js";

/* What the CLI prints counts things in words that agree with the number: `1 conflict`, `2 conflicts`, `0 files`. */
describe("plurals", () => {
  it("count() agrees with the number", () => {
    expect([0, 1, 2].map((n) => count(n, "conflict"))).toEqual(["0 conflicts", "1 conflict", "2 conflicts"]);
    expect(count(1, "file")).toBe("1 file");
    expect(count(3, "library", "libraries")).toBe("3 libraries");
  });

  it("the CLI's reports never put a number before a fixed plural", () => {
    const source = readFileSync(join(import.meta.dirname, "../src/cli/report.ts"), "utf8");
    const fixed = source.split("\n").filter((line) => /\$\{[^}]+\} (files|conflicts|errors|warnings)\b/.test(line));
    expect(fixed).toEqual([]);
  });
});
