import { renderString } from "../engine/render.js";
import type { FileWrite } from "../engine/transaction.js";
import { ShipyardError } from "../errors.js";
import { repositoryCommands } from "../package-managers.js";
import { applyToTree, commit } from "../state/apply.js";
import { type FileDiff, pendingDiffs } from "../state/diffs.js";
import { uncommittedPaths } from "../state/dirty.js";
import { dependentsOf, deployVariables, findPackage, folderFiles, templateLoader } from "../state/packages.js";
import { basePath, readUnits, type Unit, unitRecordWrite } from "../state/store.js";
import { openRepository, repoTemplatesDir } from "../workspace.js";

export interface RemoveOptions {
  cwd: string;
  name: string;
  dryRun: boolean;
  /** Also delete files the user added to the package folder that are not committed. */
  force: boolean;
  /** Also give the unified diff of every file it deletes (or would delete). */
  diff?: boolean;
}

export interface RemoveResult {
  name: string;
  directory: string;
  /** Files of the package deleted (managed or seed), outside .shipyard/. */
  removed: string[];
  /** Files in the package folder Shipyard did not generate: deleted too, and listed so nobody is surprised. */
  userFiles: string[];
  /** Shipyard's own state deleted: the record and merge bases. */
  state: string[];
  /** Repository variables the package's deploy read (to delete on GitHub). */
  variables: string[];
  /** The repository's install and lockfile: what to run next. */
  install: string;
  lockfile: string;
  written: boolean;
  diffs?: FileDiff[];
}

/**
 * `shipyard remove <package>`: the package folder (everything in it), the files it manages elsewhere (its
 * workflow), its record and its merge bases, in one transaction. Refused while another package uses it, and, without
 * --force, when the folder holds uncommitted work (which git could not bring back).
 */
export function remove(options: RemoveOptions): RemoveResult {
  const { root, tree } = openRepository(options.cwd, { readOnly: options.dryRun });
  const units = readUnits(tree);
  const unit = findPackage(units, options.name);
  const templateOf = templateLoader(repoTemplatesDir(root));
  const users = dependentsOf(units, unit.id, templateOf);
  if (users.length > 0) {
    const names = users.map((user) => user.id).join(", ");
    throw new ShipyardError(
      "USAGE",
      `${unit.id} is used by ${names}: nothing was removed.`,
      `Remove it from what they use first (${repositoryCommands(repoTemplatesDir(root), units).shipyard} set <answer>=… --in ${users[0]?.id}).`,
    );
  }
  const template = templateOf(unit);
  const directory = renderString(template.directory, unit.answers);
  const { kept, ignored } = folderFiles(root, directory);
  const managed = Object.keys(unit.files);
  const userFiles = kept.filter((path) => !(path in unit.files));
  const dirty = uncommittedPaths(root, [directory]);
  if (dirty.length > 0 && !options.force) {
    throw new ShipyardError(
      "DIRTY_FILES",
      `Uncommitted changes in ${directory}: ${dirty.join(", ")}.`,
      "Commit them (git can bring them back), or pass --force to delete them too.",
    );
  }
  const outside = managed.filter((path) => !path.startsWith(`${directory}/`) && tree.read(path) !== null);
  const removed = [...new Set([...kept, ...outside])].sort();
  const state = [
    unitRecordWrite(unit.id, unit).path,
    ...managed
      .filter((path) => unit.files[path] !== "seed")
      .map(basePath)
      .filter((path) => tree.read(path) !== null),
  ];
  const result = {
    name: unit.id,
    directory,
    removed,
    userFiles,
    state,
    variables: deployVariables(template, unit.answers),
    ...installOf(repoTemplatesDir(root), units),
    written: false,
  };
  const writes: FileWrite[] = [...removed, ...ignored, ...state].map((path) => ({ path, content: null }));
  // The whole folder goes: with --force its uncommitted work was accepted above.
  applyToTree(tree, writes);
  // Build output (ignored files) is not shown: it is not the user's to review.
  const diffs = options.diff ? pendingDiffs(tree).filter((file) => !ignored.includes(file.path)) : undefined;
  if (options.dryRun) return { ...result, ...(diffs ? { diffs } : {}) };
  const { written } = commit(tree, {
    command: "remove",
    allowDirty: options.force,
    changes: removed.map((path) => ({ path, unit: unit.id, outcome: "removed" })),
  });
  return { ...result, written, ...(diffs ? { diffs } : {}) };
}

function installOf(templatesDir: string, units: Unit[]): { install: string; lockfile: string } {
  const { install, lockfile } = repositoryCommands(templatesDir, units);
  return { install, lockfile };
}
