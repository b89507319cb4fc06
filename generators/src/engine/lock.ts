import { linkSync, mkdirSync, readFileSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { ShipyardError } from "../errors.js";
import { pauseForTests, sleepSync } from "./pause.js";

/**
 * One Shipyard command at a time per repository. The lock is a file created atomically (a hard link of a fully
 * written temporary file, so a reader never sees it half written) holding who took it: pid, host, command line,
 * start time. It is stale when its owner is dead (same host, pid gone) or when it is older than any command runs.
 *
 * Not proper-lockfile: its staleness is an mtime refreshed by an asynchronous timer, which cannot run while a
 * command plans and swaps synchronously, so a busy command would look stale to a waiting one; and a SIGKILLed
 * owner keeps everybody waiting for the stale period instead of being recognised dead at once. It records no pid.
 */
export interface LockOwner {
  pid: number;
  host: string;
  command: string;
  started: string;
}

const STALE_AFTER_MS = 60 * 60 * 1000;
const DEFAULT_WAIT_MS = 10_000;

/** Locks this process holds, by lock file path: re-entrant within a process. */
const held = new Map<string, LockOwner>();

export function isAlive(owner: Pick<LockOwner, "pid" | "host">): boolean {
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function readOwner(path: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(path, "utf8")) as LockOwner;
    return typeof owner?.pid === "number" ? owner : undefined;
  } catch {
    return undefined;
  }
}

const isStale = (owner: LockOwner | undefined) => owner === undefined || !isAlive(owner) || Date.now() - Date.parse(owner.started) > STALE_AFTER_MS;

/** `12:01:03` in local time: how a person remembers when they started a command. */
export const clock = (iso: string) => new Date(iso).toTimeString().slice(0, 8);

export function describeOwner(owner: LockOwner): string {
  return `pid ${owner.pid}, \`${owner.command}\`, since ${clock(owner.started)}`;
}

export function currentCommandLine(): string {
  const args = process.argv.slice(2).filter((arg) => !arg.startsWith("--from="));
  const name = /create-shipyard/.test(process.argv[1] ?? "") ? "create-shipyard" : "shipyard";
  return [name, ...args].join(" ");
}

/**
 * Takes the lock file `path` (its folder is created), waiting up to SHIPYARD_LOCK_WAIT_MS (default 10 s) for a
 * live owner to finish. Released when the process exits, or by the returned function.
 */
export function acquireLock(dir: string, command = currentCommandLine(), pruneUpTo?: string): () => void {
  const path = join(dir, "lock");
  if (held.has(path)) return () => {};
  const owner: LockOwner = { pid: process.pid, host: hostname(), command, started: new Date().toISOString() };
  const text = JSON.stringify(owner);
  const waitMs = Number(process.env.SHIPYARD_LOCK_WAIT_MS ?? DEFAULT_WAIT_MS);
  const deadline = Date.now() + waitMs;
  const temporary = join(dir, `lock.${process.pid}.tmp`);
  // The first folder this call made (mkdir -p says which): release removes that far up and no further, so it
  // neither tries (and fails) to remove folders that were there before nor leaves empty ones it made.
  let made: string | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      made = mkdirSync(dir, { recursive: true }) ?? made;
      writeFileSync(temporary, text);
      try {
        linkSync(temporary, path);
        break;
      } finally {
        unlinkSync(temporary);
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOENT: the previous owner removed the (empty) folder between our mkdir and link. Try again.
      if (code !== "EEXIST" && code !== "ENOENT") throw error;
      if (code === "EEXIST") {
        const other = readOwner(path);
        if (other === undefined && attempt < 3) {
          // Unreadable for a moment cannot happen (the link is atomic), but a damaged file must not block forever.
          sleepSync(20);
          continue;
        }
        if (isStale(other)) {
          breakStale(path, other);
          continue;
        }
        if (Date.now() >= deadline) {
          throw new ShipyardError(
            "LOCKED",
            `another shipyard command (${describeOwner(other as LockOwner)}) is running in this repository.`,
            "Wait for it to finish, then run this command again.",
          );
        }
        sleepSync(25 + Math.floor(Math.random() * 25));
      }
    }
  }
  held.set(path, owner);
  const release = () => {
    if (!held.has(path)) return;
    held.delete(path);
    if (readOwner(path)?.pid === process.pid) {
      try {
        unlinkSync(path);
      } catch {}
    }
    pauseForTests("released");
    // The folder was made for the lock: leave no empty folder behind (fails, harmlessly, when not empty). When
    // this call made the folders, exactly those; when another command had (and may have left them to us while we
    // waited), every empty one up to pruneUpTo.
    const top = made ?? pruneUpTo;
    for (let current = dir; current.startsWith(pruneUpTo ?? dir) && current !== pruneUpTo; current = dirname(current)) {
      try {
        rmdirSync(current);
      } catch {
        break;
      }
      if (current === top || pruneUpTo === undefined) break;
    }
  };
  process.once("exit", release);
  pauseForTests("locked");
  return release;
}

/** Moves a dead owner's lock aside; only one of several waiters succeeds, the others just try again. */
function breakStale(path: string, seen: LockOwner | undefined): void {
  const aside = `${path}.stale.${process.pid}`;
  try {
    renameSync(path, aside);
  } catch {
    return;
  }
  const moved = readOwner(aside);
  if (moved && seen && (moved.pid !== seen.pid || moved.started !== seen.started)) {
    // We moved a lock someone took in the meantime: put it back.
    try {
      linkSync(aside, path);
    } catch {}
  }
  try {
    unlinkSync(aside);
  } catch {}
}
