import { ShipyardError } from "../errors.js";
import { readUnits } from "../state/store.js";
import type { Tree } from "./tree.js";

/**
 * A package's name becomes many other names: `@scope/<name>` for npm and turbo filters, packages/<name>/ and
 * .github/workflows/<name>.yml on file systems that may ignore case, the image `<name>` for Docker, the deploy
 * variable CLEVER_APP_ID_<CONSTANT> for GitHub. npm accepts names that one of these reads differently, or that two
 * packages would share; this module refuses them before anything is planned.
 */

/** `orders-api` -> `ORDERS_API`: the form used in environment variable names (the templates' `constant` helper). */
export function constantCase(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]+/g, "_");
}

/** The variable that holds a service's production Clever Cloud app id (see the service workflow template); its
 *  staging app is in the same name followed by _STAGING. */
export function deployVariable(name: string): string {
  return `CLEVER_APP_ID_${constantCase(name)}`;
}

/**
 * A Docker repository path component (distribution/reference): lowercase letters and digits, separated by one
 * `.`, one or two `_`, or dashes, never at either end. Within npm's rules it also keeps turbo filters literal: no
 * `...` (turbo's "and its dependencies"), no leading `.` or `^`.
 */
const PORTABLE_NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** Why turbo, a shell or Docker would read `name` differently from the package name, or undefined. */
export function unportableReason(name: string): string | undefined {
  if (name !== name.toLowerCase()) return "uppercase letters differ from the lowercase image and folder names on case-insensitive file systems";
  if (name.includes("...")) return 'turbo reads "..." in a filter as "and its dependencies"';
  if (!/^[a-z0-9._-]+$/.test(name))
    return "only lowercase letters, digits, dashes, dots and underscores are safe in a shell, a turbo filter and a Docker tag";
  if (!PORTABLE_NAME.test(name))
    return "it must start and end with a letter or a digit, with one dot or underscore at a time between them (a Docker image name)";
  return undefined;
}

/**
 * Refuses `name` when it is unportable, or when it and an existing package would share a normalized name: the
 * same deploy variable (constant case), or the same folder, workflow or image on a case-insensitive file system.
 */
export function checkNewName(name: string, existing: readonly string[], flag = "<name>"): void {
  const why = unportableReason(name);
  if (why)
    throw new ShipyardError("INVALID_ANSWER", `Invalid ${flag} "${name}": ${why}.`, "Use lowercase letters, digits and dashes, e.g. orders-api.");
  for (const other of existing) {
    if (other === name) continue; // the same package: "already exists" is reported by the caller
    if (other.toLowerCase() === name.toLowerCase()) {
      throw new ShipyardError(
        "NAME_CLASH",
        `${name} would share packages/${other.toLowerCase()}, its workflow and its image with ${other} on a case-insensitive file system.`,
        "Choose a name that differs in letters or digits.",
      );
    }
    if (constantCase(other) === constantCase(name)) {
      throw new ShipyardError(
        "NAME_CLASH",
        `${name} would share ${deployVariable(name)} with ${other}.`,
        "Choose a name that differs in letters or digits, not only in punctuation.",
      );
    }
    // The staging app of a service is CLEVER_APP_ID_<NAME>_STAGING: `orders-staging` would deploy where orders stages.
    for (const [a, b] of [
      [name, other],
      [other, name],
    ] as const) {
      if (constantCase(a) === `${constantCase(b)}_STAGING`) {
        throw new ShipyardError(
          "NAME_CLASH",
          `${name} would share ${deployVariable(a)} with ${other}: it is the staging variable of ${b}.`,
          "Choose a name that does not end in -staging.",
        );
      }
    }
  }
}

/** checkNewName against the repository's packages: every recorded package and every folder under packages/. */
export function checkNewPackageName(tree: Tree, name: string): void {
  const folders = tree.exists("packages") ? tree.list("packages") : [];
  checkNewName(name, [...new Set([...readUnits(tree).map((unit) => unit.id), ...folders])]);
}
