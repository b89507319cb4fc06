import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { ShipyardError } from "../errors.js";

/**
 * A template is a plain folder: `template.json` (the manifest) and `files/`, which mirrors the output relative to
 * the repository root. A path segment `__answer__` is replaced by that answer (`packages/__name__/src/app.ts`).
 * Every file is a handlebars template. The manifest declares the answers and, for every file, its kind:
 *   owned  - re-rendered on update; a user edit is reported as drift and kept
 *   merged - three-way merged on update (base, the user's file, the new render)
 *   seed   - written once, never touched again (sources, tests, READMEs)
 */
export type FileKind = "owned" | "merged" | "seed";

interface AnswerCommon {
  name: string;
  message: string;
  required?: boolean;
  /** The answer is the command's positional argument (`shipyard add service <name>`). */
  positional?: boolean;
  default?: string | number | string[];
  /** For lists of package names: each must be an existing unit made from this template (e.g. "library"). */
  of?: string;
}
export type AnswerSpec = AnswerCommon &
  (
    | { type: "name" | "text" | "port" | "list" }
    | { type: "choice"; choices: Array<string | number> }
  );

export interface FileSpec {
  kind: FileKind;
  /** Output path when it differs from the source path (e.g. one of two alternatives). */
  to?: string;
  /** Rendered only when every listed answer has the listed value. */
  when?: Record<string, string | number>;
}

export interface Template {
  kind: string;
  dir: string;
  /** templates/versions.json: tool versions shared by every template, seen as {{versions.<name>}}. */
  versions: Record<string, string>;
  description: string;
  /** Where a generated unit lives, e.g. `packages/{{name}}`: the unit must not exist before `add`. */
  directory: string;
  answers: AnswerSpec[];
  files: Array<{ source: string; spec: FileSpec }>;
}

export interface Manifest {
  description: string;
  directory: string;
  answers: AnswerSpec[];
  files: Record<string, FileKind | FileSpec>;
}

function listFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else found.push(relative(dir, full).split(sep).join("/"));
    }
  };
  walk(dir);
  return found.sort();
}

/** Lists the template kinds found in a templates folder (each subfolder with a template.json). */
export function listTemplateKinds(templatesDir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(templatesDir);
  } catch {
    return [];
  }
  return entries.filter((entry) => {
    try {
      return statSync(join(templatesDir, entry, "template.json")).isFile();
    } catch {
      return false;
    }
  }).sort();
}

/**
 * Templates `shipyard add` offers: those that make a new unit in a folder of its own. The monorepo template
 * (directory ".") is the repository itself, made once by `npm create shipyard`.
 */
export function listAddableKinds(templatesDir: string): Array<{ kind: string; manifest: Manifest }> {
  return listTemplateKinds(templatesDir)
    .map((kind) => ({ kind, manifest: readManifest(templatesDir, kind) }))
    .filter(({ manifest }) => manifest.directory !== ".");
}

function readVersions(templatesDir: string): Record<string, string> {
  const path = join(templatesDir, "versions.json");
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, string>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new ShipyardError("TEMPLATE_ERROR", `${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Reads only the manifest: enough to build the CLI's flags without walking the files. */
export function readManifest(templatesDir: string, kind: string): Manifest {
  const path = join(templatesDir, kind, "template.json");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    const known = listTemplateKinds(templatesDir);
    throw new ShipyardError(
      "UNKNOWN_TEMPLATE",
      `Unknown template "${kind}".`,
      known.length ? `Templates here: ${known.join(", ")}.` : `No templates found in ${templatesDir}.`,
    );
  }
  try {
    return JSON.parse(text) as Manifest;
  } catch (error) {
    throw new ShipyardError("TEMPLATE_ERROR", `${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Loads a template and checks that manifest and folder agree: a file without a declared kind, or a declared file
 * that does not exist, is a template error (so a teacher adding a file is told to declare it).
 */
export function loadTemplate(templatesDir: string, kind: string): Template {
  const manifest = readManifest(templatesDir, kind);
  const dir = join(templatesDir, kind);
  const onDisk = listFiles(join(dir, "files"));
  const declared = Object.keys(manifest.files);
  const undeclared = onDisk.filter((file) => !(file in manifest.files));
  const missing = declared.filter((file) => !onDisk.includes(file));
  if (undeclared.length || missing.length) {
    const parts = [
      undeclared.length ? `files without a kind in template.json: ${undeclared.join(", ")}` : "",
      missing.length ? `declared but missing: ${missing.join(", ")}` : "",
    ].filter(Boolean);
    throw new ShipyardError("TEMPLATE_ERROR", `Template "${kind}" is inconsistent: ${parts.join("; ")}.`);
  }
  return {
    kind,
    dir,
    versions: readVersions(templatesDir),
    description: manifest.description,
    directory: manifest.directory,
    answers: manifest.answers,
    files: declared.map((source) => {
      const value = manifest.files[source] as FileKind | FileSpec;
      return { source, spec: typeof value === "string" ? { kind: value } : value };
    }),
  };
}
