import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Answers } from "../engine/answers.js";
import type { FileWrite } from "../engine/transaction.js";
import { checkRelativePath, type Tree } from "../engine/tree.js";
import { ShipyardError } from "../errors.js";
import type { FileKind } from "../engine/template.js";
import type { PlannedFile } from "../engine/render.js";

/**
 * Shipyard's state, committed with the code under `.shipyard/`:
 *   config.json            the Shipyard version that last wrote, the npm scope, the migrations already run
 *   units/<id>.json        one per generated unit (`monorepo` for the root files, the package name for a package):
 *                          its template, its answers and the kind of every file it manages. One file per unit, so
 *                          two branches that each add a service never conflict here.
 *   base/<path>.base       for every owned or merged file, the content Shipyard last wrote: the merge base of the
 *                          next update. Kept as plain files so a pull request shows readable diffs; the .base
 *                          suffix keeps tools that find files by name (biome, Dependabot, Docker tooling) away
 *                          from these copies of package.json, biome.json, Dockerfiles.
 */
export const STATE_DIR = ".shipyard";

export interface RepoConfig {
  shipyard: string;
  scope: string;
  migrations: string[];
}

export interface UnitRecord {
  template: string;
  answers: Answers;
  files: Record<string, FileKind>;
}

export interface Unit extends UnitRecord {
  id: string;
}

const CONFIG = `${STATE_DIR}/config.json`;
const UNITS = `${STATE_DIR}/units`;
const unitPath = (id: string) => `${STATE_DIR}/units/${id}.json`;
export const basePath = (path: string) => `${STATE_DIR}/base/${path}.base`;

export function isShipyardRepo(root: string): boolean {
  return existsSync(join(root, CONFIG));
}

/** The one place a state file's JSON is parsed: a broken file is one line naming it, never a stack trace. */
function readStateJson(tree: Tree, path: string): unknown {
  const text = tree.read(path, path);
  if (text === null) throw new ShipyardError("BROKEN_STATE", `${path} is missing.`, "Restore it from git (git checkout -- .shipyard).");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ShipyardError("BROKEN_STATE", `${path} is not valid JSON: ${(error as Error).message}.`, "Restore it from git (git checkout -- .shipyard), or fix it by hand.");
  }
}

export function readConfig(tree: Tree): RepoConfig {
  return readStateJson(tree, CONFIG) as RepoConfig;
}

export function configWrite(config: RepoConfig): FileWrite {
  return { path: `${STATE_DIR}/config.json`, content: `${JSON.stringify(config, null, 2)}\n` };
}

export function readUnits(tree: Tree): Unit[] {
  return tree
    .list(UNITS)
    .filter((file) => file.endsWith(".json"))
    .map((file) => {
      const path = `${UNITS}/${file}`;
      const unit = { id: file.slice(0, -".json".length), ...(readStateJson(tree, path) as UnitRecord) };
      confineRecord(tree, unit, path);
      return unit;
    });
}

/** A record names paths and a template folder: none may lead out of the repository. */
function confineRecord(tree: Tree, unit: Unit, origin: string): void {
  if (unit.files && typeof unit.files === "object") for (const path of Object.keys(unit.files)) tree.diskPath(path, origin);
  if (typeof unit.template === "string" && (unit.template.includes("/") || unit.template.startsWith("."))) {
    checkRelativePath(unit.template, origin);
    throw new ShipyardError("OUTSIDE_REPO", `Refused template ${JSON.stringify(unit.template)} from ${origin}: a template is a folder name in templates/.`);
  }
}

export function unitExists(tree: Tree, id: string): boolean {
  return tree.exists(unitPath(id));
}

export function unitRecordWrite(id: string, record: UnitRecord): FileWrite {
  return { path: unitPath(id), content: `${JSON.stringify(record, null, 2)}\n` };
}

/** The state writes of a newly generated unit: its record and a merge base for every owned or merged file. */
export function unitWrites(id: string, record: UnitRecord, files: PlannedFile[]): FileWrite[] {
  return [
    unitRecordWrite(id, record),
    ...files.filter((file) => file.kind !== "seed").map((file) => ({ path: basePath(file.path), content: file.content })),
  ];
}
