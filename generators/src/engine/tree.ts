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
 * OUTSIDE_REPO, naming where the path came from (a package record, a template manifest, a flag), before anything is
 * read or written: a hostile record or template cannot reach out of the repository.
 */
export type Content = string | Uint8Array;

export interface Change {
  path: string;
  /** New content, or null to delete the file. For a copy, read from `source` when first asked for. */
  readonly content: Content | null;
  /** A copy's source file (absolute): the commit reads it only then, and copies it with its mode. */
  source?: string;
}

/** A pending copy of a file from outside the tree (the running package's own files): read only if compared. */
class Copy {
  private bytes: Buffer | undefined;
  readonly source: string;
  constructor(source: string) {
    this.source = source;
  }
  get content(): Buffer {
    this.bytes ??= readFileSync(this.source);
    return this.bytes;
  }
}

/** A change as listChanges gives it. */
function changeOf(path: string, pending: Content | null | Copy): Change {
  if (!(pending instanceof Copy)) return { path, content: pending };
  return {
    path,
    source: pending.source,
    get content() {
      return pending.content;
    },
  };
}

/** A deletion (not a copy, whose content is only read when asked for). */
export const isDeletion = (change: Change) => change.source === undefined && change.content === null;

/** What the update planner needs: `read` is null only when the file does not exist. */
export interface ReadableTree {
  read(path: string): string | null;
}

/** Larger than any file a template makes or a user keeps in a managed file: reading it is a mistake or an attack. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

/** Where a path came from when nobody said: the program itself. */
const INTERNAL = "Shipyard";

/**
 * Any of the lexical faults below, in one pass: a backslash, a NUL, a leading slash or drive letter, or an empty,
 * `.` or `..` segment (which also covers the empty path). Paths that pass it (nearly all) cost one regular
 * expression; the rest are looked at again to say which rule they broke.
 */
const LEXICAL_FAULT = /[\\\0]|^[a-zA-Z]:|(?:^|\/)\.{0,2}(?:\/|$)/;

/** The lexical rules, without looking at the disk: usable on any path before it is joined to a root. */
export function checkRelativePath(path: string, origin: string): string {
  if (typeof path === "string" && !LEXICAL_FAULT.test(path)) return path;
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
  throw refuse("it is not a normalized path");
}

type DirVerdict = { kind: "ok" } | { kind: "missing" } | { kind: "file" } | { kind: "outside"; link: string; to: string };

const OK: DirVerdict = { kind: "ok" };
const MISSING: DirVerdict = { kind: "missing" };
const FILE: DirVerdict = { kind: "file" };

/** What a folder's listing says of one of its entries. */
type Entry = 0 | 1 | 2;
const Entry = { Dir: 0, File: 1, Link: 2 } as const;

/** Folders never listed whole: node_modules holds thousands of entries, and Shipyard only looks up its cache there. */
const UNLISTED = /(?:^|\/)node_modules$/;

export class Tree {
  /** The root as given (absolute). */
  readonly root: string;
  /** The root with symbolic links resolved: what "inside" is measured against. */
  private readonly realRoot: string;
  private readonly changes = new Map<string, Content | null | Copy>();
  /** Verdicts on directories (relative paths), valid while this command holds the repository lock. */
  private readonly dirs = new Map<string, DirVerdict>();
  /**
   * Entries of the folders confined paths are in, each folder read once (one readdir instead of an lstat per
   * path: the entry's type says whether it is a link, the only case that needs a closer look). null: not listable.
   */
  private readonly listings = new Map<string, Map<string, Entry> | null>();

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
    // The path is normalized (checked above) and so is the root: a concatenation is the join.
    const full = `${this.root}/${path}`;
    const slash = path.lastIndexOf("/");
    const parent = slash < 0 ? "" : path.slice(0, slash);
    const verdict = this.dirVerdict(parent);
    if (verdict.kind === "outside") throw outside(path, origin, verdict);
    if (verdict !== OK) return { full, missing: true };
    // The last component itself may be a link too.
    const own = this.entryVerdict(parent, slash < 0 ? path : path.slice(slash + 1), path);
    if (own.kind === "outside") throw outside(path, origin, own);
    return { full, missing: own === MISSING };
  }

  /** The file as the view sees it; null only when it does not exist. Unreadable things throw UNREADABLE. */
  read(path: string, origin?: string): string | null {
    const bytes = this.readBytes(path, origin);
    if (bytes === null) return null;
    return typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("utf8");
  }

  readBytes(path: string, origin?: string): Content | null {
    if (this.changes.has(path)) {
      const pending = this.changes.get(path) as Content | null | Copy;
      return pending instanceof Copy ? pending.content : pending;
    }
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
    return !this.confine(path, origin ?? INTERNAL).missing;
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

  /**
   * Writes at `path` a copy of the file `source` (an absolute path outside the tree: the running package's own
   * files), byte for byte. Nothing is read until something compares or reads it; the commit copies the file into
   * the staging folder (a reflink where the file system has them) and swaps it in like any write.
   */
  copy(path: string, source: string, origin?: string): void {
    this.diskPath(path, origin);
    this.changes.set(path, new Copy(source));
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
      const pending = this.changes.get(path) as Content | null | Copy;
      const disk = this.readDisk(path);
      if (pending === null ? disk === null : disk !== null && sameContent(disk, pending instanceof Copy ? pending.content : pending)) continue;
      result.push(changeOf(path, pending));
    }
    return result;
  }

  /** Forgets the pending changes (after a commit, or to start over). */
  clear(): void {
    this.changes.clear();
    this.dirs.clear();
    this.listings.clear();
  }

  private pendingUnder(dir: string): boolean {
    const prefix = `${dir}/`;
    for (const [path, content] of this.changes) if (content !== null && path.startsWith(prefix)) return true;
    return false;
  }

  /** Whether the folder `dir` (relative) and every folder above it is inside the root, or missing. */
  private dirVerdict(dir: string): DirVerdict {
    if (dir === "") return OK;
    const cached = this.dirs.get(dir);
    if (cached) return cached;
    const slash = dir.lastIndexOf("/");
    const parent = slash < 0 ? "" : dir.slice(0, slash);
    const above = this.dirVerdict(parent);
    let verdict: DirVerdict;
    if (above === OK) verdict = this.entryVerdict(parent, slash < 0 ? dir : dir.slice(slash + 1), dir);
    else verdict = above === FILE ? MISSING : above;
    this.dirs.set(dir, verdict);
    return verdict;
  }

  /** The entries of a folder known to be inside, or null when it cannot be listed (or is never listed whole). */
  private listing(dir: string): Map<string, Entry> | null {
    let entries = this.listings.get(dir);
    if (entries !== undefined) return entries;
    entries = null;
    if (!UNLISTED.test(dir)) {
      try {
        const dirents = readdirSync(dir === "" ? this.root : `${this.root}/${dir}`, { withFileTypes: true });
        entries = new Map();
        for (const dirent of dirents) {
          entries.set(dirent.name, dirent.isSymbolicLink() ? Entry.Link : dirent.isDirectory() ? Entry.Dir : Entry.File);
        }
      } catch (error) {
        // Missing (the root of a repository being created): nothing in it. Else (EACCES, …): one lstat per entry.
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") entries = new Map();
      }
    }
    this.listings.set(dir, entries);
    return entries;
  }

  /** One existing component `path` (named `name` in the folder `parent`, known to be inside): missing, a file, inside, or a link outside. */
  private entryVerdict(parent: string, name: string, path: string): DirVerdict {
    const entries = this.listing(parent);
    let entry: Entry | undefined;
    if (entries !== null) entry = entries.get(name);
    else {
      // Most paths a command confines do not exist yet: no exception for them (an Error costs 8x the lstat).
      const stat = lstatSync(`${this.root}/${path}`, { throwIfNoEntry: false });
      if (stat !== undefined) entry = stat.isSymbolicLink() ? Entry.Link : stat.isDirectory() ? Entry.Dir : Entry.File;
    }
    if (entry === undefined) return MISSING;
    if (entry === Entry.Dir) return OK;
    if (entry === Entry.File) return FILE;
    let to: string;
    try {
      to = realpathSync(`${this.root}/${path}`);
    } catch {
      // A dangling link or a loop: reading through it fails on its own (ENOENT/ELOOP); writing would follow it.
      return { kind: "outside", link: path, to: "a target that does not resolve" };
    }
    if (to === this.realRoot || to.startsWith(this.realRoot + sep)) {
      // A link to a folder inside is a folder; to a file inside, a file.
      const stat = lstatSync(to, { throwIfNoEntry: false });
      return stat?.isDirectory() ? OK : FILE;
    }
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
