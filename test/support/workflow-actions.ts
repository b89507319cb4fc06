// The package-manager set-up actions the local workflow runner (workflow-runner.ts) emulates by putting the REAL
// manager on PATH, the pinned one of scripts/tools/package-managers when it is the version asked for, else that
// exact version installed from the npm registry into the runner's tool cache. What each reproduces of the action:
//
// - pnpm/action-setup@v4: `version` input, else package.json's `packageManager` (pnpm@<version>) in the workspace
//   (`package_json_file` input, default package.json); neither: the action's error "No pnpm version is specified".
//   Both, disagreeing: the action's error (it refuses a version input that differs from packageManager).
// - oven-sh/setup-bun@v2: `bun-version`, else `bun-version-file` (package.json's packageManager bun@<version>, or a
//   file holding the version), else "latest" (here: the pinned bun).
// - actions/setup-node@v4 `cache: pnpm|yarn`: the action looks the manager up on PATH to find its cache folder and
//   fails with "Unable to locate executable file: <manager>" when it is not installed yet (GitHub's behaviour: the
//   manager's set-up must come before setup-node). `cache: npm` always works. No cache is restored here.
// Only Node builtins and package-managers.ts.
import { execFileSync } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { managersBinDir, toolsDir } from "./package-managers.js";

export const EMULATED_ACTIONS = ["pnpm/action-setup", "oven-sh/setup-bun"] as const;

export interface ActionContext {
  workspace: string;
  /** The runner's tool cache (RUNNER_TOOL_CACHE). */
  toolCache: string;
  /** PATH as the step would see it. */
  path: string;
  env: Record<string, string>;
}

export interface ActionOutcome {
  error?: string;
  /** Folders the action adds to PATH for the later steps. */
  addPath?: string[];
  outputs?: Record<string, string>;
}

function pinnedVersion(pkgName: string): string | undefined {
  return (JSON.parse(readFileSync(path.join(toolsDir, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies[pkgName];
}

/** A bin folder holding `pkgName@version`'s bins: the pinned install when it is that version, else the tool cache. */
function binDirFor(pkgName: string, version: string, ctx: ActionContext): string {
  if (pinnedVersion(pkgName) === version) return managersBinDir;
  const dir = path.join(ctx.toolCache, pkgName.replace("/", "+"), version);
  if (!existsSync(path.join(dir, "node_modules/.bin"))) {
    mkdirSync(dir, { recursive: true });
    execFileSync("npm", ["install", "--prefix", dir, "--no-save", "--no-audit", "--no-fund", `${pkgName}@${version}`], {
      stdio: "pipe",
      env: { ...process.env, ...ctx.env },
    });
  }
  return path.join(dir, "node_modules/.bin");
}

function packageManagerField(file: string): string | undefined {
  try {
    const field = (JSON.parse(readFileSync(file, "utf8")) as { packageManager?: unknown }).packageManager;
    return typeof field === "string" ? field : undefined;
  } catch {
    return undefined;
  }
}

/** True when `bin` is an executable file in one of PATH's folders. */
export function onPath(bin: string, pathValue: string): boolean {
  return pathValue.split(":").some((dir) => {
    try {
      accessSync(path.join(dir, bin), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Runs one emulated action; `with` holds its evaluated inputs. */
export function runEmulatedAction(action: string, inputs: Record<string, string>, ctx: ActionContext): ActionOutcome {
  if (action === "pnpm/action-setup") {
    const file = path.resolve(ctx.workspace, inputs.package_json_file || "package.json");
    const field = packageManagerField(file);
    const fromField = /^pnpm@(\d+\.\d+\.\d+)/.exec(field ?? "")?.[1];
    const asked = inputs.version || undefined;
    if (asked && fromField && asked !== fromField) {
      return { error: `Multiple versions of pnpm specified: version ${asked} in the GitHub Action config with the key "version", version pnpm@${fromField} in the package.json with the key "packageManager". Remove one of these versions to avoid version mismatch errors like ERR_PNPM_BAD_PM_VERSION` };
    }
    const version = asked ?? fromField;
    if (!version) return { error: "Error: No pnpm version is specified. Please specify it by one of the following ways: in the GitHub Action config with the key \"version\", in the package.json with the key \"packageManager\"" };
    return { addPath: [binDirFor("pnpm", version, ctx)] };
  }
  if (action === "oven-sh/setup-bun") {
    let version = inputs["bun-version"] || undefined;
    if (!version && inputs["bun-version-file"]) {
      const file = path.resolve(ctx.workspace, inputs["bun-version-file"]);
      if (!existsSync(file)) return { error: `Error: The specified bun version file (${inputs["bun-version-file"]}) does not exist` };
      version = file.endsWith("package.json") ? /^bun@(\d+\.\d+\.\d+)/.exec(packageManagerField(file) ?? "")?.[1] : readFileSync(file, "utf8").trim().replace(/^v/, "");
    }
    const resolved = !version || version === "latest" ? (pinnedVersion("bun") as string) : version;
    if (!/^\d+\.\d+\.\d+$/.test(resolved)) return { error: `the local runner only emulates exact bun versions, not "${resolved}"` };
    return { addPath: [binDirFor("bun", resolved, ctx)], outputs: { "bun-version": resolved, "cache-hit": "false" } };
  }
  return { error: `no emulation of ${action}` };
}

/** actions/setup-node's `cache` input: the manager must already be on PATH (see the top of this file). */
export function setupNodeCacheProblem(inputs: Record<string, string>, pathValue: string): string | undefined {
  const cache = inputs.cache;
  if (!cache || cache === "npm") return undefined;
  if (cache !== "pnpm" && cache !== "yarn") return `Caching for '${cache}' is not supported`;
  return onPath(cache, pathValue) ? undefined : `Unable to locate executable file: ${cache}. Please verify either the file path exists or the file can be found within a directory specified by the PATH environment variable.`;
}
