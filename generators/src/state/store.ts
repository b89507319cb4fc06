import { existsSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { isValidScope, packageNameProblem } from "../engine/answers.js";
import type { PlannedFile } from "../engine/render.js";
import { jsonObject, parseJson, parseWith, wellFormedString } from "../engine/schema.js";
import { ANSWER_NAME, TEMPLATE_NAME } from "../engine/template.js";
import type { FileWrite } from "../engine/transaction.js";
import { checkRelativePath, type Tree } from "../engine/tree.js";
import { ShipyardError } from "../errors.js";

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

/** The repository's own record: the root files, made from the template whose directory is ".". */
export const ROOT_UNIT = "_monorepo";
/** Packages are every unit but the root one. */
export const isRootUnit = (id: string): boolean => id === ROOT_UNIT;

const STATE_HINT = "Restore it from git (git checkout -- .shipyard), or fix it by hand.";

/** A version as Shipyard writes it (its package.json's): 0.1.0, 1.2.3-beta.1. */
const VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** Unknown keys are kept: a newer Shipyard may add some, and an older one rewriting the file must not drop them. */
const repoConfigSchema = v.looseObject({
  shipyard: v.pipe(v.string(), v.regex(VERSION, "must be a version such as 0.1.0")),
  scope: v.pipe(v.string(), v.check(isValidScope, "must be an npm scope without the @: lowercase letters, digits, dashes, dots or underscores")),
  migrations: v.array(v.pipe(wellFormedString("a migration id"), v.regex(/^[\w.-]+$/, "must be a migration id"))),
});
export type RepoConfig = v.InferOutput<typeof repoConfigSchema>;

const fileKindSchema = v.picklist(["owned", "merged", "seed"]);
const answerValueSchema = v.union([wellFormedString("an answer"), v.pipe(v.number(), v.finite()), v.array(wellFormedString("an answer"))]);

/** What `.shipyard/units/<id>.json` holds. The answers are checked again against the template when it renders. */
const unitRecordSchema = v.object({
  template: v.pipe(v.string(), v.regex(TEMPLATE_NAME, "must be a template's folder name (lowercase letters, digits and dashes)")),
  answers: jsonObject(v.pipe(v.string(), v.regex(ANSWER_NAME, "is not an answer name")), answerValueSchema),
  files: jsonObject(v.pipe(wellFormedString("a path"), v.nonEmpty("is an empty path")), fileKindSchema),
});
export type UnitRecord = v.InferOutput<typeof unitRecordSchema>;

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
  return parseJson(text, path, "BROKEN_STATE", STATE_HINT);
}

export function readConfig(tree: Tree): RepoConfig {
  return parseWith(repoConfigSchema, readStateJson(tree, CONFIG), CONFIG, "BROKEN_STATE", STATE_HINT);
}

export function configWrite(config: RepoConfig): FileWrite {
  return { path: `${STATE_DIR}/config.json`, content: `${JSON.stringify(config, null, 2)}\n` };
}

/**
 * Every unit record, checked: its shape (schema), its paths and template confined to the repository, and its id
 * (the file name) a name `add` would accept, or the root unit's. A package's recorded name is its file's name.
 */
export function readUnits(tree: Tree): Unit[] {
  const files = tree.list(UNITS).filter((file) => file.endsWith(".json"));
  const scope = files.length > 0 ? readConfig(tree).scope : "";
  return files.map((file) => {
    const path = `${UNITS}/${file}`;
    const id = file.slice(0, -".json".length);
    const raw = readStateJson(tree, path);
    confineRecord(tree, raw, path);
    const record = parseWith(unitRecordSchema, raw, path, "BROKEN_STATE", STATE_HINT);
    if (id !== ROOT_UNIT) {
      const problem = packageNameProblem(id, scope);
      if (problem) throw new ShipyardError("BROKEN_STATE", `${path} is broken: its name "${id}" is not a package name (${problem}).`, STATE_HINT);
      if (record.answers.name !== undefined && record.answers.name !== id) {
        throw new ShipyardError(
          "BROKEN_STATE",
          `${path} is broken: answers.name is ${JSON.stringify(record.answers.name)}, but the file names the package "${id}".`,
          STATE_HINT,
        );
      }
    }
    return { id, ...record };
  });
}

/** A record names paths and a template folder: none may lead out of the repository (checked before its shape). */
function confineRecord(tree: Tree, raw: unknown, origin: string): void {
  if (!raw || typeof raw !== "object") return;
  const { files, template } = raw as { files?: unknown; template?: unknown };
  if (files && typeof files === "object") for (const path of Object.keys(files)) tree.diskPath(path, origin);
  if (typeof template === "string" && (template.includes("/") || template.startsWith("."))) {
    checkRelativePath(template, origin);
    throw new ShipyardError(
      "OUTSIDE_REPO",
      `Refused template ${JSON.stringify(template)} from ${origin}: a template is a folder name in templates/.`,
    );
  }
}

/**
 * The template a unit was made from (`load` is loadTemplate or readManifest). A record naming a template that
 * templates/ does not have is broken state naming the record (a template deleted or renamed, a killed create).
 */
export function templateOfUnit<T>(unit: Pick<Unit, "id" | "template">, load: (templatesDir: string, kind: string) => T, templatesDir: string): T {
  try {
    return load(templatesDir, unit.template);
  } catch (error) {
    if (!(error instanceof ShipyardError) || error.code !== "UNKNOWN_TEMPLATE") throw error;
    throw new ShipyardError(
      "BROKEN_STATE",
      `${unitPath(unit.id)} names the template "${unit.template}", which templates/ does not have.`,
      error.hint,
    );
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
