// A run killed in the middle of its swap leaves a journal; the next command rolls it back from the journal alone.
// Staged and backed-up files sit in flat numbered slots (one folder each instead of one per level of every
// path); a journal written by an earlier Shipyard names none and mirrors the paths: both layouts are restored.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recoverInterrupted, STAGING_DIR } from "../src/engine/transaction.js";

let root: string;
const put = (path: string, content: string) => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
};
// A pid that is not running (pid_max is below 2^22 on Linux).
const DEAD = { pid: 4_194_304 + 17, host: hostname(), command: "shipyard update", started: "2026-12-03T12:01:03.000Z" };

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "shipyard-journal-"));
  put(join(root, "packages/hello/README.md"), "edited by the swap\n");
  put(join(root, "packages/orders/src/server.ts"), "moved in by the swap\n");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A dead run's folder, as the swap leaves it: the old README moved to its backup, the new folder moved in. */
function leftover(slots: boolean): string {
  const folder = join(root, STAGING_DIR, `tx-${DEAD.pid}-1`);
  const entries = [
    { path: "packages/hello/README.md", existed: true, staged: true, ...(slots ? { slot: "0" } : {}) },
    { path: "packages/orders", existed: false, staged: true, ...(slots ? { slot: "1" } : {}) },
  ];
  put(join(folder, "owner.json"), JSON.stringify(DEAD));
  put(join(folder, "journal.json"), JSON.stringify({ ...DEAD, entries }));
  put(join(folder, "backup", slots ? "0" : "packages/hello/README.md"), "as the user wrote it\n");
  return folder;
}

describe("rolling back a dead run's journal", () => {
  for (const slots of [true, false]) {
    it(slots ? "flat numbered slots" : "an earlier Shipyard's path-mirrored layout", () => {
      const folder = leftover(slots);
      const notes = recoverInterrupted(root, STAGING_DIR, false);
      expect(notes).toEqual(["rolled back an interrupted `shipyard update` from 12:01:03 (2 files restored)."]);
      expect(readFileSync(join(root, "packages/hello/README.md"), "utf8")).toBe("as the user wrote it\n");
      expect(existsSync(join(root, "packages/orders"))).toBe(false);
      expect(readdirSync(join(root, "packages"))).toEqual(["hello"]);
      expect(existsSync(folder)).toBe(false);
    });
  }

  it("a dry run only says what the next command will roll back", () => {
    leftover(true);
    const notes = recoverInterrupted(root, STAGING_DIR, true);
    expect(notes[0]).toMatch(/^an interrupted `shipyard update` from 12:01:03 left files half written/);
    expect(readFileSync(join(root, "packages/hello/README.md"), "utf8")).toBe("edited by the swap\n");
  });
});
