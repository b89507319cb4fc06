import { lstatSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { FileWrite } from "../engine/transaction.js";
import { ShipyardError } from "../errors.js";

/**
 * What the planner reads: the working tree, or the working tree as it will be once some writes are applied
 * (an upgrade plans the update on top of the new templates and the migrations' changes, before writing any).
 * `read` returns null only for an absent file; anything else that cannot be read as a file (a directory, a
 * symlink loop, no permission, a file too large to merge) throws UNREADABLE naming it: a failed read must never
 * look like a file the user deleted.
 */
export interface Tree {
  read(path: string): string | null;
}

/** Larger than any file a template writes by far; merging it would exhaust memory, not help. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

function unreadable(path: string, why: string): ShipyardError {
  return new ShipyardError("UNREADABLE", `${path}: ${why}.`, "Put the file back as a regular file (or delete it), then run the command again.");
}

export function diskTree(root: string): Tree {
  return {
    read(path) {
      const full = join(root, path);
      let stats: ReturnType<typeof statSync>;
      try {
        stats = statSync(full);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ELOOP") throw unreadable(path, "a symbolic link loop, not a file");
        if (code !== "ENOENT" && code !== "ENOTDIR") throw unreadable(path, `cannot be read (${code})`);
        // Absent, unless a dangling symbolic link stands where the file should be.
        let dangling = false;
        try {
          dangling = lstatSync(full).isSymbolicLink();
        } catch {}
        if (dangling) throw unreadable(path, "a symbolic link to nothing, not a file");
        return null;
      }
      if (stats.isDirectory()) throw unreadable(path, "a directory, not a file");
      if (!stats.isFile()) throw unreadable(path, "not a regular file");
      if (stats.size > MAX_FILE_BYTES) throw unreadable(path, `${Math.round(stats.size / 1024 / 1024)} MB, larger than the ${MAX_FILE_BYTES / 1024 / 1024} MB Shipyard reads`);
      try {
        return readFileSync(full, "utf8");
      } catch (error) {
        throw unreadable(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
      }
    },
  };
}

export function overlayTree(under: Tree, writes: FileWrite[]): Tree {
  const pending = new Map(writes.map((write) => [write.path, write.content]));
  return { read: (path) => (pending.has(path) ? (pending.get(path) as string | null) : under.read(path)) };
}
