import { resolveRecordedAnswers } from "../engine/answers.js";
import { type PlannedFile, type RenderContext, renderTemplate } from "../engine/render.js";
import type { FileKind, Template } from "../engine/template.js";
import { loadTemplate } from "../engine/template.js";
import type { FileWrite } from "../engine/transaction.js";
import type { Tree as RepositoryTree, ReadableTree as Tree } from "../engine/tree.js";
import { ShipyardError } from "../errors.js";
import { commandsOf, recordedPackageManager } from "../package-managers.js";
import { generatorVersion, repoTemplatesDir } from "../workspace.js";
import { conflictLabels, hasConflictMarkers } from "./merge/markers.js";
import { mergeFile } from "./merge/structured.js";
import { basePath, type RepoConfig, ROOT_UNIT, readConfig, readUnits, templateOfUnit, type Unit, unitRecordWrite } from "./store.js";

/**
 * The update algorithm, in one place. Every generated unit (a package, or the monorepo's root files) is
 * re-rendered from the repository's current templates with its recorded answers, and each of its files is
 * reconciled with what is on disk, using the content Shipyard last wrote (the base) as the common ancestor.
 * Unlike copier, the old template version is never needed: the base is stored in .shipyard/base/.
 *
 *   1. read      the state: repository config, the units, their answers
 *   2. render    each unit from the current templates (answers new to a template take their defaults)
 *   3. reconcile each file: base, the user's current file and the new render -> one outcome (table below)
 *   4. collect   the writes: new file contents, new bases, updated unit records — nothing is written here
 *
 *   outcome      when                                            file on disk             base
 *   unchanged    current = new                                   kept                     = new
 *   created      new file in the template, absent on disk        new                      = new
 *   updated      current = base (no user edit)                   new                      = new
 *   merged       user and template changed different places      merge                    = new
 *   conflict     both changed the same place                     merge with markers       = new
 *   unresolved   the file still holds conflict markers           kept                     unchanged
 *   customized   user edit, template unchanged (or owned file)   kept                     unchanged
 *   deleted      the user deleted a managed file                 kept deleted             unchanged
 *   restored     deleted, and named by --restore                 new                      = new
 *   removed      the template dropped the file, no user edit     deleted                  dropped
 * Seed files are written when missing from disk and state, and never touched by a template change after that.
 *
 * An answer change (`set`, `use`) is different: the user asked for it, and a seed may depend on the answer (a
 * service's app.ts wires its database only with database=postgres, server.ts defaults to its port). For those
 * units the caller gives the answers as they were (`previous`), and each seed file is reconciled against the
 * render of the SAME templates with the OLD answers as its base: the merge then carries exactly what the answer
 * changes into the user's file, and nothing else (a seed never takes unrelated template changes):
 *
 *   seed outcome   when                                                file on disk
 *   unchanged      the answer does not change this file's render, or the file already is the new render
 *   updated        the file is still the old render (no user edit)     the new render
 *   merged/conflict the user edited it                                 three-way merge (markers where both changed)
 *   customized     the merge conflicts and the user rewrote the file   kept (under half the old render's lines left)
 *   created        new with the answer, absent on disk                 the new render
 *   removed        dropped by the answer, still the old render         deleted
 *   customized     dropped by the answer, edited by the user           kept
 * Seeds keep no base on record: the old answers' render is the base, so repositories made before this rule need
 * nothing new.
 */
export type Outcome = "unchanged" | "created" | "updated" | "merged" | "conflict" | "unresolved" | "customized" | "deleted" | "restored" | "removed";

export interface FileOutcome {
  unit: string;
  path: string;
  kind: FileKind;
  outcome: Outcome;
  conflicts?: number;
}

export interface UpdatePlan {
  root: string;
  files: FileOutcome[];
  writes: FileWrite[];
}

export interface PlanInput {
  root: string;
  /** The working tree as the plan should see it. */
  tree: Tree;
  config: RepoConfig;
  units: Unit[];
  templatesDir: string;
  /** Paths of user-deleted files to bring back. */
  restore: string[];
  version: string;
  /** The repository's package manager, which every unit renders for; unset: the root unit's answer in `units`. */
  packageManager?: string | undefined;
  /** For units whose answers this plan changes: their answers before the change (seed files follow them; see above). */
  previous?: ReadonlyMap<string, Unit["answers"]>;
}

/** Outcomes that need the user or a write: what `--check` fails on (with drift in owned files and state writes). */
export function needsAction(file: FileOutcome): boolean {
  if (file.outcome === "customized") return file.kind === "owned";
  return !["unchanged", "deleted"].includes(file.outcome);
}

/** The plan's input for the repository as it is on disk, with its own templates (update, use, doctor). */
export function diskPlanInput(
  tree: RepositoryTree,
  options: { restore?: string[]; units?: Unit[]; previous?: ReadonlyMap<string, Unit["answers"]> } = {},
): PlanInput {
  const units = options.units ?? readUnits(tree);
  // A plan of some units only (use, set, rename) renders them for the manager the root records on disk.
  const packageManager = recordedPackageManager(units) ?? (options.units ? recordedPackageManager(readUnits(tree)) : undefined);
  return {
    ...(options.previous ? { previous: options.previous } : {}),
    root: tree.root,
    tree,
    config: readConfig(tree),
    units,
    templatesDir: repoTemplatesDir(tree.root),
    restore: options.restore ?? [],
    version: generatorVersion(),
    packageManager,
  };
}

interface Reconciled {
  outcome: FileOutcome;
  /** New content for the file (null deletes it); undefined leaves it alone. */
  content?: string | null;
  /** The merge base on record, and the one to record after this update (owned and merged files only). */
  oldBase: string | null;
  newBase: string;
}

// 3. reconcile: one file. Each file and its base are read once.
function reconcile(tree: Tree, unit: string, file: PlannedFile, recorded: boolean, options: PlanInput, before?: Map<string, string>): Reconciled {
  const current = tree.read(file.path);
  const base = file.kind === "seed" ? null : tree.read(basePath(file.path));
  // newBase: what the file now holds from the template's side; unset keeps the base on record.
  const result = (outcome: Outcome, content?: string | null, newBase?: string, conflicts?: number): Reconciled => ({
    outcome: { unit, path: file.path, kind: file.kind, outcome, ...(conflicts ? { conflicts } : {}) },
    content,
    oldBase: base,
    newBase: newBase ?? base ?? file.content,
  });
  if (file.kind === "seed") {
    if (current === null && !recorded) return result("created", file.content);
    const old = before?.get(file.path);
    // Not an answer change, or one this file does not depend on: the seed is the user's.
    if (old === undefined || current === null || old === file.content || current === file.content) return result("unchanged");
    if (current === old) return result("updated", file.content);
    if (hasConflictMarkers(current)) return result("unresolved");
    const merged = mergeFile(file.path, old, current, file.content, conflictLabels(file.path, options.version));
    if (merged.conflicts === 0) return result("merged", merged.content);
    // A seed the user rewrote (their own README) is theirs: markers in it would only be noise. One still mostly the
    // template's (an app.ts with a route changed) gets them, so what the answer needs there is not silently lost.
    return rewritten(old, current) ? result("customized") : result("conflict", merged.content, undefined, merged.conflicts);
  }
  if (current === null) {
    if (!recorded) return result("created", file.content, file.content);
    if (options.restore.includes(file.path)) return result("restored", file.content, file.content);
    return result("deleted");
  }
  // Markers left from an earlier conflict: merging again would bury them; the user resolves them first.
  if (hasConflictMarkers(current)) return result("unresolved");
  if (current === file.content) return result("unchanged", undefined, file.content);
  if (base === null || file.kind === "owned") {
    // No base (an unmanaged file in the way) or an edited owned file: never overwrite, report it.
    return result(
      current === base ? "updated" : "customized",
      current === base ? file.content : undefined,
      current === base ? file.content : undefined,
    );
  }
  if (current === base) return result("updated", file.content, file.content);
  if (file.content === base) return result("customized");
  const merged = mergeFile(file.path, base, current, file.content, conflictLabels(file.path, options.version));
  return result(merged.conflicts > 0 ? "conflict" : "merged", merged.content, file.content, merged.conflicts);
}

/** Fewer than half of the old render's non-blank lines are still in the file: the user rewrote it. */
function rewritten(old: string, current: string): boolean {
  const left = new Map<string, number>();
  for (const line of current.split("\n")) left.set(line.trim(), (left.get(line.trim()) ?? 0) + 1);
  let total = 0;
  let kept = 0;
  for (const line of old.split("\n")) {
    const key = line.trim();
    if (key === "") continue;
    total++;
    const count = left.get(key) ?? 0;
    if (count > 0) {
      kept++;
      left.set(key, count - 1);
    }
  }
  return kept * 2 < total;
}

function renderUnit(templates: Map<string, Template>, templatesDir: string, unit: Unit, context: RenderContext) {
  let template = templates.get(unit.template);
  if (!template) {
    template = templateOfUnit(unit, loadTemplate, templatesDir);
    templates.set(unit.template, template);
  }
  try {
    const shipyardCommand = () => commandsOf(template.packageManagers, context.packageManager).shipyard;
    const answers = resolveRecordedAnswers(template, unit.id, unit.answers, context.scope, shipyardCommand);
    return { answers, rendered: renderTemplate(template, answers, context) };
  } catch (error) {
    // A broken record names its file already; anything else from the template is told which unit it was rendering.
    if (error instanceof ShipyardError && error.code !== "BROKEN_STATE")
      throw new ShipyardError(error.code, `${unit.id}: ${error.message}`, error.hint);
    throw error;
  }
}

export function planUpdate(input: PlanInput): UpdatePlan {
  // 1. read (the caller gives the state: from disk for update, migrated in memory for upgrade)
  const { root, tree, config, units, templatesDir } = input;
  const templates = new Map<string, Template>();
  const files: FileOutcome[] = [];
  const writes: FileWrite[] = [];
  const context: RenderContext = {
    scope: config.scope,
    shipyardVersion: input.version,
    packageManager: input.packageManager ?? recordedPackageManager(units),
  };
  // The old answers' render sees the old package manager too: every unit's seeds (a README's commands) follow a switch.
  const previousRoot = input.previous?.get(ROOT_UNIT);
  const previousContext: RenderContext = previousRoot
    ? { ...context, packageManager: recordedPackageManager([{ id: ROOT_UNIT, answers: previousRoot }]) }
    : context;
  for (const unit of units) {
    // 2. render
    const { answers, rendered } = renderUnit(templates, templatesDir, unit, context);
    const previous = input.previous?.get(unit.id);
    // The seeds as the old answers render them: the base of an answer change (see above).
    const before = previous
      ? new Map(
          renderUnit(templates, templatesDir, { ...unit, answers: previous }, previousContext)
            .rendered.filter((file) => file.kind === "seed")
            .map((file) => [file.path, file.content]),
        )
      : undefined;
    const keptPaths = new Set<string>();
    for (const file of rendered) {
      // 3. reconcile
      const step = reconcile(tree, unit.id, file, file.path in unit.files, input, before);
      files.push(step.outcome);
      keptPaths.add(file.path);
      // 4. collect (a base is written only when it changes)
      if (step.content !== undefined) writes.push({ path: file.path, content: step.content });
      if (file.kind !== "seed" && step.newBase !== step.oldBase) writes.push({ path: basePath(file.path), content: step.newBase });
    }
    for (const [path, kind] of Object.entries(unit.files)) {
      if (keptPaths.has(path)) continue;
      if (kind === "seed") {
        // A seed the answer change drops: deleted if it is still what the old answers rendered, else the user's.
        const old = before?.get(path);
        const current = old === undefined ? null : tree.read(path);
        if (current === null) continue;
        files.push({ unit: unit.id, path, kind, outcome: current === old ? "removed" : "customized" });
        if (current === old) writes.push({ path, content: null });
        continue;
      }
      const current = tree.read(path);
      const base = tree.read(basePath(path));
      const removable = current !== null && current === base;
      files.push({ unit: unit.id, path, kind, outcome: removable ? "removed" : current === null ? "deleted" : "customized" });
      if (removable) writes.push({ path, content: null });
      if (base !== null) writes.push({ path: basePath(path), content: null });
    }
    const record = unitRecordWrite(unit.id, {
      template: unit.template,
      answers,
      files: Object.fromEntries(rendered.map((file) => [file.path, file.kind])),
    });
    if (tree.read(record.path) !== record.content) writes.push(record);
  }
  return { root, files, writes };
}
