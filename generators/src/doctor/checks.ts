import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { renderString } from "../engine/render.js";
import type { Template } from "../engine/template.js";
import { checkRelativePath, type Tree } from "../engine/tree.js";
import { ShipyardError } from "../errors.js";
import { hasConflictMarkers } from "../state/merge/markers.js";
import { isRootUnit, type Unit } from "../state/store.js";
import { diskPlanInput, needsAction, planUpdate } from "../state/update-plan.js";
import { buildsBeforeInstall, type CleverVariable, parseCleverEnv, pinnedMajor, undocumentedVariables } from "./clever-env.js";

/**
 * The checks of `shipyard doctor`, one function each. A check never throws: it says ok, warning (works, but
 * something a user will want to know) or error (something will fail: a build, a deploy, a CI run), and how to fix it.
 */
export type Status = "ok" | "warning" | "error";

export interface CheckResult {
  check: string;
  status: Status;
  message: string;
  fix?: string;
}

export interface DoctorContext {
  root: string;
  /** Every read of the repository goes through it: confined to the repository. */
  tree: Tree;
  units: Unit[];
  env: NodeJS.ProcessEnv;
  /** The repository's template of a unit (its manifest says what the unit deploys with). */
  templateOf(unit: Unit): Template;
  /** The recorded package manager's entry of templates/package-managers.json (none: an npm repository from before it). */
  packageManager?: Record<string, string> | undefined;
}

/** A unit whose template has a `deploy` section, with that section rendered for the unit's answers. */
export interface Deployment {
  unit: Unit;
  /** The unit's folder (where its package.json is). */
  directory: string;
  config: string;
  workflow: string;
  appVariable: string;
  /** The Node.js major it is built and run with, when the template says. */
  node: string | undefined;
}

/** What deploys, as the templates' manifests say: the checks know no template by name. */
export function deployments(context: DoctorContext): Deployment[] {
  return context.units.flatMap((unit) => {
    const template = context.templateOf(unit);
    const deploy = template.deploy;
    if (!deploy) return [];
    const origin = `templates/${template.name}/template.json`;
    const render = (text: string) => renderString(text, unit.answers);
    return [
      {
        unit,
        directory: checkRelativePath(render(template.directory), origin),
        config: checkRelativePath(render(deploy.config), origin),
        workflow: checkRelativePath(render(deploy.workflow), origin),
        appVariable: render(deploy.appVariable),
        node: deploy.node === undefined ? undefined : render(deploy.node),
      },
    ];
  });
}

/** How this repository runs its generator, for the fixes: `npm run shipyard --`, `pnpm run shipyard`, … */
export const shipyardOf = (context: DoctorContext) => context.packageManager?.shipyard ?? "npm run shipyard --";

export const ok = (check: string, message: string): CheckResult => ({ check, status: "ok", message });
export const warning = (check: string, message: string, fix: string): CheckResult => ({ check, status: "warning", message, fix });
const error = (check: string, message: string, fix: string): CheckResult => ({ check, status: "error", message, fix });

export function run(command: string, args: string[], cwd: string): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 15_000 });
  return { ok: result.status === 0, output: `${result.stdout ?? ""}${result.stderr ?? ""}`.trim() };
}

/** The fields of a package.json the checks read. */
interface PackageJson {
  engines?: { node?: string; npm?: string };
  scripts?: Record<string, string>;
  packages?: Record<string, unknown>;
}

function readJson(tree: Tree, path: string): PackageJson | undefined {
  try {
    return JSON.parse(tree.read(path) ?? "") as PackageJson;
  } catch {
    return undefined;
  }
}

/** A file's text, or why it cannot be read (a link out of the repository, a folder): never its target's content. */
function readText(tree: Tree, path: string): { text: string | null } | { problem: string } {
  try {
    return { text: tree.read(path) };
  } catch (problem) {
    if (problem instanceof ShipyardError) return { problem: problem.message };
    throw problem;
  }
}

/** Minimum version of a `>=x.y` range (the form Shipyard's own engines use). */
function minimum(range: string | undefined): [number, number] | undefined {
  const match = range?.match(/>=\s*(\d+)(?:\.(\d+))?/);
  return match ? [Number(match[1]), Number(match[2] ?? 0)] : undefined;
}

const atLeast = (version: string, min: [number, number]) => {
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number);
  return major > min[0] || (major === min[0] && minor >= min[1]);
};

export function checkNode(context: DoctorContext): CheckResult[] {
  const generator = readJson(context.tree, "generators/package.json");
  const min = minimum(generator?.engines?.node);
  const local = process.versions.node;
  const results = [
    min && !atLeast(local, min)
      ? error(
          "node",
          `Node.js ${local} is older than Shipyard needs (${generator?.engines?.node}).`,
          "Install a current LTS from https://nodejs.org or with nvm.",
        )
      : ok("node", `Node.js ${local}`),
  ];
  const localMajor = Number(local.split(".")[0]);
  const majors = new Set(deployments(context).flatMap((deployment) => (deployment.node ? [Number(deployment.node)] : [])));
  const others = [...majors].filter((major) => major !== localMajor);
  if (others.length > 0) {
    results.push(
      warning(
        "node",
        `Packages are built and deployed with Node.js ${others.join(", ")}, this machine runs ${localMajor}: tests here may pass where production fails.`,
        `nvm install ${others[0]} && nvm use ${others[0]} (the repository's .nvmrc names the version).`,
      ),
    );
  }
  return results;
}

/** Node.js runs a .ts file (type stripping) without a flag from these versions on. */
const TYPE_STRIPPING: Array<[number, number]> = [
  [22, 18],
  [23, 6],
];
const stripsTypes = (version: string) => {
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number);
  return major > 23 || TYPE_STRIPPING.some(([from, fromMinor]) => major === from && minor >= fromMinor);
};

/**
 * Whether this Node.js can run the services' own scripts: `npm run dev` runs src/server.ts directly, which needs
 * type stripping. On an older Node.js it fails with ERR_UNKNOWN_FILE_EXTENSION and then waits for changes forever.
 */
export function checkServiceScripts(context: DoctorContext, nodeVersion: string = process.versions.node): CheckResult {
  const blocked: string[] = [];
  const majors = new Set<number>();
  for (const { unit, directory, node } of deployments(context)) {
    const scripts = readJson(context.tree, `${directory}/package.json`)?.scripts ?? {};
    const runsTs = Object.entries(scripts).filter(([, command]) => /\bnode\b[^&|;]*\s[^\s&|;]+\.[cm]?ts\b/.test(command));
    if (runsTs.length === 0) continue;
    if (node) majors.add(Number(node));
    blocked.push(`${unit.id} (${runsTs.map(([name]) => `npm run ${name}`).join(", ")})`);
  }
  if (blocked.length === 0 || stripsTypes(nodeVersion)) return ok("node-scripts", `Node.js ${nodeVersion} runs the services' scripts`);
  const major = majors.size ? Math.max(...majors) : 24;
  return error(
    "node-scripts",
    `Node.js ${nodeVersion} cannot run the TypeScript scripts of ${blocked.join(", ")}: running a .ts file needs Node.js 22.18 or later, and the services use Node.js ${[...majors].sort().join(", ")}.`,
    `nvm install ${major} && nvm use ${major} (.nvmrc names it), or install Node.js ${major} from https://nodejs.org, then run the command again.`,
  );
}

export function checkNpm(context: DoctorContext): CheckResult {
  const npm = run("npm", ["--version"], context.root);
  if (!npm.ok) return error("npm", "npm is not installed.", "It comes with Node.js: reinstall Node.js from https://nodejs.org.");
  const min = minimum(readJson(context.tree, "package.json")?.engines?.npm);
  if (min && !atLeast(npm.output, min))
    return error("npm", `npm ${npm.output} is older than the repository needs (>=${min.join(".")}).`, "npm install --global npm@latest");
  return ok("npm", `npm ${npm.output}`);
}

export function checkGit(context: DoctorContext): CheckResult {
  const git = run("git", ["--version"], context.root);
  if (!git.ok) return error("git", "git is not installed.", "Install git (https://git-scm.com), then: git init");
  const remote = run("git", ["remote", "-v"], context.root);
  if (!remote.ok) return warning("git", "This folder is not a git repository.", "git init && git add -A && git commit -m 'Start'");
  if (remote.output === "")
    return warning(
      "git",
      "No git remote: CI and deploys run on GitHub after a push.",
      "Create a GitHub repository, then: git remote add origin <url> && git push -u origin main",
    );
  return ok("git", `git remote: ${remote.output.split(/\s+/)[1]}`);
}

export function checkContainers(context: DoctorContext): CheckResult {
  for (const tool of ["docker", "podman"]) {
    const found = run(tool, ["--version"], context.root);
    if (found.ok) return ok("containers", found.output.split("\n")[0] as string);
  }
  return warning(
    "containers",
    "Neither docker nor podman found (optional: only to build service images locally).",
    "Install Docker Desktop or podman to run `docker build -f packages/<name>/Dockerfile .`.",
  );
}

/**
 * Whether the container engine answers, not only that its CLI is installed: with Docker's daemon stopped, or no
 * podman machine started (macOS, Windows), `docker build` fails although `docker --version` works.
 */
export function checkContainerEngine(context: DoctorContext): CheckResult | undefined {
  const silent: string[] = [];
  for (const tool of ["docker", "podman"]) {
    if (!run(tool, ["--version"], context.root).ok) continue;
    const info = spawnSync(tool, ["info"], { cwd: context.root, encoding: "utf8", timeout: 15_000, stdio: ["ignore", "ignore", "pipe"] });
    if (info.status === 0) {
      const others = silent.length ? ` (${silent.map((line) => line.split(":")[0]).join(", ")} installed, not answering)` : "";
      return ok("container-engine", `the ${tool} engine answers${others}`);
    }
    const why = `${info.stderr ?? ""}`.split("\n").find((line) => line.trim()) ?? (info.error ? info.error.message : "no output");
    silent.push(
      `${tool}: ${why
        .trim()
        .replace(/^Error:\s*/, "")
        .slice(0, 160)}`,
    );
  }
  if (silent.length === 0) return undefined;
  return warning(
    "container-engine",
    `The container engine does not answer, so images cannot be built here (${silent.join("; ")}).`,
    "Start it: Docker Desktop, or sudo systemctl start docker; podman: podman machine start (macOS, Windows), or see podman info.",
  );
}

export function checkCleverTools(context: DoctorContext): CheckResult {
  const clever = run("clever", ["version"], context.root);
  if (!clever.ok)
    return warning(
      "clever-tools",
      "clever-tools not installed (optional: CI deploys without it).",
      "npm install --global clever-tools@4, then: clever login",
    );
  const credentials = join(homedir(), ".config", "clever-cloud", "clever-tools.json");
  if (!existsSync(credentials) && !(context.env.CLEVER_TOKEN && context.env.CLEVER_SECRET)) {
    return warning("clever-tools", `clever-tools ${clever.output} is not logged in.`, "clever login");
  }
  return ok("clever-tools", `clever-tools ${clever.output}, logged in`);
}

/** Every service has its deploy config and workflow, and the config is one Clever Cloud will honour. */
export function checkDeployConfigs(context: DoctorContext): CheckResult[] {
  const results: CheckResult[] = [];
  const rootEngines = readJson(context.tree, "package.json")?.engines?.node;
  if (rootEngines) {
    results.push(
      error(
        "deploy-config",
        `package.json at the root sets engines.node (${rootEngines}): on Clever Cloud it overrides every service's CC_NODE_VERSION.`,
        "Remove engines.node from the root package.json; each service pins its own.",
      ),
    );
  }
  for (const { unit, directory: dir, config, workflow } of deployments(context)) {
    const check = `deploy-config:${unit.id}`;
    const workflowText = readText(context.tree, workflow);
    if ("text" in workflowText && workflowText.text === null)
      results.push(
        error(check, `${workflow} is missing: ${unit.id} is never tested or deployed.`, `${shipyardOf(context)} update --restore ${workflow}`),
      );
    const envFile = readText(context.tree, config);
    if ("problem" in envFile) {
      results.push(
        error(check, envFile.problem, `Make ${config} a plain file (${shipyardOf(context)} update --restore ${config} after deleting it).`),
      );
      continue;
    }
    if (envFile.text === null) {
      results.push(
        error(check, `${config} is missing: the deploy would use Clever Cloud's defaults.`, `${shipyardOf(context)} update --restore ${config}`),
      );
      continue;
    }
    let variables: CleverVariable[];
    try {
      variables = parseCleverEnv(envFile.text);
    } catch (problem) {
      results.push(error(check, `${config}: ${(problem as Error).message}.`, "One NAME=value per line; # starts a comment."));
      continue;
    }
    const problems: CheckResult[] = [];
    for (const variable of undocumentedVariables(variables)) {
      const hint =
        variable.name === "CC_APP_FOLDER"
          ? "The documented variable is APP_FOLDER; in a workspace repository leave it unset (install at the root)."
          : "Check the name in https://www.clever.cloud/developers/doc/reference/reference-environment-variables/";
      problems.push(error(check, `${config} line ${variable.line}: ${variable.name} is not a documented Clever Cloud variable.`, hint));
    }
    if (buildsBeforeInstall(variables)) {
      problems.push(error(check, `${config}: CC_PRE_BUILD_HOOK builds before dependencies are installed.`, "Build in CC_POST_BUILD_HOOK instead."));
    }
    const packageJson = readJson(context.tree, `${dir}/package.json`);
    const engines = pinnedMajor(packageJson?.engines?.node);
    // The deploy applies every line in order: a name set twice ends with its last value.
    const nodeVersion = variables.findLast((variable) => variable.name === "CC_NODE_VERSION")?.value;
    if (nodeVersion && engines !== undefined && Number.parseInt(nodeVersion, 10) !== engines) {
      problems.push(
        error(
          check,
          `${dir}: CC_NODE_VERSION=${nodeVersion} disagrees with engines.node ${packageJson?.engines?.node}: Clever Cloud would run another Node.js than CI tests and the image ships.`,
          "Make them the same major.",
        ),
      );
    }
    const names = variables.map((variable) => variable.name);
    const repeated = [...new Set(names.filter((name, index) => names.indexOf(name) !== index))];
    if (repeated.length > 0) {
      problems.push(warning(check, `${config} sets ${repeated.join(", ")} more than once: the last line wins.`, "Keep one line per variable."));
    }
    if (packageJson?.engines?.node && engines === undefined) {
      problems.push(
        warning(
          check,
          `${dir}: engines.node "${packageJson.engines.node}" is open-ended: Clever Cloud then picks the newest Node.js.`,
          'Pin a major, e.g. "24.x".',
        ),
      );
    }
    results.push(...(problems.length ? problems : [ok(check, `${unit.id}: deploy config and workflow present and consistent`)]));
  }
  return results;
}

/**
 * Every generated package is in the lockfile. The frozen installs CI and Clever Cloud run (`npm ci`,
 * `pnpm install --frozen-lockfile`, …) refuse a lockfile out of sync with the workspaces: a package added without
 * an install makes the first push red. The manager's entry says what its lockfile holds for a workspace folder.
 */
export function checkLockfile(context: DoctorContext): CheckResult {
  const manager = context.packageManager;
  const lockfile = manager?.lockfile ?? "package-lock.json";
  const install = manager?.install ?? "npm install";
  const frozen = manager?.frozenInstall ?? "npm ci";
  const text = context.tree.read(lockfile);
  if (text === null)
    return error(
      "lockfile",
      `${lockfile} is missing: CI and Clever Cloud install with ${frozen}, which needs it.`,
      `${install}, then commit ${lockfile}`,
    );
  // Each package's folder as its template places it (the root unit is the repository itself, never a workspace).
  const folderOf = (unit: Unit) => renderString(context.templateOf(unit).directory, unit.answers);
  const pattern = manager?.lockfileWorkspace;
  let listed: (folder: string) => boolean;
  if (pattern) listed = (folder) => text.includes(pattern.replaceAll("<folder>", folder));
  else {
    const packages = readJson(context.tree, lockfile)?.packages;
    listed = (folder) => Boolean(packages?.[folder]);
  }
  const missing = context.units.filter((unit) => !isRootUnit(unit.id) && !listed(folderOf(unit))).map((unit) => unit.id);
  if (missing.length > 0)
    return error("lockfile", `${lockfile} does not know ${missing.join(", ")}: ${frozen} in CI will fail.`, `${install}, then commit ${lockfile}`);
  return ok("lockfile", `${lockfile} lists every generated package`);
}

/**
 * Two packages deploying to the same app would overwrite each other on every push. Each workflow's `vars.<X>` that
 * reads like a deploy variable (the manifest's appVariable up to its first answer: CLEVER_APP_ID_) is collected.
 */
export function checkAppVariables(context: DoctorContext): CheckResult {
  const owners = new Map<string, string[]>();
  const all = deployments(context);
  for (const { unit, workflow: path } of all) {
    const template = context.templateOf(unit).deploy?.appVariable ?? "";
    const prefix = template.slice(0, template.includes("{{") ? template.indexOf("{{") : undefined);
    const workflow = readText(context.tree, path);
    if (!("text" in workflow) || workflow.text === null || prefix === "") continue;
    for (const match of workflow.text.matchAll(new RegExp(`vars\\.(${prefix}\\w*)`, "g"))) {
      const name = match[1] as string;
      owners.set(name, [...new Set([...(owners.get(name) ?? []), unit.id])]);
    }
  }
  const shared = [...owners].filter(([, users]) => users.length > 1);
  if (shared.length > 0) {
    const [name, users] = shared[0] as [string, string[]];
    return error(
      "app-variables",
      `Packages ${users.join(" and ")} deploy to the same Clever Cloud app (vars.${name}).`,
      "Give each package its own deploy variable in its workflow (the template's deploy.appVariable).",
    );
  }
  return ok("app-variables", `${all.length} packages, each with its own Clever Cloud app variable`);
}

/** Managed files agree with templates/ (the `update --check` of CI), and no conflict is left unresolved. */
export function checkTemplatesInSync(context: DoctorContext): CheckResult {
  let plan: ReturnType<typeof planUpdate>;
  try {
    plan = planUpdate(diskPlanInput(context.tree, { units: context.units }));
  } catch (problem) {
    if (problem instanceof ShipyardError)
      return error("templates", problem.message, problem.hint ?? `${shipyardOf(context)} update --dry-run tells more.`);
    throw problem;
  }
  const markers = plan.files.filter((file) => file.kind !== "seed" && hasConflictMarkers(context.tree.read(file.path) ?? ""));
  if (markers.length > 0)
    return error(
      "templates",
      `Unresolved conflict markers in ${markers.map((file) => file.path).join(", ")}.`,
      "Edit the files to keep what you want, remove the <<<<<<< ======= >>>>>>> lines, then commit.",
    );
  const pending = plan.files.filter(needsAction);
  if (pending.length > 0)
    return warning(
      "templates",
      `${pending.length} managed files differ from templates/: ${pending
        .slice(0, 5)
        .map((file) => `${file.path} (${file.outcome})`)
        .join(", ")}.`,
      `${shipyardOf(context)} update --dry-run, then ${shipyardOf(context)} update`,
    );
  return ok("templates", `${plan.files.length} managed files in sync with templates/`);
}
