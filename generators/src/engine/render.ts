import { createRequire } from "node:module";
import type HandlebarsModule from "handlebars";
import { ShipyardError } from "../errors.js";
import type { Answers } from "./answers.js";
import { constantCase } from "./names.js";
import { canonicalPackageJson } from "./package-json.js";
import { compileOptions, type PrecompiledFile, precompile, readPrecompiled } from "./precompiled.js";
import type { FileKind, Template } from "./template.js";
import { checkRelativePath } from "./tree.js";

/** One file the generator wants to exist, before anything touches the disk. */
export interface PlannedFile {
  /** Path relative to the repository root, with forward slashes. */
  path: string;
  content: string;
  kind: FileKind;
}

/** Values every template sees besides its answers. */
export interface RenderContext {
  scope: string;
  shipyardVersion: string;
  /** The repository's package manager (the root unit's answer); unset: the table's default. */
  packageManager?: string | undefined;
}

/*
 * noEscape: templates write JSON, YAML, shell and TypeScript, never HTML, so handlebars' HTML escaping would only
 * corrupt values (`&` -> `&amp;`). strict: a misspelt variable is a template error, not a silently empty string.
 * Values that land inside a quoted context go through a helper that encodes for that format.
 *
 * handlebars' single-file builds, not its CommonJS entry: the entry loads ~40 modules and the source-map library
 * (about 35 ms, a quarter of `shipyard add`). Renders run on the runtime build (29 kB): the build precompiled every
 * template text and manifest string, so a run that meets only those never loads the compiler (91 kB, ~7 ms). A text
 * it did not precompile (a user's edit) is precompiled here by the compiler, loaded then, and runs the same way.
 */
const require = createRequire(import.meta.url);
const handlebars = (require("handlebars/dist/handlebars.runtime.min.js") as typeof HandlebarsModule).create();
let compiler: typeof HandlebarsModule | undefined;
const loadCompiler = () => (compiler ??= require("handlebars/dist/handlebars.min.js") as typeof HandlebarsModule);

handlebars.registerHelper({
  /** A JSON string/number/array literal. Also a valid YAML flow scalar: YAML 1.2 is a superset of JSON. */
  json: (value: unknown) => JSON.stringify(value),
  yaml: (value: unknown) => JSON.stringify(value),
  /** One single-quoted shell word. */
  shell: (value: unknown) => `'${String(value).replaceAll("'", `'\\''`)}'`,
  /** `orders-api` -> `ORDERS_API`: names of environment variables and repository variables. */
  constant: (value: unknown) => constantCase(String(value)),
  /**
   * `{{#if (eq database "postgres")}}…{{/if}}`: a part of a file that only some answers need. Compares as strings,
   * like a manifest's `when` (answers such as node are numbers, choices in the manifest may be either).
   */
  eq: (a: unknown, b: unknown) => String(a) === String(b),
  /** `{{concat "@" scope "/" name}}`: one string from several (the last argument is handlebars' options). */
  concat: (...parts: unknown[]) => parts.slice(0, -1).map(String).join(""),
  /**
   * `{{fill pm.runIn script="dev" package="@acme/orders"}}`: a command of the package-manager table with its `<name>`
   * placeholders filled in, because the managers put the script and the package in different places.
   */
  fill: (text: unknown, options: { hash: Record<string, unknown> }) => fillPlaceholders(String(text), options.hash),
});

/** `npm run <script> -w <package>` with script and package given: each `<key>` replaced by its value. */
export function fillPlaceholders(text: string, values: Record<string, unknown>): string {
  return text.replace(/<([a-z]+)>/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
}

/** By text: the templates the build compiled (precompiled.ts), read at the first compile. */
let precompiled: Map<string, string> | undefined;

/**
 * A text without a mustache renders as itself: no handlebars parse or code generation (half the template files).
 * One the build precompiled is only evaluated; any other (a user's edit) is compiled here, with the same options.
 */
function compileText(text: string): (data: object) => string {
  if (!text.includes("{{")) return () => text;
  precompiled ??= readPrecompiled(handlebars);
  const spec = precompiled.get(text);
  // The spec is handlebars' own output for this exact text, by this package's build or here (never by a template).
  const source = spec ?? (loadCompiler().precompile(text, compileOptions()) as string);
  return handlebars.template(new Function(`return ${source}`)() as Parameters<typeof handlebars.template>[0]);
}

/** The build's side of compileText: what dist/precompiled-templates.json holds for these texts. */
export function precompileTexts(texts: Iterable<string>): PrecompiledFile {
  return precompile(loadCompiler(), texts);
}

/** Compiled files per loaded template: an update renders the same template for every package. */
const compiledByTemplate = new WeakMap<Template, Map<string, (data: object) => string>>();

function compile(template: Template, source: string): (data: object) => string {
  let compiled = compiledByTemplate.get(template);
  if (!compiled) {
    compiled = new Map();
    compiledByTemplate.set(template, compiled);
  }
  let delegate = compiled.get(source);
  if (!delegate) {
    delegate = compileText(template.readSource(source));
    compiled.set(source, delegate);
  }
  return delegate;
}

/** `packages/__name__/src/app.ts` with name=orders -> `packages/orders/src/app.ts`. */
export function renderPath(path: string, answers: Answers): string {
  return path.replace(/__([a-zA-Z][a-zA-Z0-9]*)__/g, (_whole, key: string) => {
    const value = answers[key];
    if (value === undefined) throw new ShipyardError("TEMPLATE_ERROR", `Path ${path} uses __${key}__, which is not an answer.`);
    return String(value);
  });
}

export function matchesWhen(when: Record<string, string | number> | undefined, answers: Answers): boolean {
  return !when || Object.entries(when).every(([key, value]) => String(answers[key]) === String(value));
}

/** Rendered package-manager entries per loaded template: each string may name {{versions.<name>}}. */
const managersByTemplate = new WeakMap<Template, Map<string, Record<string, string>>>();

/**
 * The chosen manager's fields as templates see them ({{pm.lockfile}}, {{pm.frozenInstall}}, …). A repository whose
 * templates have no table (made before it) gets none, and its templates name npm themselves.
 */
export function packageManagerFields(template: Template, name: string | undefined): Record<string, string> | undefined {
  const table = template.packageManagers;
  if (!table) return undefined;
  const chosen = name ?? table.default;
  let rendered = managersByTemplate.get(template);
  if (!rendered) {
    rendered = new Map();
    managersByTemplate.set(template, rendered);
  }
  const cached = rendered.get(chosen);
  if (cached) return cached;
  const entry = table.managers[chosen];
  if (!entry) {
    throw new ShipyardError(
      "UNKNOWN_PACKAGE_MANAGER",
      `Unknown package manager "${chosen}".`,
      `templates/package-managers.json has: ${Object.keys(table.managers).join(", ")}.`,
    );
  }
  const fields: Record<string, string> = {};
  for (const [field, text] of Object.entries(entry)) {
    try {
      fields[field] = compileText(text)({ versions: template.versions });
    } catch (error) {
      throw new ShipyardError("TEMPLATE_ERROR", `templates/package-managers.json, ${chosen}.${field}: ${(error as Error).message}`);
    }
  }
  rendered.set(chosen, fields);
  return fields;
}

/** Renders every file of a template for one set of answers. Pure apart from reading the template files. */
export function renderTemplate(template: Template, answers: Answers, context: RenderContext): PlannedFile[] {
  const { packageManager, ...shared } = context;
  const pm = packageManagerFields(template, packageManager);
  const data = { ...shared, versions: template.versions, ...(pm ? { pm } : {}), ...answers };
  const files: PlannedFile[] = [];
  for (const { source, spec } of template.files) {
    if (!matchesWhen(spec.when, answers)) continue;
    // A manifest's `to` or an answer in a path must not lead out of the repository.
    const path = checkRelativePath(renderPath(spec.to ?? source, answers), `templates/${template.name}/template.json`);
    try {
      const content = compile(template, source)(data);
      // A package.json as the package managers would rewrite it, so an install changes none (package-json.ts).
      files.push({ path, content: /(^|\/)package\.json$/.test(path) ? canonicalPackageJson(content) : content, kind: spec.kind });
    } catch (error) {
      throw new ShipyardError("TEMPLATE_ERROR", `Template ${template.name}/files/${source}: ${(error as Error).message}`);
    }
  }
  return files;
}

/** Renders a manifest string such as `packages/{{name}}` (no files involved). */
export function renderString(text: string, answers: Answers): string {
  return compileText(text)(answers);
}
