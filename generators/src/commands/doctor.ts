import {
  type CheckResult,
  checkAppVariables,
  checkCleverTools,
  checkContainerEngine,
  checkContainers,
  checkDeployConfigs,
  checkGit,
  checkLockfile,
  checkNode,
  checkNpm,
  checkServiceScripts,
  checkTemplatesInSync,
} from "../doctor/checks.js";
import { checkInterruptedRun } from "../doctor/interrupted.js";
import { checkPackageManager } from "../doctor/package-manager.js";
import { checkDeployTargets } from "../doctor/targets.js";
import { packageManagerFields } from "../engine/render.js";
import { loadTemplate, type Template } from "../engine/template.js";
import { Tree } from "../engine/tree.js";
import { recordedPackageManager } from "../package-managers.js";
import { isRootUnit, readUnits, templateOfUnit, type Unit } from "../state/store.js";
import { findRepoRoot, repoTemplatesDir } from "../workspace.js";

export interface DoctorResult {
  checks: CheckResult[];
  errors: number;
  warnings: number;
}

/** Runs every check, in the order a newcomer would fix things: tools first, then the repository. */
export function doctor(cwd: string, options: { nodeVersion?: string } = {}): DoctorResult {
  const root = findRepoRoot(cwd);
  const tree = new Tree(root);
  const templates = new Map<string, Template>();
  const templateOf = (unit: Unit): Template => {
    let template = templates.get(unit.template);
    if (!template) {
      template = templateOfUnit(unit, loadTemplate, repoTemplatesDir(root));
      templates.set(unit.template, template);
    }
    return template;
  };
  const units = readUnits(tree);
  // A broken manifest is one line naming it, before any check runs (as for a broken record).
  for (const unit of units) templateOf(unit);
  // The root's template renders the table's entries (their versions filled in), as it does for its files.
  const rootUnit = units.find((unit) => isRootUnit(unit.id));
  const rootTemplate = rootUnit ? templateOf(rootUnit) : undefined;
  const table = rootTemplate?.packageManagers;
  const managerName = table ? (recordedPackageManager(units) ?? table.default) : undefined;
  const fields = (name: string) => (rootTemplate && table?.managers[name] ? packageManagerFields(rootTemplate, name) : undefined);
  const packageManager = managerName ? fields(managerName) : undefined;
  const context = { root, tree, units, env: process.env, templateOf, packageManager };
  const checks = [
    ...checkNode(context),
    checkServiceScripts(context, options.nodeVersion),
    checkNpm(context),
    checkGit(context),
    checkContainers(context),
    ...[checkContainerEngine(context)].filter((check): check is CheckResult => check !== undefined),
    checkCleverTools(context),
    checkLockfile(context),
    ...(table && managerName ? checkPackageManager(tree, { names: Object.keys(table.managers), fields, name: managerName }, context.env) : []),
    ...checkDeployConfigs(context),
    checkAppVariables(context),
    ...checkDeployTargets(context),
    checkTemplatesInSync(context),
    checkInterruptedRun(context),
  ];
  return {
    checks,
    errors: checks.filter((check) => check.status === "error").length,
    warnings: checks.filter((check) => check.status === "warning").length,
  };
}
