import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mergeText } from "../src/state/merge/text.js";

const labels = { current: "yours", next: "template" };

/** `git merge-file -p` of the three texts: its output and whether it merged cleanly. */
function gitMerge(current: string, base: string, next: string): { content: string; clean: boolean } {
  const dir = mkdtempSync(join(tmpdir(), "diff3-"));
  try {
    const files = { current: join(dir, "current"), base: join(dir, "base"), next: join(dir, "next") };
    writeFileSync(files.current, current);
    writeFileSync(files.base, base);
    writeFileSync(files.next, next);
    const run = spawnSync("git", ["merge-file", "-p", "-L", "yours", "-L", "base", "-L", "template", files.current, files.base, files.next], {
      encoding: "utf8",
    });
    return { content: run.stdout, clean: run.status === 0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Regressions found by the oracle (merge.oracle.test.ts) in CI, each replayed here by name.
describe("line merge: where git merges cleanly, so does Shipyard", () => {
  it("both sides add the same comment and blank lines, the user's other edits split the insertion (oracle seed 646298, case 52, reduced)", () => {
    // Two ways to align "# both33 note", "", "" against the blank line below: the user's diff, with its other
    // blank lines nearby, split the insertion in two; git slides and merges the groups (xdl_change_compact).
    const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures/merge-seed-646298-case-52.json"), "utf8"));
    const [base, current, next] = [fixture.base, fixture.current, fixture.next].map((lines: string[]) => `${lines.join("\n")}\n`);
    const git = gitMerge(current, base, next);
    expect(git.clean).toBe(true);
    const ours = mergeText(base, current, next, labels);
    expect(ours.conflicts).toBe(0);
    expect(ours.content).toBe(git.content);
  });

  it("a user's comment and the template's blank line at the same place conflict exactly when git's do", () => {
    const base = ["a", "b", "", "c", ""].join("\n");
    const current = ["a", "b", "# user note", "", "c", ""].join("\n");
    const next = ["a", "b", "", "", "c", ""].join("\n");
    const git = gitMerge(current, base, next);
    const ours = mergeText(base, current, next, labels);
    expect(ours.conflicts === 0).toBe(git.clean);
    if (git.clean) expect(ours.content).toBe(git.content);
  });
});
