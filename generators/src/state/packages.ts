import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Answers } from "../engine/answers.js";
import { renderString } from "../engine/render.js";
import { readManifest, type Template } from "../engine/template.js";
import { ShipyardError } from "../errors.js";
import { referencesOf, type TemplateOf } from "./references.js";
import { isRootUnit, templateOfUnit, type Unit } from "./store.js";

/**
 * What set, remove and rename share about the packages of a repository: finding one, who uses it, the files in
 * its folder, and the deploy variables its files name. Reads only; the commands turn this into writes.
 */

/** The record of a generated package (never the repository's root record, `_monorepo`), or a one-line error. */
export function findPackage(units: Unit[], id: string): Unit {
  const unit = units.find((candidate) => candidate.id === id && !isRootUnit(candidate.id));
  if (!unit) {
    const names = units.filter((candidate) => !isRootUnit(candidate.id)).map((candidate) => candidate.id);
    throw new ShipyardError("UNKNOWN_PACKAGE", `No package "${id}" was generated here.`, `Packages: ${names.join(", ") || "none"}.`);
  }
  return unit;
}

/** The packages whose recorded answers reference `id` (any answer the manifest marks with `of`). */
export function dependentsOf(units: Unit[], id: string, templateOf: TemplateOf): Unit[] {
  return units.filter((unit) => unit.id !== id && referencesOf(templateOf(unit), unit.answers).includes(id));
}

/** What the commands need of a unit's template: its manifest, without walking its files. */
export interface TemplateInfo {
  kind: string;
  answers: Template["answers"];
  directory: string;
  deploy: Template["deploy"];
}

/** A reader of each unit's template manifest that reads each one once. */
export function templateLoader(templatesDir: string): (unit: Unit) => TemplateInfo {
  const templates = new Map<string, TemplateInfo>();
  return (unit) => {
    let template = templates.get(unit.template);
    if (!template) {
      const manifest = templateOfUnit(unit, readManifest, templatesDir);
      template = { kind: unit.template, answers: manifest.answers, directory: manifest.directory, deploy: manifest.deploy };
      templates.set(unit.template, template);
    }
    return template;
  };
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
    const output = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", dir], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    listed = new Set(output.split("\0").filter(Boolean));
  } catch {
    return { kept: all.sort(), ignored: [] };
  }
  return { kept: all.filter((path) => listed.has(path)).sort(), ignored: all.filter((path) => !listed.has(path)).sort() };
}

/**
 * The repository variables a deploy of the unit reads (`CLEVER_APP_ID_ORDERS`), as its template's manifest names
 * them (deploy.appVariable over its answers): none for a template that does not deploy.
 */
export function deployVariables(template: Pick<Template, "deploy">, answers: Answers): string[] {
  return template.deploy ? [renderString(template.deploy.appVariable, answers)] : [];
}
