import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  type Stats,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { ShipyardError } from "../errors.js";
import { clock, isAlive, type LockOwner, readOwner } from "./lock.js";
import { pauseForTests, testPointsOn } from "./pause.js";
import { type Change, type Content, isDeletion, type Tree } from "./tree.js";

/**
 * All-or-nothing writes of a tree's changes, under the repository lock (the caller holds it).
 *
 * 1. stage:   every new content is written under a staging folder inside the repository (same file system, so
 *             the swap is made of renames). A new folder (`packages/orders`) is staged whole and moved in with one
 *             rename. The tree is untouched; a failure or a kill here changes nothing.
 * 2. journal: the list of swaps is written (to a temporary name, then renamed: never half written) before the
 *             first one, so a run killed during the swap can be undone.
 * 3. swap:    each target is moved aside (into the staging folder) and its staged file or folder moved in.
 * 4. commit:  the journal is removed (the point of no return), then the staging folder and backups.
 * A failure during the swap rolls back at once. The whole function is synchronous, so SIGINT and SIGTERM (handled
 * by the CLI) are only acted on once it has finished. After SIGKILL or a crash the journal stays; the next command
 * that takes the lock finds it, sees its owner is dead, rolls it back and says so (`recoverInterrupted`).
 */
/** A change as the planners collect it (text files only). */
export interface FileWrite {
  /** Path relative to the root, forward slashes. */
  path: string;
  /** New content, or null to delete the file. */
  content: string | null;
}

export const STAGING_DIR = "node_modules/.cache/shipyard";

interface JournalEntry {
  /** The path moved: a file, or the topmost new folder. */
  path: string;
  existed: boolean;
  staged: boolean;
  /**
   * Its name under `staged/` and `backup/`: a number, so those folders are flat (one mkdir each, not one per level
   * of every path). Journals written before it have none: their layout mirrors the paths.
   */
  slot?: string;
}

const stagedPath = (folder: string, entry: JournalEntry) => join(folder, "staged", entry.slot ?? entry.path);
const backupPath = (folder: string, entry: JournalEntry) => join(folder, "backup", entry.slot ?? entry.path);

interface Journal extends LockOwner {
  entries: JournalEntry[];
}

/** Removes now-empty folders from `dir` up to (not including) `root`. */
export function pruneEmptyDirs(root: string, dir: string): void {
  let current = dir;
  while (current.startsWith(root) && current !== root) {
    try {
      rmdirSync(current);
    } catch {
      return;
    }
    current = dirname(current);
  }
}

const present = (path: string) => {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
};

/** Undoes the swaps of `entries`, last first. Returns how many paths it put back. */
function rollback(root: string, folder: string, entries: JournalEntry[]): number {
  let restored = 0;
  for (const entry of [...entries].reverse()) {
    const target = join(root, entry.path);
    const staged = stagedPath(folder, entry);
    const backup = backupPath(folder, entry);
    let touched = false;
    if (entry.staged && !present(staged) && present(target)) {
      // Ours: it was moved in by the swap (a new folder holds only what the swap put there).
      rmSync(target, { recursive: true, force: true });
      touched = true;
    }
    if (entry.existed && present(backup)) {
      mkdirSync(dirname(target), { recursive: true });
      renameSync(backup, target);
      touched = true;
    }
    if (!entry.existed) pruneEmptyDirs(root, dirname(target));
    if (touched) restored++;
  }
  return restored;
}

function readJournal(path: string, shown: string): Journal {
  try {
    const journal = JSON.parse(readFileSync(path, "utf8")) as Journal;
    if (!Array.isArray(journal?.entries)) throw new Error("no entries");
    return journal;
  } catch (error) {
    throw new ShipyardError(
      "BROKEN_STATE",
      `${shown} is damaged (${(error as Error).message}): an interrupted command cannot be rolled back automatically.`,
      `Check \`git status\` and restore what is half written (git checkout/clean), then delete ${dirname(shown)}.`,
    );
  }
}

export interface Leftover {
  owner: LockOwner | undefined;
  /** Whether it had started moving files into place (a journal). */
  journal: boolean;
  folder: string;
}

/** Staging folders of other, dead runs (a live owner's, or this process's, are not leftovers). */
export function findLeftovers(root: string, stagingDir: string): Leftover[] {
  const base = join(root, stagingDir);
  let names: string[];
  try {
    names = readdirSync(base).filter((name) => name.startsWith("tx-"));
  } catch {
    return [];
  }
  const leftovers: Leftover[] = [];
  for (const name of names) {
    const folder = join(base, name);
    const owner = readOwner(join(folder, "owner.json"));
    if (owner && (owner.pid === process.pid || isAlive(owner))) continue;
    leftovers.push({ owner, journal: existsSync(join(folder, "journal.json")), folder });
  }
  return leftovers;
}

const describe = (owner: LockOwner | undefined) => (owner ? `\`${owner.command}\` from ${clock(owner.started)}` : "Shipyard command");

/**
 * Rolls back what dead runs left (the caller holds the lock). Returns one sentence per leftover, for stderr.
 * A dry run changes nothing: it only says what the next writing command will roll back.
 */
export function recoverInterrupted(root: string, stagingDir: string, dryRun: boolean): string[] {
  const notes: string[] = [];
  for (const leftover of findLeftovers(root, stagingDir)) {
    const what = describe(leftover.owner);
    const journalPath = join(leftover.folder, "journal.json");
    if (dryRun) {
      if (leftover.journal)
        notes.push(
          `an interrupted ${what} left files half written; the next command that writes rolls it back (this dry run sees the files as it left them).`,
        );
      continue;
    }
    if (leftover.journal) {
      const shown = `${stagingDir}/${leftover.folder.split("/").pop()}/journal.json`;
      const journal = readJournal(journalPath, shown);
      const restored = rollback(root, leftover.folder, journal.entries);
      notes.push(`rolled back an interrupted ${what} (${restored} files restored).`);
    }
    rmSync(leftover.folder, { recursive: true, force: true });
  }
  return notes;
}

function mkdirOnce(made: Set<string>, dir: string): void {
  if (made.has(dir)) return;
  mkdirSync(dir, { recursive: true });
  made.add(dir);
}

/** The path to move for a change: the file itself when its folder exists, else its topmost missing folder. */
function swapTarget(root: string, change: Change, stats: Map<string, Stats | undefined>): { path: string; existed: boolean } {
  if (isDeletion(change)) return { path: change.path, existed: true };
  const segments = change.path.split("/");
  for (let index = 1; index <= segments.length; index++) {
    const prefix = segments.slice(0, index).join("/");
    // Under the lock, as the disk is now (not as the tree saw it while planning); each folder once per commit.
    let stat = stats.get(prefix);
    if (stat === undefined && !stats.has(prefix)) {
      stat = lstatSync(`${root}/${prefix}`, { throwIfNoEntry: false });
      stats.set(prefix, stat);
    }
    if (stat === undefined) return { path: prefix, existed: false };
    if (index < segments.length && !stat.isDirectory()) {
      throw new ShipyardError(
        "TARGET_NOT_WRITABLE",
        `Could not write ${change.path}: ${prefix} is a file where a folder must go; nothing was written.`,
        `Move ${prefix} away, then run the command again.`,
      );
    }
    if (index === segments.length && stat.isDirectory()) {
      throw new ShipyardError(
        "TARGET_NOT_WRITABLE",
        `Could not write ${change.path}: it is a folder; nothing was written.`,
        `Move ${prefix} away, then run the command again.`,
      );
    }
  }
  return { path: change.path, existed: true };
}

/**
 * Puts `changes` on disk, all or nothing (see above). `stagingDir` (relative to the root) must already have been
 * confined by the caller (it holds the lock file).
 */
export function writeChanges(tree: Tree, changes: Change[], stagingDir: string, command: string): void {
  if (changes.length === 0) return;
  const root = tree.root;
  // Every path is confined again at the last moment (verdicts are cached, so this costs little).
  for (const change of changes) tree.diskPath(change.path);
  const moves = new Map<string, JournalEntry>();
  const stats = new Map<string, Stats | undefined>();
  /** The entry each change is moved in with (itself, or the new folder it is inside). */
  const entryOf = new Map<Change, JournalEntry>();
  for (const change of changes) {
    const move = swapTarget(root, change, stats);
    let entry = moves.get(move.path);
    if (entry) entry.staged ||= !isDeletion(change);
    else {
      entry = { path: move.path, existed: move.existed, staged: !isDeletion(change), slot: String(moves.size) };
      moves.set(move.path, entry);
    }
    entryOf.set(change, entry);
  }
  const owner: LockOwner = { pid: process.pid, host: hostname(), command, started: new Date().toISOString() };
  const folder = join(root, stagingDir, `tx-${process.pid}-${Date.now()}`);
  const entries = [...moves.values()];
  let swapping = false;
  try {
    // 1. stage
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, "owner.json"), JSON.stringify(owner));
    const made = new Set<string>();
    const points = testPointsOn();
    let count = 0;
    for (const change of changes) {
      if (isDeletion(change)) continue;
      // Its entry's slot, then (inside a new folder) its path below that folder.
      const entry = entryOf.get(change) as JournalEntry;
      const staged = stagedPath(folder, entry) + change.path.slice(entry.path.length);
      mkdirOnce(made, dirname(staged));
      // A copy is read (once: the tree keeps what a comparison read) and written with its mode: for small files
      // half the time of copyFileSync (no reflink on ext4, then copy_file_range, ftruncate and fchmod per file).
      const mode = change.source === undefined ? undefined : statSync(change.source).mode & 0o777;
      writeFileSync(staged, change.content as Content, { mode });
      if (points) pauseForTests(`staging:${++count}`);
    }
    pauseForTests("staged");
    // 2. journal
    const journal: Journal = { ...owner, entries };
    writeFileSync(join(folder, "journal.tmp"), JSON.stringify(journal));
    renameSync(join(folder, "journal.tmp"), join(folder, "journal.json"));
    pauseForTests("journaled");
    // 3. swap
    swapping = true;
    for (const [index, entry] of entries.entries()) {
      pauseForTests(`swapped:${index}`);
      const target = join(root, entry.path);
      if (entry.existed) {
        const backup = backupPath(folder, entry);
        mkdirOnce(made, dirname(backup));
        renameSync(target, backup);
      }
      if (entry.staged) renameSync(stagedPath(folder, entry), target);
      else pruneEmptyDirs(root, dirname(target));
    }
    swapping = false;
    pauseForTests("committed");
    // 4. commit
    unlinkSync(join(folder, "journal.json"));
  } catch (error) {
    if (swapping) rollback(root, folder, entries);
    if (error instanceof ShipyardError) throw error;
    const message = (error as Error).message.replaceAll(`${root}/`, "");
    throw new ShipyardError("TARGET_NOT_WRITABLE", `Could not write the files, nothing was changed: ${message}`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  // The disk now holds every change: the view has nothing pending, and what it knew of missing paths is stale.
  tree.clear();
  pauseForTests("cleaned");
}
