import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, rmdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ShipyardError } from "../errors.js";

/**
 * All-or-nothing writes to a working tree.
 *
 * 1. stage:   every new content is written under a staging folder next to the tree (same file system, so the
 *             swap is made of renames). The tree is untouched; a failure or a kill here changes nothing.
 * 2. journal: the list of swaps is written before the first one, so a run killed during the swap can be undone.
 * 3. swap:    each target is moved aside (into the staging folder) and its staged file moved in.
 * 4. commit:  the staging folder, backups and journal are removed.
 * A failure during the swap rolls back at once. The whole function is synchronous, so SIGINT and SIGTERM (handled
 * by the CLI) are only acted on once it has finished: they cannot cut it in half. SIGKILL or a crash can; then the
 * next Shipyard command finds the journal and rolls back before doing anything else (`recoverInterruptedWrites`).
 */
export interface FileWrite {
  /** Path relative to the root, forward slashes. */
  path: string;
  /** New content, or null to delete the file. */
  content: string | null;
}

interface JournalEntry {
  path: string;
  staged: string | null;
  backup: string | null;
  existed: boolean;
}

const STAGING_ROOT = join("node_modules", ".cache", "shipyard");

function stagingRoot(root: string): string {
  return join(root, STAGING_ROOT);
}

/** Removes now-empty folders from `dir` up to (not including) `root`. */
function pruneEmptyDirs(root: string, dir: string): void {
  let current = dir;
  while (current.startsWith(root) && current !== root) {
    try {
      if (readdirSync(current).length > 0) return;
      rmdirSync(current);
    } catch {
      return;
    }
    current = dirname(current);
  }
}

function rollback(root: string, entries: JournalEntry[]): void {
  for (const entry of [...entries].reverse()) {
    const target = join(root, entry.path);
    const backupExists = entry.backup !== null && existsSync(entry.backup);
    const stagedStillThere = entry.staged !== null && existsSync(entry.staged);
    if (backupExists) {
      mkdirSync(dirname(target), { recursive: true });
      renameSync(entry.backup as string, target);
    } else if (!entry.existed && entry.staged !== null && !stagedStillThere && existsSync(target)) {
      rmSync(target, { force: true });
      pruneEmptyDirs(root, dirname(target));
    }
  }
}

/** Undoes the swap of a Shipyard run that was killed half way, if any. Cheap when there is nothing to do. */
export function recoverInterruptedWrites(root: string): boolean {
  const base = stagingRoot(root);
  if (!existsSync(base)) return false;
  let recovered = false;
  for (const name of readdirSync(base)) {
    const folder = join(base, name);
    const journal = join(folder, "journal.json");
    if (existsSync(journal)) {
      rollback(root, JSON.parse(readFileSync(journal, "utf8")) as JournalEntry[]);
      recovered = true;
    }
    rmSync(folder, { recursive: true, force: true });
  }
  pruneEmptyDirs(root, base);
  return recovered;
}

/**
 * Test hook: SHIPYARD_TEST_PAUSE_AT=staged (after staging) or swapped:N (after N swaps) makes the process stop
 * there for 30 s, so a test can kill it at exactly that point and check what the tree looks like.
 */
function pauseForTests(point: string): void {
  if (process.env.SHIPYARD_TEST_PAUSE_AT !== point) return;
  process.stderr.write(`paused at ${point}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30_000);
}

export function writeAtomically(root: string, writes: FileWrite[]): void {
  if (writes.length === 0) return;
  recoverInterruptedWrites(root);
  const folder = join(stagingRoot(root), `tx-${process.pid}-${Date.now()}`);
  const entries: JournalEntry[] = [];
  let swapping = false;
  try {
    // 1. stage
    mkdirSync(join(folder, "staged"), { recursive: true });
    mkdirSync(join(folder, "backup"), { recursive: true });
    writes.forEach((write, index) => {
      const staged = write.content === null ? null : join(folder, "staged", String(index));
      if (staged) writeFileSync(staged, write.content as string);
      entries.push({ path: write.path, staged, backup: join(folder, "backup", String(index)), existed: existsSync(join(root, write.path)) });
    });
    pauseForTests("staged");
    // 2. journal
    writeFileSync(join(folder, "journal.json"), JSON.stringify(entries));
    // 3. swap
    swapping = true;
    for (const [index, entry] of entries.entries()) {
      pauseForTests(`swapped:${index}`);
      const target = join(root, entry.path);
      if (entry.existed) renameSync(target, entry.backup as string);
      if (entry.staged) {
        mkdirSync(dirname(target), { recursive: true });
        renameSync(entry.staged, target);
      } else {
        pruneEmptyDirs(root, dirname(target));
      }
    }
    swapping = false;
  } catch (error) {
    if (swapping) rollback(root, entries);
    throw new ShipyardError("TARGET_NOT_WRITABLE", `Could not write the files, nothing was changed: ${(error as Error).message}`);
  } finally {
    // 4. commit (or clean up after a rollback)
    rmSync(folder, { recursive: true, force: true });
    pruneEmptyDirs(root, stagingRoot(root));
  }
}
