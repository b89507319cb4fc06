import { validatePackageNameAnswer } from "../engine/answers.js";
import { renderString, renderTemplate } from "../engine/render.js";
import { loadTemplate } from "../engine/template.js";
import type { FileWrite } from "../engine/transaction.js";
import { ShipyardError } from "../errors.js";
import { recordedPackageManager } from "../package-managers.js";
import { applyToTree, commit } from "../state/apply.js";
import { type FileDiff, pendingDiffs } from "../state/diffs.js";
import { dependentsOf, deployVariables, findPackage, folderFiles, templateLoader } from "../state/packages.js";
import { renameReferences } from "../state/references.js";
import { basePath, readConfig, readUnits, templateOfUnit, type Unit, unitRecordWrite } from "../state/store.js";
import { diskPlanInput, type FileOutcome, planUpdate } from "../state/update-plan.js";
import { generatorVersion, openRepository, repoTemplatesDir } from "../workspace.js";

export interface RenameOptions {
  cwd: string;
  from: string;
  to: string;
  dryRun: boolean;
  allowDirty: boolean;
  /** Also give the unified diff of every file it changes (or would change); a moved file is one diff. */
  diff?: boolean;
}

export interface RenameResult {
  from: string;
  to: string;
  /** Files moved (their merge bases move with them). */
  moved: Array<{ from: string; to: string }>;
  /** Sources of the packages that use it whose imports of the old package name were rewritten. */
  imports: string[];
  /** The re-render of the renamed package and of the packages that use it (package name, dependencies, paths). */
  files: FileOutcome[];
  conflicts: FileOutcome[];
  /** Repository variables to rename on GitHub (the deploy reads the new one). */
  variables: Array<{ from: string; to: string }>;
  written: boolean;
  diffs?: FileDiff[];
}

const SOURCE_FILE = /\/(src|test)\/.*\.[cm]?tsx?$/;

/**
 * `shipyard rename <old> <new>`: the package's files move to the new folder (bases with them), then the package and
 * the packages that use it are re-rendered through the update planner on top of the move, so the package name,
 * workflow, deploy variable, dependencies and CI path filters change with the user's edits merged in. Imports of
 * the old package name in the users' sources (seed files, which no template re-renders) are rewritten. One
 * transaction.
 */
export function rename(options: RenameOptions): RenameResult {
  const { root, tree } = openRepository(options.cwd, { readOnly: options.dryRun });
  const { scope } = readConfig(tree);
  const units = readUnits(tree);
  const unit = findPackage(units, options.from);
  const to = validatePackageNameAnswer(options.to, scope, "<new-name>");
  if (to === unit.id) throw new ShipyardError("USAGE", `${unit.id} is already called ${to}.`);
  const templatesDir = repoTemplatesDir(root);
  const template = templateOfUnit(unit, loadTemplate, templatesDir);
  const answers = { ...unit.answers, name: to };
  const oldDir = renderString(template.directory, unit.answers);
  const newDir = renderString(template.directory, answers);
  if (units.some((other) => other.id === to) || tree.exists(newDir)) {
    throw new ShipyardError("ALREADY_EXISTS", `${newDir} (or a package named ${to}) already exists: choose another name.`);
  }

  // 1. move: every file of the folder, and the files the package manages elsewhere (its workflow) to the path
  //    the template gives them under the new name.
  const disk = tree;
  const context = { scope, shipyardVersion: generatorVersion(), packageManager: recordedPackageManager(units) };
  const oldPaths = renderTemplate(template, unit.answers, context).map((file) => file.path);
  const newPaths = renderTemplate(template, answers, context).map((file) => file.path);
  const target = new Map(oldPaths.map((path, index) => [path, newPaths[index] as string]));
  const newPath = (path: string) => target.get(path) ?? `${newDir}${path.slice(oldDir.length)}`;
  const { kept, ignored } = folderFiles(root, oldDir);
  const sources = [...new Set([...kept, ...Object.keys(unit.files).filter((path) => disk.read(path) !== null)])].sort();
  const moves: FileWrite[] = [];
  const moved: RenameResult["moved"] = [];
  const move = (from: string, dest: string) => {
    moves.push({ path: from, content: null }, { path: dest, content: disk.read(from) });
  };
  for (const path of sources) {
    move(path, newPath(path));
    moved.push({ from: path, to: newPath(path) });
  }
  for (const path of ignored) moves.push({ path, content: null }); // build output: rebuilt under the new name
  for (const [path, kind] of Object.entries(unit.files))
    if (kind !== "seed" && disk.read(basePath(path)) !== null) move(basePath(path), basePath(newPath(path)));
  moves.push({ path: unitRecordWrite(unit.id, unit).path, content: null });

  // 2. the packages that use it: their recorded answer, and the imports in their sources.
  const oldName = new RegExp(`(["'])@${`${scope}/${unit.id}`.replace(/[.]/g, "\\.")}(?=["'/])`, "g");
  const templateOf = templateLoader(templatesDir);
  const users = dependentsOf(units, unit.id, templateOf).map(
    (user): Unit => ({ ...user, answers: renameReferences(templateOf(user), user.answers, unit.id, to) }),
  );
  const importEdits: FileWrite[] = [];
  for (const user of users) {
    const userDir = renderString(templateOf(user).directory, user.answers);
    for (const path of folderFiles(root, userDir).kept.filter((file) => SOURCE_FILE.test(file))) {
      const text = disk.read(path) ?? "";
      const edited = text.replace(oldName, `$1@${scope}/${to}`);
      if (edited !== text) importEdits.push({ path, content: edited });
    }
  }

  // 3. re-render on top of the move: the renamed unit with its files' new paths, and its users.
  const renamed: Unit = {
    ...unit,
    id: to,
    answers,
    files: Object.fromEntries(Object.entries(unit.files).map(([path, kind]) => [newPath(path), kind])),
  };
  const oldVariables = deployVariables(template, unit.answers);
  applyToTree(tree, [...moves, ...importEdits]);
  const plan = planUpdate(diskPlanInput(tree, { units: [renamed, ...users] }));
  applyToTree(tree, plan.writes);
  const newVariables = deployVariables(template, answers);
  const result: RenameResult = {
    from: unit.id,
    to,
    moved,
    imports: importEdits.map((write) => write.path),
    files: plan.files,
    conflicts: plan.files.filter((file) => file.outcome === "conflict"),
    variables: oldVariables.map((from, index) => ({ from, to: newVariables[index] ?? from })),
    written: false,
  };
  const diffs = options.diff
    ? pendingDiffs(tree, new Map(moved.map((move) => [move.to, move.from]))).filter((file) => !ignored.includes(file.path))
    : undefined;
  if (diffs) result.diffs = diffs;
  const { written } = commit(tree, { command: "rename", dryRun: options.dryRun, allowDirty: options.allowDirty, changes: plan.files });
  return { ...result, written };
}
