import { describeOwner, isAlive, readOwner } from "../engine/lock.js";
import { findLeftovers, STAGING_DIR } from "../engine/transaction.js";
import { type CheckResult, type DoctorContext, shipyardOf } from "./checks.js";

/**
 * A Shipyard command killed half way leaves its journal (and maybe its lock): the files it had moved into place are
 * mixed old and new until the next writing command rolls them back. Say so, and how to clear it.
 */
export function checkInterruptedRun(context: DoctorContext): CheckResult {
  const check = "interrupted";
  let staging: string;
  try {
    staging = context.tree.diskPath(STAGING_DIR, "the staging folder");
  } catch (problem) {
    return {
      check,
      status: "error",
      message: (problem as Error).message,
      fix: `Make node_modules a folder of this repository (rm node_modules, then ${context.packageManager?.install ?? "npm install"}).`,
    };
  }
  const owner = readOwner(`${staging}/lock`);
  if (owner && isAlive(owner)) return { check, status: "ok", message: `another shipyard command is running (${describeOwner(owner)})` };
  const leftovers = findLeftovers(context.root, STAGING_DIR).filter((leftover) => leftover.journal);
  if (leftovers.length === 0) return { check, status: "ok", message: "no interrupted Shipyard command left anything behind" };
  const [first] = leftovers;
  const what = first?.owner ? `\`${first.owner.command}\` (${describeOwner(first.owner)})` : "Shipyard command";
  return {
    check,
    status: "error",
    message: `An interrupted ${what} left files half written (its journal is in ${STAGING_DIR}).`,
    fix: `Run any writing command, e.g. \`${shipyardOf(context)} update\`: it rolls the interrupted one back first and says so.`,
  };
}
