import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Answers } from "../engine/answers.js";
import type { FileWrite } from "../engine/transaction.js";
import { ShipyardError } from "../errors.js";
import type { Unit } from "./store.js";
import type { ReadableTree as Tree } from "../engine/tree.js";

/**
 * What set, remove and rename share about the packages of a repository: finding one, who uses it, the files in
 * its folder, and the deploy variables its files name. Reads only; the commands turn this into writes.
 */

/** The unit of a generated package (never the repository's root unit, `_monorepo`), or a one-line error. */
export function findPackage(units: Unit[], id: string): Unit {
  const unit = units.find((candidate) => candidate.id === id && !candidate.id.startsWith("_"));
  if (!unit) {
    const names = units.filter((candidate) => !candidate.id.startsWith("_")).map((candidate) => candidate.id);
    throw new ShipyardError("UNKNOWN_PACKAGE", `No package "${id}" was generated here.`, `Packages: ${names.join(", ") || "none"}.`);
  }
  return unit;
}

export const usesOf = (answers: Answers): string[] => (Array.isArray(answers.uses) ? answers.uses : []);

/** The packages whose recorded `uses` answer names `id`. */
export function dependentsOf(units: Unit[], id: string): Unit[] {
  return units.filter((unit) => unit.id !== id && usesOf(unit.answers).includes(id));
}

/**
 * Every file under `dir` (relative to the root), split into the ones git would commit (tracked, or new and not
 * ignored) and ignored build output (dist/, node_modules/, .turbo/). Outside git, everything is "kept".
 */
export function folderFiles(root: string, dir: string): { kept: string[]; ignored: string[] } {
  const all: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(join(root, relative), { withFileTypes: true })) {
      const path = `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else all.push(path);
    }
  };
  if (existsSync(join(root, dir))) walk(dir);
  let listed: Set<string>;
  try {
    const output = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", dir], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    listed = new Set(output.split("\0").filter(Boolean));
  } catch {
    return { kept: all.sort(), ignored: [] };
  }
  return { kept: all.filter((path) => listed.has(path)).sort(), ignored: all.filter((path) => !listed.has(path)).sort() };
}

/** The repository variables (`CLEVER_APP_ID_ORDERS`) named in these files: what a deploy of the package reads. */
export function deployVariables(tree: Tree, paths: string[]): string[] {
  const found = new Set<string>();
  for (const path of paths) for (const match of (tree.read(path) ?? "").matchAll(/\bvars\.(CLEVER_APP_ID_[A-Z0-9_]+)/g)) found.add(match[1] as string);
  return [...found].sort();
}
