import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { acquireLock, describeOwner, readOwner } from "../../engine/lock.js";
import { recoverInterrupted } from "../../engine/transaction.js";
import { displayPath } from "./target.js";

/**
 * The folder inside a target that `create` stages in and locks, and whose presence marks an unfinished create:
 * it holds the lock, the staging folder with its journal, and `creates` (the folder the run created, if any).
 */
export const CREATE_DIR = ".shipyard-create";

/**
 * What a killed create left in `dir`: its swap rolled back, and the directory it had created removed when nothing
 * else is in it, so the create can start again. Says so on stderr. A create still running holds the lock: this
 * waits for it, then fails naming it.
 */
export function recoverInterruptedCreate(cwd: string, dir: string): void {
  const root = resolve(cwd, dir);
  const marker = join(root, CREATE_DIR);
  let entries: string[];
  try {
    entries = readdirSync(marker);
  } catch {
    return;
  }
  const owner = readOwner(join(marker, "lock"));
  const release = acquireLock(marker);
  const notes = recoverInterrupted(root, CREATE_DIR, false);
  let creates = "";
  try {
    creates = entries.includes("creates") ? readFileSync(join(marker, "creates"), "utf8") : "";
  } catch {}
  rmSync(join(marker, "creates"), { force: true });
  release();
  rmSync(marker, { recursive: true, force: true });
  const who = owner ? `create-shipyard (${describeOwner(owner)})` : "create-shipyard";
  if (notes.length === 0 && existsSync(join(root, ".shipyard/config.json"))) {
    // Killed after its transaction was committed, before it removed its lock: the repository is complete.
    process.stderr.write(`create-shipyard: an interrupted ${who} had finished writing ${displayPath(cwd, root)}; removed the lock it left.\n`);
    return;
  }
  let removed = "";
  if (creates && (root === creates || root.startsWith(`${creates}/`)) && readdirSync(root).length === 0) {
    // Only empty folders are left of what it created: remove them up to the one it made.
    for (let current = root; ; current = dirname(current)) {
      try {
        rmdirSync(current);
      } catch {
        break;
      }
      if (current === creates) break;
    }
    removed = `, and removed ${displayPath(cwd, creates)}`;
  }
  const rolled = notes.length ? ` (${notes.join(" ")})` : "";
  process.stderr.write(
    `create-shipyard: cleaned up what an interrupted ${who} left in ${displayPath(cwd, root)}${rolled}${removed}; starting again.\n`,
  );
}
