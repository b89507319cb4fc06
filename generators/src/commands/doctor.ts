import { type CheckResult, checkAppVariables, checkCleverTools, checkContainers, checkDeployConfigs, checkGit, checkLockfile, checkNode, checkNpm, checkTemplatesInSync } from "../doctor/checks.js";
import { readUnits } from "../state/store.js";
import { findRepoRoot } from "../workspace.js";

export interface DoctorResult {
  checks: CheckResult[];
  errors: number;
  warnings: number;
}

/** Runs every check, in the order a newcomer would fix things: tools first, then the repository. */
export function doctor(cwd: string): DoctorResult {
  const root = findRepoRoot(cwd);
  const context = { root, units: readUnits(root), env: process.env };
  const checks = [
    ...checkNode(context),
    checkNpm(context),
    checkGit(context),
    checkContainers(context),
    checkCleverTools(context),
    checkLockfile(context),
    ...checkDeployConfigs(context),
    checkAppVariables(context),
    checkTemplatesInSync(context),
  ];
  return {
    checks,
    errors: checks.filter((check) => check.status === "error").length,
    warnings: checks.filter((check) => check.status === "warning").length,
  };
}
