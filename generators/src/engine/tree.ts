import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { ShipyardError } from "../errors.js";

/**
 * A read/write view of a repository, in the style of Nx's devkit Tree: reads see the disk with the pending changes
 * laid over it; writes, deletes and renames only change the view. `commit` (transaction.ts) is what puts the
 * changes on disk. Commands and the engine read and write the repository only through a Tree.
 *
 * Every path is confined to the root: relative, forward slashes, no `.` or `..` segment, no NUL, no backslash, and
 * no existing component that is a symbolic link leading outside the root. A path that breaks this is refused with
 * OUTSIDE_REPO, naming where the path came from (a unit record, a template manifest, a flag), before anything is
 * read or written: a hostile record or template cannot reach out of the repository.
 */
export type Content = string | Uint8Array;

export interface Change {
  path: string;
  /** New content, or null to delete the file. */
  content: Content | null;
}

/** What the update planner needs: `read` is null only when the file does not exist. */
export interface ReadableTree {
  read(path: string): string | null;
}

/** Larger than any file a template makes or a user keeps in a managed file: reading it is a mistake or an attack. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

/** Where a path came from when nobody said: the program itself. */
const INTERNAL = "Shipyard";

/** The lexical rules, without looking at the disk: usable on any path before it is joined to a root. */
export function checkRelativePath(path: string, origin: string): string {
  const refuse = (why: string) =>
    new ShipyardError(
      "OUTSIDE_REPO",
      `Refused path ${JSON.stringify(path)} from ${origin}: ${why}.`,
      "Every path Shipyard reads or writes must stay inside the repository.",
    );
  if (typeof path !== "string" || path === "") throw refuse("empty");
  if (path.includes("\0")) throw refuse("it contains a NUL character");
  if (path.includes("\\")) throw refuse("it contains a backslash");
  if (path.startsWith("/") || /^[a-zA-Z]:/.test(path)) throw refuse("it is absolute");
  const segments = path.split("/");
  if (segments.includes("..")) throw refuse("it climbs out with ..");
  if (segments.some((segment) => segment === "" || segment === ".")) throw refuse("it is not a normalized path");
  return path;
}

type DirVerdict = { kind: "ok" } | { kind: "missing" } | { kind: "file" } | { kind: "outside"; link: string; to: string };

export class Tree {
  /** The root as given (absolute). */
  readonly root: string;
  /** The root with symbolic links resolved: what "inside" is measured against. */
  private readonly realRoot: string;
  private readonly changes = new Map<string, Content | null>();
  /** Verdicts on directories (relative paths), valid while this command holds the repository lock. */
  private readonly dirs = new Map<string, DirVerdict>();

  constructor(root: string) {
    this.root = resolve(root);
    this.realRoot = realRootOf(this.root);
  }

  /** The absolute disk path of `path`, after checking that it stays inside the root. */
  diskPath(path: string, origin = INTERNAL): string {
    return this.confine(path, origin).full;
  }

  /** diskPath, and whether the checks found nothing there (so a read need not try). */
  private confine(path: string, origin: string): { full: string; missing: boolean } {
    checkRelativePath(path, origin);
    const parent = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
    const verdict = this.dirVerdict(parent);
    if (verdict.kind === "outside") throw outside(path, origin, verdict);
    let missing = verdict.kind !== "ok";
    if (verdict.kind === "ok") {
      // The last component itself may be a link too.
      const own = this.linkVerdict(path);
      if (own.kind === "outside") throw outside(path, origin, own);
      missing = own.kind === "missing";
    }
    return { full: join(this.root, path), missing };
  }

  /** The file as the view sees it; null only when it does not exist. Unreadable things throw UNREADABLE. */
  read(path: string, origin?: string): string | null {
    const bytes = this.readBytes(path, origin);
    if (bytes === null) return null;
    return typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("utf8");
  }

  readBytes(path: string, origin?: string): Content | null {
    if (this.changes.has(path)) return this.changes.get(path) as Content | null;
    return this.readDisk(path, origin);
  }

  /** The file as it is on disk, ignoring pending changes. */
  readDisk(path: string, origin = INTERNAL): Buffer | null {
    const { full, missing } = this.confine(path, origin);
    // Known missing: no open to fail (create reads back hundreds of new paths; each failure is an exception).
    if (missing) return null;
    let fd: number;
    try {
      fd = openSync(full, "r");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return null;
      throw unreadable(path, code === "ELOOP" ? "a loop of symbolic links" : (error as Error).message);
    }
    try {
      const stat = fstatSync(fd);
      if (stat.isDirectory()) throw unreadable(path, "it is a folder, not a file");
      if (!stat.isFile()) throw unreadable(path, "it is not a regular file");
      if (stat.size > MAX_FILE_BYTES) throw unreadable(path, `it is ${Math.round(stat.size / 1024 / 1024)} MB, more than any managed file`);
      return readFileSync(fd);
    } catch (error) {
      if (error instanceof ShipyardError) throw error;
      throw unreadable(path, (error as Error).message);
    } finally {
      closeSync(fd);
    }
  }

  exists(path: string, origin?: string): boolean {
    if (this.changes.has(path)) return this.changes.get(path) !== null;
    if (this.pendingUnder(path)) return true;
    try {
      lstatSync(this.diskPath(path, origin));
      return true;
    } catch (error) {
      if (error instanceof ShipyardError) throw error;
      return false;
    }
  }

  /** Names of the entries of a folder, as the view sees it. */
  list(dir: string, origin?: string): string[] {
    const names = new Set<string>();
    try {
      for (const name of readdirSync(dir === "" ? this.root : this.diskPath(dir, origin))) names.add(name);
    } catch (error) {
      if (error instanceof ShipyardError) throw error;
    }
    const prefix = dir === "" ? "" : `${dir}/`;
    for (const [path, content] of this.changes) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length);
      const name = rest.split("/")[0] as string;
      if (content === null && !rest.includes("/")) names.delete(name);
      else if (content !== null) names.add(name);
    }
    return [...names].sort();
  }

  write(path: string, content: Content, origin?: string): void {
    this.diskPath(path, origin);
    this.changes.set(path, content);
  }

  delete(path: string, origin?: string): void {
    this.diskPath(path, origin);
    if (this.readDisk(path, origin) === null) this.changes.delete(path);
    else this.changes.set(path, null);
  }

  rename(from: string, to: string, origin?: string): void {
    const content = this.readBytes(from, origin);
    if (content === null) throw new ShipyardError("UNREADABLE", `Cannot rename ${from}: it does not exist.`);
    this.write(to, content, origin);
    this.delete(from, origin);
  }

  /** The pending changes that differ from the disk, in path order. */
  listChanges(): Change[] {
    const result: Change[] = [];
    for (const path of [...this.changes.keys()].sort()) {
      const content = this.changes.get(path) as Content | null;
      const disk = this.readDisk(path);
      if (content === null ? disk === null : disk !== null && sameContent(disk, content)) continue;
      result.push({ path, content });
    }
    return result;
  }

  /** Forgets the pending changes (after a commit, or to start over). */
  clear(): void {
    this.changes.clear();
    this.dirs.clear();
  }

  private pendingUnder(dir: string): boolean {
    const prefix = `${dir}/`;
    for (const [path, content] of this.changes) if (content !== null && path.startsWith(prefix)) return true;
    return false;
  }

  /** Whether the folder `dir` (relative) and every folder above it is inside the root, or missing. */
  private dirVerdict(dir: string): DirVerdict {
    if (dir === "") return { kind: "ok" };
    const cached = this.dirs.get(dir);
    if (cached) return cached;
    const parent = dir.includes("/") ? dir.slice(0, dir.lastIndexOf("/")) : "";
    const above = this.dirVerdict(parent);
    let verdict: DirVerdict;
    if (above.kind !== "ok") verdict = above.kind === "file" ? { kind: "missing" } : above;
    else {
      const own = this.linkVerdict(dir);
      verdict = own;
    }
    this.dirs.set(dir, verdict);
    return verdict;
  }

  /** One existing component (its parent already known to be inside): missing, a file, inside, or a link outside. */
  private linkVerdict(path: string): DirVerdict {
    const full = join(this.root, path);
    let stat: ReturnType<typeof lstatSync>;
    try {
      // Most paths a command confines do not exist yet: no exception for them (an Error costs 8x the lstat).
      stat = lstatSync(full, { throwIfNoEntry: false });
    } catch {
      return { kind: "missing" };
    }
    if (stat === undefined) return { kind: "missing" };
    if (!stat.isSymbolicLink()) return stat.isDirectory() ? { kind: "ok" } : { kind: "file" };
    let to: string;
    try {
      to = realpathSync(full);
    } catch {
      // A dangling link or a loop: reading through it fails on its own (ENOENT/ELOOP); writing would follow it.
      return { kind: "outside", link: path, to: "a target that does not resolve" };
    }
    if (to === this.realRoot || to.startsWith(this.realRoot + sep)) return { kind: "ok" };
    return { kind: "outside", link: path, to };
  }
}

function realRootOf(root: string): string {
  // The root may not exist yet (create): resolve the nearest existing ancestor.
  let existing = root;
  const rest: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(existing), ...rest.reverse());
    } catch {
      const parent = dirname(existing);
      if (parent === existing) return root;
      rest.push(existing.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
      existing = parent;
    }
  }
}

function sameContent(disk: Buffer, content: Content): boolean {
  return typeof content === "string" ? disk.length === Buffer.byteLength(content) && disk.toString("utf8") === content : disk.equals(content);
}

function outside(path: string, origin: string, verdict: { link: string; to: string }): ShipyardError {
  return new ShipyardError(
    "OUTSIDE_REPO",
    `Refused path ${path} from ${origin}: ${verdict.link} is a symbolic link leading outside the repository (${verdict.to}).`,
    `Remove or replace the link ${verdict.link}: Shipyard never reads or writes outside the repository.`,
  );
}

function unreadable(path: string, why: string): ShipyardError {
  return new ShipyardError("UNREADABLE", `Cannot read ${path}: ${why}.`);
}
