import { readdirSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { ShipyardError } from "../errors.js";
import { jsonObject, parseJson, parseWith } from "./schema.js";
import { checkRelativePath, Tree } from "./tree.js";

/**
 * A template is a plain folder: `template.json` (the manifest) and `files/`, which mirrors the output relative to
 * the repository root. A path segment `__answer__` is replaced by that answer (`packages/__name__/src/app.ts`).
 * Every file is a handlebars template. The manifest declares the answers and, for every file, its kind:
 *   owned  - re-rendered on update; a user edit is reported as drift and kept
 *   merged - three-way merged on update (base, the user's file, the new render)
 *   seed   - written once, never touched again (sources, tests, READMEs)
 */
/** A template's folder name, and so what a record's `template` and an answer's `of` may say. */
export const TEMPLATE_NAME = /^[a-z][a-z0-9-]*$/;
/**
 * An answer's name: it becomes the flag `--<name>` (commander turns a dashed flag into camelCase, so a dashed
 * answer would silently lose its flag), the path segment `__<name>__` and the handlebars variable `{{<name>}}`.
 */
export const ANSWER_NAME = /^[a-z][a-zA-Z0-9]*$/;

const fileKindSchema = v.picklist(["owned", "merged", "seed"]);
export type FileKind = v.InferOutput<typeof fileKindSchema>;

const templateName = v.pipe(v.string(), v.regex(TEMPLATE_NAME, "must be a template's folder name (lowercase letters, digits and dashes)"));
const answerCommon = {
  name: v.pipe(
    v.string(),
    v.regex(ANSWER_NAME, "must be a letter then letters and digits (it becomes a flag, a __path__ segment and a {{variable}})"),
  ),
  message: v.pipe(v.string(), v.nonEmpty("is empty")),
  required: v.optional(v.boolean()),
  /** The answer is the command's positional argument (`shipyard add service <name>`). */
  positional: v.optional(v.boolean()),
  default: v.optional(v.union([v.string(), v.number(), v.array(v.string())])),
  /** For lists of package names: each must be an existing package made from this template (e.g. "library"). */
  of: v.optional(templateName),
};
const answerSpecSchema = v.variant("type", [
  v.strictObject({ ...answerCommon, type: v.picklist(["name", "text", "port", "list"]) }),
  v.strictObject({
    ...answerCommon,
    type: v.literal("choice"),
    choices: v.pipe(v.array(v.union([v.string(), v.number()])), v.minLength(1, "must list at least one choice")),
  }),
]);
export type AnswerSpec = v.InferOutput<typeof answerSpecSchema>;

const fileSpecSchema = v.strictObject({
  kind: fileKindSchema,
  /** Output path when it differs from the source path (e.g. one of two alternatives). */
  to: v.optional(v.pipe(v.string(), v.nonEmpty("is empty"))),
  /** Rendered only when every listed answer has the listed value. */
  when: v.optional(jsonObject(v.string(), v.union([v.string(), v.number()]))),
});
export type FileSpec = v.InferOutput<typeof fileSpecSchema>;

/**
 * What the generator needs to know about a package that deploys (doctor's checks, the names `remove` and `rename`
 * report), as handlebars strings over the package's answers: the code knows no template by name.
 */
const variableNameSchema = v.pipe(
  v.string(),
  v.regex(/^[A-Z][A-Z0-9_]*(\{\{[^}]+\}\}[A-Z0-9_]*)*$/, "must be an upper-case variable name, e.g. CLEVER_APP_ID_{{constant name}}"),
);

/** One place it deploys to (production, staging, review apps): what GitHub must hold for its deploys to run. */
const targetSchema = v.strictObject({
  name: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9-]*$/, "must be a lowercase name")),
  /** The GitHub environment its deploy job runs in: its variables may be set there instead of the repository's. */
  environment: v.optional(v.string()),
  /** The variable naming the target's Clever Cloud app. */
  appVariable: v.optional(variableNameSchema),
  /** A repository variable that must be `true` for the target to deploy (review apps cost money). */
  switch: v.optional(variableNameSchema),
  /** For an optional target: what happens while it is not configured. */
  otherwise: v.optional(v.string()),
});
export type DeployTarget = v.InferOutput<typeof targetSchema>;

/**
 * A Clever Cloud add-on each app of the unit needs (a database): doctor asks clever-tools whether the app has the
 * variable the add-on gives once linked, and prints the `clever addon create` that makes it.
 */
const addonSchema = v.strictObject({
  /** The variable the linked add-on gives the app: `POSTGRESQL_ADDON_URI`. */
  variable: variableNameSchema,
  /** Variables that serve the same purpose when set on the app by hand (an external database): `DATABASE_URL`. */
  or: v.optional(v.array(variableNameSchema)),
  /** `clever addon create <provider> <name>-<target> --plan <plan>`. */
  provider: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9-]*$/, "must be a Clever Cloud add-on provider, e.g. postgresql-addon")),
  name: v.pipe(v.string(), v.nonEmpty("is empty")),
  plan: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9_-]+$/i, "must be a plan name, e.g. dev"))),
  /** Needed only when every listed answer has the listed value (like a file's `when`). */
  when: v.optional(jsonObject(v.string(), v.union([v.string(), v.number()]))),
});
export type AddonSpec = v.InferOutput<typeof addonSchema>;

const deploySchema = v.strictObject({
  /** The Clever Cloud environment as code: `packages/{{name}}/clever.env`. */
  config: v.pipe(v.string(), v.nonEmpty("is empty")),
  /** The workflow that tests and deploys it: `.github/workflows/{{name}}.yml`. */
  workflow: v.pipe(v.string(), v.nonEmpty("is empty")),
  /** The repository variable naming its Clever Cloud app: `CLEVER_APP_ID_{{constant name}}`. */
  appVariable: variableNameSchema,
  /** The Node.js major it is built and run with: `{{node}}`. */
  node: v.optional(v.string()),
  /** Where it deploys, for doctor's report of what is configured on GitHub. */
  targets: v.optional(v.array(targetSchema)),
  /** The repository secrets every deploy needs. */
  secrets: v.optional(v.array(variableNameSchema)),
  /** Add-ons every app it deploys to needs. */
  addons: v.optional(v.array(addonSchema)),
});
export type DeploySpec = v.InferOutput<typeof deploySchema>;

/** The package `npm create shipyard` makes with a new repository (the root template's manifest says which). */
const firstPackageSchema = v.strictObject({
  template: templateName,
  /** Its name when none is given (`--service`). */
  name: v.string(),
  /** Answers given for it (a new repository has no libraries to use yet). */
  answers: v.optional(jsonObject(v.string(), v.union([v.string(), v.number(), v.array(v.string())]))),
});

const manifestSchema = v.strictObject({
  $comment: v.optional(v.string()),
  description: v.string(),
  /** Where a generated package lives, e.g. `packages/{{name}}`: it must not exist before `add`. */
  directory: v.pipe(v.string(), v.nonEmpty("is empty")),
  answers: v.pipe(
    v.array(answerSpecSchema),
    v.check((answers) => new Set(answers.map((answer) => answer.name)).size === answers.length, "names one answer twice"),
  ),
  files: jsonObject(v.pipe(v.string(), v.nonEmpty("is an empty path")), v.union([fileKindSchema, fileSpecSchema])),
  deploy: v.optional(deploySchema),
  firstPackage: v.optional(firstPackageSchema),
});
/** A template's `template.json` (not to be confused with a package's package.json). */
export type TemplateManifest = v.InferOutput<typeof manifestSchema>;

/** Exact versions of the tools the templates install (`{{versions.<name>}}`), pasted into JSON and YAML. */
const versionsFileSchema = v.pipe(
  v.objectWithRest(
    { $comment: v.optional(v.string()) },
    v.pipe(v.string(), v.regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/, "must be an exact version such as 1.2.3")),
  ),
  v.check(
    (versions) => Object.keys(versions).every((key) => key === "$comment" || /^[a-zA-Z][a-zA-Z0-9]*$/.test(key)),
    "has a name that is not letters and digits (templates see it as {{versions.<name>}})",
  ),
);

/**
 * templates/package-managers.json: one entry per package manager a repository can use (lockfile, commands, CI and
 * Docker lines), which templates see as {{pm.<field>}}. Strings only, so templates paste values and decide nothing.
 */
const packageManagersFileSchema = v.strictObject({
  $comment: v.optional(v.string()),
  default: v.pipe(v.string(), v.nonEmpty("is empty")),
  managers: jsonObject(
    v.pipe(v.string(), v.regex(/^[a-z][a-z0-9-]*$/, "must be a lowercase name")),
    jsonObject(v.pipe(v.string(), v.regex(/^[a-zA-Z][a-zA-Z0-9]*$/, "must be letters and digits")), v.string()),
  ),
});
export type PackageManagers = v.InferOutput<typeof packageManagersFileSchema>;

export interface Template {
  /** Its folder's name under templates/ (service, library, …), which records name as their `template`. */
  name: string;
  dir: string;
  /** templates/versions.json: tool versions shared by every template, seen as {{versions.<name>}}. */
  versions: Record<string, string>;
  /** templates/package-managers.json (none: a repository from before it, npm only). */
  packageManagers: PackageManagers | undefined;
  description: string;
  /** Where a generated package lives, e.g. `packages/{{name}}`: it must not exist before `add`. */
  directory: string;
  answers: AnswerSpec[];
  files: Array<{ source: string; spec: FileSpec }>;
  deploy: DeploySpec | undefined;
  firstPackage: TemplateManifest["firstPackage"];
  /** The text of one of its files (`source` as in `files`), read through the template folder's tree. */
  readSource(source: string): string;
}

const TEMPLATE_HINT = "Fix the template (or restore it from git: git checkout -- templates).";
const manifestName = (name: string) => `templates/${name}/template.json`;

/** The folder holding the templates, as a tree: every read is confined to it (no `..`, no link leading out). */
function templatesTree(templatesDir: string): Tree {
  return new Tree(templatesDir);
}

/** Every file under `dir` (relative to the tree's root), walked through the tree so links out are refused. */
function listFiles(tree: Tree, dir: string, origin: string): string[] {
  const found: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(tree.diskPath(current, origin), { withFileTypes: true })) {
      const path = `${current}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else found.push(path.slice(dir.length + 1));
    }
  };
  if (tree.exists(dir, origin)) walk(dir);
  return found.sort();
}

/** Lists the template kinds found in a templates folder (each subfolder with a template.json). */
export function listTemplateNames(templatesDir: string): string[] {
  let tree: Tree;
  try {
    tree = templatesTree(templatesDir);
  } catch {
    return [];
  }
  // Every folder with a manifest, well named or not: a badly named one is then refused by name, not skipped unseen.
  return tree
    .list("")
    .filter((entry) => !entry.startsWith(".") && tree.exists(`${entry}/template.json`))
    .sort();
}

/**
 * Templates `shipyard add` offers: those that make a new package in a folder of its own. The monorepo template
 * (directory ".") is the repository itself, made once by `npm create shipyard`.
 */
export function listAddableTemplates(templatesDir: string): Array<{ name: string; manifest: TemplateManifest }> {
  return listTemplateNames(templatesDir)
    .map((name) => ({ name, manifest: readManifest(templatesDir, name) }))
    .filter(({ manifest }) => manifest.directory !== ".");
}

function readVersions(tree: Tree): Record<string, string> {
  const name = "templates/versions.json";
  const text = tree.read("versions.json", name);
  if (text === null) return {};
  const { $comment: _comment, ...versions } = parseWith(
    versionsFileSchema,
    parseJson(text, name, "TEMPLATE_ERROR", TEMPLATE_HINT),
    name,
    "TEMPLATE_ERROR",
    TEMPLATE_HINT,
  );
  return versions as Record<string, string>;
}

function readPackageManagers(tree: Tree): PackageManagers | undefined {
  const name = "templates/package-managers.json";
  const text = tree.read("package-managers.json", name);
  if (text === null) return undefined;
  const table = parseWith(packageManagersFileSchema, parseJson(text, name, "TEMPLATE_ERROR", TEMPLATE_HINT), name, "TEMPLATE_ERROR", TEMPLATE_HINT);
  if (!(table.default in table.managers)) {
    throw new ShipyardError("TEMPLATE_ERROR", `${name} is broken: its default "${table.default}" is not one of its managers.`, TEMPLATE_HINT);
  }
  return table;
}

/** The package-manager table of a templates folder, for the commands that need a lockfile's name or an install. */
export function readPackageManagerTable(templatesDir: string): PackageManagers | undefined {
  return readPackageManagers(templatesTree(templatesDir));
}

/** Reads only the manifest: enough to build the CLI's flags without walking the files. */
export function readManifest(templatesDir: string, name: string): TemplateManifest {
  return readManifestFrom(templatesTree(templatesDir), templatesDir, name);
}

/**
 * Manifests already checked in this process, by their exact text: the CLI reads every manifest to build its flags,
 * then the command loads its template again. What passed the checks once passes them again (they depend on the
 * text alone), so only the read is repeated: an edited file is a new text and is checked. Nobody writes to them.
 */
const checkedManifests = new Map<string, TemplateManifest>();

function readManifestFrom(tree: Tree, templatesDir: string, name: string): TemplateManifest {
  const origin = manifestName(name);
  if (!TEMPLATE_NAME.test(name) && /^[^/\\.][^/\\]*$/.test(name) && tree.exists(`${name}/template.json`)) {
    throw new ShipyardError(
      "TEMPLATE_ERROR",
      `templates/${name}/ is not a template name: lowercase letters, digits and dashes, starting with a letter.`,
      "Rename the folder.",
    );
  }
  const text = TEMPLATE_NAME.test(name) ? tree.read(`${name}/template.json`, origin) : null;
  if (text === null) {
    const known = listTemplateNames(templatesDir);
    throw new ShipyardError(
      "UNKNOWN_TEMPLATE",
      `Unknown template "${name}".`,
      known.length ? `Templates here: ${known.join(", ")}.` : `No templates found in ${templatesDir}.`,
    );
  }
  const known = checkedManifests.get(text);
  if (known) return known;
  const manifest = parseWith(manifestSchema, parseJson(text, origin, "TEMPLATE_ERROR", TEMPLATE_HINT), origin, "TEMPLATE_ERROR", TEMPLATE_HINT);
  for (const source of Object.keys(manifest.files)) checkRelativePath(source, origin);
  for (const answer of manifest.answers) {
    if (answer.of !== undefined && answer.type !== "list") {
      throw new ShipyardError("TEMPLATE_ERROR", `${origin} is broken: answer ${answer.name} has "of" but is not a list.`, TEMPLATE_HINT);
    }
  }
  checkedManifests.set(text, manifest);
  return manifest;
}

/**
 * Loads a template and checks that manifest and folder agree: a file without a declared kind, or a declared file
 * that does not exist, is a template error (so a teacher adding a file is told to declare it).
 */
export function loadTemplate(templatesDir: string, name: string): Template {
  const tree = templatesTree(templatesDir);
  const manifest = readManifestFrom(tree, templatesDir, name);
  const origin = manifestName(name);
  const filesDir = `${name}/files`;
  const onDisk = listFiles(tree, filesDir, origin);
  const declared = Object.keys(manifest.files);
  const undeclared = onDisk.filter((file) => !(file in manifest.files));
  const missing = declared.filter((file) => !onDisk.includes(file));
  if (undeclared.length || missing.length) {
    const parts = [
      undeclared.length ? `files without a kind in template.json: ${undeclared.join(", ")}` : "",
      missing.length ? `declared but missing: ${missing.join(", ")}` : "",
    ].filter(Boolean);
    throw new ShipyardError("TEMPLATE_ERROR", `Template "${name}" is inconsistent: ${parts.join("; ")}.`, TEMPLATE_HINT);
  }
  return {
    name,
    dir: join(templatesDir, name),
    versions: readVersions(tree),
    packageManagers: readPackageManagers(tree),
    description: manifest.description,
    directory: manifest.directory,
    answers: manifest.answers,
    files: declared.map((source) => {
      const value = manifest.files[source] as FileKind | FileSpec;
      return { source, spec: typeof value === "string" ? { kind: value } : value };
    }),
    deploy: manifest.deploy,
    firstPackage: manifest.firstPackage,
    readSource: (source) => {
      const path = `${filesDir}/${source}`;
      const text = tree.read(path, origin);
      if (text === null) throw new ShipyardError("TEMPLATE_ERROR", `templates/${path} is missing.`, TEMPLATE_HINT);
      return text;
    },
  };
}
