import { fillPlaceholders } from "./engine/render.js";
import { type PackageManagers, readPackageManagerTable } from "./engine/template.js";
import { ShipyardError } from "./errors.js";
import { isRootUnit, type Unit } from "./state/store.js";

/**
 * The package manager of a repository is an answer of its root unit (the monorepo template's `packageManager`),
 * recorded in .shipyard/units/_monorepo.json like any other; what each manager means (lockfile, commands, CI and
 * Docker lines) is data, templates/package-managers.json. This module is the generator's side of that answer:
 * the root's choice for the other units' renders, the manager that started a command, the lockfiles doctor knows.
 */
export const PACKAGE_MANAGER_ANSWER = "packageManager";

/** The manager the root unit records; undefined for a repository from before the answer (its default: npm). */
export function recordedPackageManager(units: Array<Pick<Unit, "id" | "answers">>): string | undefined {
  const value = units.find((unit) => isRootUnit(unit.id))?.answers[PACKAGE_MANAGER_ANSWER];
  return typeof value === "string" ? value : undefined;
}

/** The manager that runs this process (`pnpm create`, `yarn dlx`, `bun x`, `npm exec`): npm_config_user_agent's first word. */
export function startedFrom(userAgent: string | undefined): string | undefined {
  const name = userAgent?.split("/")[0]?.trim();
  return name ? name : undefined;
}

/** The table's entry for `name`, or an UNKNOWN_PACKAGE_MANAGER error naming the flag and the known managers. */
export function managerEntry(table: PackageManagers, name: string, flag = "--package-manager"): Record<string, string> {
  const entry = table.managers[name];
  if (!entry) {
    throw new ShipyardError(
      "UNKNOWN_PACKAGE_MANAGER",
      `Unknown package manager "${name}" (${flag}): choose one of ${Object.keys(table.managers).join(", ")}.`,
    );
  }
  return entry;
}

/** The manager a new repository gets: the flag, else the one that launched create (when the table knows it), else the default. */
export function chooseManager(table: PackageManagers, flag: string | undefined, userAgent: string | undefined): string {
  if (flag !== undefined) {
    managerEntry(table, flag);
    return flag;
  }
  const launcher = startedFrom(userAgent);
  return launcher && launcher in table.managers ? launcher : table.default;
}

/** What the generator itself runs or prints for a manager: its install, its scripts, its lockfile. */
export interface ManagerCommands {
  name: string;
  lockfile: string;
  install: string;
  test: string;
  /** `npm run <script> -w <package>`: a script of one package. */
  runIn: string;
  /** How a person runs the shipyard bin: `npm run shipyard --`, `pnpm run shipyard`, … (an argument follows). */
  shipyard: string;
  /** Another path the install writes besides node_modules and the lockfile ("" for none). */
  installWrites: string;
  /** Runs an installed bin (`npx`, `pnpm exec`, `yarn`, `bun run`): `<exec> turbo run build`. */
  exec: string;
}

/** npm as a repository from before the table knew it (no templates/package-managers.json). */
const NPM: ManagerCommands = {
  name: "npm",
  lockfile: "package-lock.json",
  install: "npm install",
  test: "npm test",
  runIn: "npm run <script> -w <package>",
  shipyard: "npm run shipyard --",
  installWrites: "",
  exec: "npx",
};

export function commandsOf(table: PackageManagers | undefined, name: string | undefined): ManagerCommands {
  const chosen = name ?? table?.default ?? "npm";
  if (!table) return NPM;
  const entry = managerEntry(table, chosen, "the repository's packageManager");
  const field = (key: keyof ManagerCommands) => entry[key] ?? NPM[key];
  return {
    name: chosen,
    lockfile: field("lockfile"),
    install: field("install"),
    test: field("test"),
    runIn: field("runIn"),
    shipyard: field("shipyard"),
    installWrites: field("installWrites"),
    exec: field("exec"),
  };
}

/** The commands of `name` as a templates folder's table describes them. */
export function managerCommands(templatesDir: string, name: string | undefined): ManagerCommands {
  return commandsOf(readPackageManagerTable(templatesDir), name);
}

/** `npm run <script> -w <package>` filled in. */
export function runInPackage(commands: ManagerCommands, script: string, pkg: string): string {
  return fillPlaceholders(commands.runIn, { script, package: pkg });
}

/** The commands of a repository's recorded manager (what `add`, `use` and `update` print next). */
export function repositoryCommands(templatesDir: string, units: Array<Pick<Unit, "id" | "answers">>): ManagerCommands {
  return managerCommands(templatesDir, recordedPackageManager(units));
}
