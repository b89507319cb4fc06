import validatePackageName from "validate-npm-package-name";
import { ShipyardError } from "../errors.js";
import type { AnswerSpec, Template } from "./template.js";

/** Answer values after validation: names and text are strings, ports and numeric choices numbers, lists arrays. */
export type AnswerValue = string | number | string[];
export type Answers = Record<string, AnswerValue>;

/**
 * Folders and names a package must never take: they are the repository's own folders, npm's reserved names,
 * or Shipyard's state. Checked before npm's rules so the message says why.
 */
const RESERVED_NAMES = new Set([
  "node_modules",
  "favicon.ico",
  "generators",
  "templates",
  "packages",
  "test",
  "tests",
  "docs",
  "bench",
  "scripts",
  "shipyard",
  "create-shipyard",
  "root",
  "dist",
  "coverage",
  "github",
  "clevercloud",
]);

/**
 * Why `name` cannot be a package name (a folder under packages/ and the second half of `@scope/name`), or
 * undefined when it can. The one rule for a name typed at the CLI, asked at a prompt, or read back from a record.
 */
export function packageNameProblem(name: string, scope: string): string | undefined {
  if (name.length === 0) return "it is empty";
  if (RESERVED_NAMES.has(name)) return `"${name}" is reserved by the repository`;
  if (name.includes("/") || name.includes("\\")) return "it cannot contain a slash";
  const result = validatePackageName(`@${scope}/${name}`);
  const problems = [...(result.errors ?? []), ...(result.warnings ?? [])];
  if (!result.validForNewPackages) return problems[0] ?? "npm rejects it";
  if (!/^[a-z0-9]/.test(name)) return "it must start with a lowercase letter or a digit";
  return undefined;
}

/** Validates one package name; a bad one is INVALID_ANSWER naming the flag. */
export function validatePackageNameAnswer(name: string, scope: string, flag: string): string {
  const problem = packageNameProblem(name, scope);
  if (problem)
    throw new ShipyardError("INVALID_ANSWER", `Invalid ${flag} "${name}": ${problem}.`, "Use lowercase letters, digits and dashes, e.g. orders-api.");
  return name;
}

/** Whether `scope` (without the @) is an npm scope every generated package name can use. */
export function isValidScope(bare: string): boolean {
  return bare !== "" && validatePackageName(`@${bare}/x`).validForNewPackages && /^[a-z0-9]/.test(bare);
}

/** Validates an npm scope (without the @), which every generated package name uses. */
export function validateScope(scope: string): string {
  const bare = scope.replace(/^@/, "");
  if (!isValidScope(bare)) {
    throw new ShipyardError("INVALID_ANSWER", `Invalid --scope "${scope}": an npm scope is lowercase letters, digits, dashes, dots or underscores.`);
  }
  return bare;
}

/** Turns a name into a flag for error messages: `runtime` -> `--runtime`, the positional name stays `<name>`. */
export function flagOf(spec: AnswerSpec): string {
  return spec.positional ? `<${spec.name}>` : `--${spec.name}`;
}

/**
 * Coerces one raw answer (a CLI string, a prompt result or a recorded value) to its type and checks it.
 * Every path into the generator goes through here, so a value is validated exactly once, at the edge.
 */
export function coerceAnswer(spec: AnswerSpec, raw: unknown, scope: string): AnswerValue {
  const flag = flagOf(spec);
  const invalid = (why: string): never => {
    throw new ShipyardError("INVALID_ANSWER", `Invalid ${flag} "${String(raw)}": ${why}.`);
  };
  switch (spec.type) {
    case "name":
      return validatePackageNameAnswer(String(raw), scope, flag);
    case "text": {
      const text = String(raw);
      if (text.length > 1000) invalid("longer than 1000 characters");
      return text;
    }
    case "port": {
      const text = String(raw).trim();
      if (!/^\d+$/.test(text)) invalid("a port is a whole number from 1 to 65535");
      const port = Number(text);
      if (port < 1 || port > 65535) invalid("a port is a whole number from 1 to 65535");
      return port;
    }
    case "choice": {
      const match = spec.choices.find((choice) => String(choice) === String(raw).trim());
      if (match === undefined) invalid(`choose one of ${spec.choices.join(", ")}`);
      return match as string | number;
    }
    case "list": {
      const items = Array.isArray(raw) ? raw.map(String) : String(raw).split(",");
      const names = items.map((item) => item.trim()).filter(Boolean);
      for (const item of names) validatePackageNameAnswer(item, scope, flag);
      return [...new Set(names)];
    }
  }
}

/** Answers the caller gave, before defaults: flags, recorded answers or prompt results. */
export type RawAnswers = Record<string, unknown>;

/**
 * Completes and validates a template's answers. Given answers are coerced; a missing one takes its default when
 * `useDefaults` is set; a missing required answer is an error naming its flag.
 */
export function resolveAnswers(template: Template, given: RawAnswers, scope: string, useDefaults: boolean): Answers {
  const answers: Answers = {};
  for (const spec of template.answers) {
    const raw = given[spec.name];
    if (raw !== undefined) {
      answers[spec.name] = coerceAnswer(spec, raw, scope);
    } else if (spec.default !== undefined && (useDefaults || !spec.required)) {
      answers[spec.name] = coerceAnswer(spec, spec.default, scope);
    } else {
      throw new ShipyardError(
        "MISSING_ANSWER",
        `Missing ${flagOf(spec)}: ${spec.message}.`,
        spec.default === undefined ? undefined : `Pass ${flagOf(spec)} or --yes to take the default (${String(spec.default)}).`,
      );
    }
  }
  return answers;
}

/**
 * resolveAnswers for the answers recorded in `.shipyard/units/<id>.json`: a value the template refuses (a port
 * edited to "abc", a runtime it no longer offers) is broken state naming that file, not a flag the user never typed.
 */
export function resolveRecordedAnswers(
  template: Template,
  unitId: string,
  given: RawAnswers,
  scope: string,
  /** How the repository runs its generator (`npm run shipyard --`, …), for the hint: asked only when it is broken. */
  shipyardCommand: () => string,
): Answers {
  try {
    return resolveAnswers(template, given, scope, true);
  } catch (error) {
    if (!(error instanceof ShipyardError) || (error.code !== "INVALID_ANSWER" && error.code !== "MISSING_ANSWER")) throw error;
    const message = error.message.replace(/^Invalid (--|<)(\w+)>? /, "answers.$2 ").replace(/^Missing (--|<)(\w+)>?:/, "answers.$2 is missing:");
    throw new ShipyardError(
      "BROKEN_STATE",
      `.shipyard/units/${unitId}.json is broken: ${message}`,
      `Fix the answer (${shipyardCommand()} set <answer>=<value> --in <package>), or restore the file from git.`,
    );
  }
}
