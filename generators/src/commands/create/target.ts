import { accessSync, constants, existsSync, readdirSync, rmSync, type Stats, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { ShipyardError } from "../../errors.js";

/** Where `create` writes: checked before anything is created, so bad input leaves the disk as it was. */
export interface Target {
  /** Absolute path of the new repository. */
  root: string;
  /** The folder this run creates (the target or its first missing ancestor); undefined when the target exists. */
  creates: string | undefined;
}

/** A path as the user would recognise it: relative to where they are when inside it, absolute otherwise. */
export function displayPath(cwd: string, path: string): string {
  const shown = relative(cwd, path);
  if (shown === "") return ".";
  return shown.startsWith("..") || isAbsolute(shown) ? path : shown;
}

/** The stat of `path`, or undefined when it does not exist. `shown` names the target in messages. */
function statOf(cwd: string, path: string, shown: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ENOTDIR") {
      // Name the file in the way: the nearest ancestor that exists and is not a directory.
      let file = dirname(path);
      const isFile = (candidate: string) => {
        try {
          return !statSync(candidate).isDirectory();
        } catch {
          return false;
        }
      };
      while (dirname(file) !== file && !isFile(file)) file = dirname(file);
      throw notADirectory(shown, `${displayPath(cwd, file)} is a file`);
    }
    throw notWritable(shown, (error as Error).message);
  }
}

function notADirectory(shown: string, why: string): ShipyardError {
  return new ShipyardError("TARGET_NOT_A_DIRECTORY", `${shown} is not a directory: ${why}.`, "Choose another directory for the new repository.");
}

function notWritable(shown: string, why: string): ShipyardError {
  return new ShipyardError("TARGET_NOT_WRITABLE", `Cannot write to ${shown}: ${why}.`, "Choose a directory you can write to.");
}

function checkWritable(path: string, shown: string): void {
  try {
    accessSync(path, constants.W_OK | constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw notWritable(shown, code === "EROFS" ? "read-only file system" : "permission denied");
  }
}

/**
 * Checks the target directory: an existing one must be a writable directory, empty unless `force` (a lone `.git`
 * counts as empty: a freshly cloned repository); a missing one must have a writable directory as its nearest
 * existing ancestor.
 */
export function checkTarget(cwd: string, dir: string, force: boolean): Target {
  const root = resolve(cwd, dir);
  const shown = displayPath(cwd, root);
  const stat = statOf(cwd, root, shown);
  if (stat) {
    if (!stat.isDirectory()) throw notADirectory(shown, "it is a file");
    checkWritable(root, shown);
    let entries: string[];
    try {
      entries = readdirSync(root).filter((entry) => entry !== ".git");
    } catch (error) {
      throw notWritable(shown, (error as Error).message);
    }
    if (entries.length > 0 && !force) {
      const listed = entries.length > 3 ? `${entries.slice(0, 3).join(", ")} and ${entries.length - 3} more` : entries.join(", ");
      throw new ShipyardError(
        "TARGET_NOT_EMPTY",
        `${shown} is not empty (${listed}): nothing was written.`,
        "Choose a new or empty directory, or pass --force to create the repository among those files (none is ever overwritten).",
      );
    }
    return { root, creates: undefined };
  }
  let creates = root;
  let parent = dirname(root);
  for (;;) {
    const parentStat = statOf(cwd, parent, shown);
    if (parentStat) {
      if (!parentStat.isDirectory()) throw notADirectory(shown, `${displayPath(cwd, parent)} is a file`);
      checkWritable(parent, displayPath(cwd, parent));
      return { root, creates };
    }
    creates = parent;
    parent = dirname(parent);
  }
}

/**
 * What this run added to the disk, so a failure can take exactly that back: the folder it created, or else the
 * first new path of everything it wrote (a file, or the topmost folder it had to create). Nothing that existed
 * before the run is ever removed.
 */
export class Footprint {
  private readonly added = new Set<string>();
  private readonly target: Target;

  constructor(target: Target) {
    this.target = target;
  }

  /** Call before writing `path` (relative to the root). */
  claim(path: string): void {
    if (this.target.creates) return;
    let current = join(this.target.root, path);
    let topmost: string | undefined;
    while (current !== this.target.root && !existsSync(current)) {
      topmost = current;
      current = dirname(current);
    }
    if (topmost) this.added.add(topmost);
  }

  /** Removes what the run added; returns what it removed, for the message. */
  removeAll(cwd: string): string {
    if (this.target.creates) {
      rmSync(this.target.creates, { recursive: true, force: true, maxRetries: 3 });
      return `removed ${displayPath(cwd, this.target.creates)}`;
    }
    for (const path of [...this.added].sort().reverse()) rmSync(path, { recursive: true, force: true, maxRetries: 3 });
    return this.added.size > 0
      ? `removed the ${this.added.size === 1 ? "file or folder" : `${this.added.size} files and folders`} it had added to ${displayPath(cwd, this.target.root)}`
      : "nothing was left behind";
  }
}
