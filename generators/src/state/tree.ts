import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { FileWrite } from "../engine/transaction.js";

/**
 * What the planner reads: the working tree, or the working tree as it will be once some writes are applied
 * (an upgrade plans the update on top of the new templates and the migrations' changes, before writing any).
 */
export interface Tree {
  read(path: string): string | null;
}

export function diskTree(root: string): Tree {
  return {
    read(path) {
      try {
        return readFileSync(join(root, path), "utf8");
      } catch {
        return null;
      }
    },
  };
}

export function overlayTree(under: Tree, writes: FileWrite[]): Tree {
  const pending = new Map(writes.map((write) => [write.path, write.content]));
  return { read: (path) => (pending.has(path) ? (pending.get(path) as string | null) : under.read(path)) };
}
