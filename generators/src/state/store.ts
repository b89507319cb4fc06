import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Answers } from "../engine/answers.js";
import type { FileWrite } from "../engine/transaction.js";
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

const configPath = (root: string) => join(root, STATE_DIR, "config.json");
const unitPath = (id: string) => `${STATE_DIR}/units/${id}.json`;
export const basePath = (path: string) => `${STATE_DIR}/base/${path}.base`;

export function isShipyardRepo(root: string): boolean {
  return existsSync(configPath(root));
}

export function readConfig(root: string): RepoConfig {
  return JSON.parse(readFileSync(configPath(root), "utf8")) as RepoConfig;
}

export function configWrite(config: RepoConfig): FileWrite {
  return { path: `${STATE_DIR}/config.json`, content: `${JSON.stringify(config, null, 2)}\n` };
}

export function readUnits(root: string): Unit[] {
  const dir = join(root, STATE_DIR, "units");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => ({ id: file.slice(0, -".json".length), ...(JSON.parse(readFileSync(join(dir, file), "utf8")) as UnitRecord) }));
}

export function unitExists(root: string, id: string): boolean {
  return existsSync(join(root, unitPath(id)));
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
