import { type CheckResult, checkAppVariables, checkCleverTools, checkContainerEngine, checkContainers, checkDeployConfigs, checkGit, checkLockfile, checkNode, checkNpm, checkServiceScripts, checkTemplatesInSync } from "../doctor/checks.js";
import { checkInterruptedRun } from "../doctor/interrupted.js";
import { Tree } from "../engine/tree.js";
import { readUnits } from "../state/store.js";
import { findRepoRoot } from "../workspace.js";

export interface DoctorResult {
  checks: CheckResult[];
  errors: number;
  warnings: number;
}

/** Runs every check, in the order a newcomer would fix things: tools first, then the repository. */
export function doctor(cwd: string, options: { nodeVersion?: string } = {}): DoctorResult {
  const root = findRepoRoot(cwd);
  const tree = new Tree(root);
  const context = { root, tree, units: readUnits(tree), env: process.env };
  const checks = [
    ...checkNode(context),
    checkServiceScripts(context, options.nodeVersion),
    checkNpm(context),
    checkGit(context),
    checkContainers(context),
    ...[checkContainerEngine(context)].filter((check): check is CheckResult => check !== undefined),
    checkCleverTools(context),
    checkLockfile(context),
    ...checkDeployConfigs(context),
    checkAppVariables(context),
    checkTemplatesInSync(context),
    checkInterruptedRun(context),
  ];
  return {
    checks,
    errors: checks.filter((check) => check.status === "error").length,
    warnings: checks.filter((check) => check.status === "warning").length,
  };
}
