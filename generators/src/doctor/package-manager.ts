import type { Tree } from "../engine/tree.js";
import { startedFrom } from "../package-managers.js";
import type { CheckResult } from "./checks.js";

/**
 * The repository's package manager as doctor sees it: the one recorded (.shipyard, the monorepo's packageManager
 * answer) is the truth, and three things that disagree with it break an install somewhere (CI's frozen install,
 * Clever Cloud's build tool, the image's `turbo prune`), so each is an error with its fix:
 *   - a second lockfile (a `bun install` or `npm install` run by habit writes one beside the real one);
 *   - package.json's `packageManager` naming another manager (Clever Cloud and corepack read it);
 *   - the command run by another manager than the recorded one (npm_config_user_agent of this very run).
 */
export interface RecordedManager {
  /** Every manager the table knows. */
  names: string[];
  /** A manager's fields, rendered (versions filled in). */
  fields(name: string): Record<string, string> | undefined;
  name: string;
}

/** Every lockfile name any manager writes, with the manager that writes it. */
function lockfilesOf(recorded: RecordedManager, fieldOf: (name: string, field: string) => string): Array<{ file: string; manager: string }> {
  return recorded.names.flatMap((manager) =>
    [fieldOf(manager, "lockfile"), ...fieldOf(manager, "oldLockfiles").split(/\s+/)].filter(Boolean).map((file) => ({ file, manager })),
  );
}

export function checkPackageManager(tree: Tree, recorded: RecordedManager, env: NodeJS.ProcessEnv): CheckResult[] {
  const { name } = recorded;
  const fieldOf = (manager: string, field: string) => recorded.fields(manager)?.[field] ?? "";
  const install = fieldOf(name, "install") || `${name} install`;
  const shipyard = fieldOf(name, "shipyard") || `${name} run shipyard`;
  const own = fieldOf(name, "lockfile");
  const results: CheckResult[] = [];

  const strays = lockfilesOf(recorded, fieldOf).filter(({ file }) => file !== own && tree.exists(file));
  results.push(
    strays.length > 0
      ? {
          check: "lockfiles",
          status: "error",
          message: `${strays.map(({ file, manager }) => `${file} (${manager})`).join(", ")} beside ${own}: this repository uses ${name}, and CI, Clever Cloud and the images install from ${own} only.`,
          fix: `rm ${strays.map(({ file }) => file).join(" ")} && ${install}  (or switch: ${shipyard} set packageManager=${strays[0]?.manager})`,
        }
      : { check: "lockfiles", status: "ok", message: `one lockfile: ${own} (${name})` },
  );

  let field: unknown;
  try {
    field = (JSON.parse(tree.read("package.json") ?? "{}") as { packageManager?: unknown }).packageManager;
  } catch {
    field = undefined;
  }
  const wanted = fieldOf(name, "packageManager");
  const named = typeof field === "string" ? field.split("@")[0] : undefined;
  if (named !== undefined && named !== name) {
    results.push({
      check: "package-manager",
      status: "error",
      message: `package.json says "packageManager": ${JSON.stringify(field)}, but this repository uses ${name} (.shipyard/units/_monorepo.json).`,
      fix: `Set "packageManager": ${JSON.stringify(wanted || name)} in package.json, or switch for real: ${fieldOf(named, "shipyard") || `${named} run shipyard`} set packageManager=${named}`,
    });
  } else {
    results.push({ check: "package-manager", status: "ok", message: `${name}${typeof field === "string" ? ` (${field})` : ""}` });
  }

  const runner = startedFrom(env.npm_config_user_agent);
  if (runner !== undefined && recorded.names.includes(runner) && runner !== name) {
    results.push({
      check: "package-manager-used",
      status: "error",
      message: `This command was run with ${runner}, but the repository uses ${name}: ${runner} would write its own lockfile and ignore ${own}.`,
      fix: `${shipyard} doctor  (and ${install}, never ${fieldOf(runner, "install") || `${runner} install`}, in this repository)`,
    });
  }
  return results;
}
