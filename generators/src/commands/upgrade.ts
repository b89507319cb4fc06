import { spawnSync } from "node:child_process";
import { existsSync, realpathSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { distributionFiles, type Part } from "../distribution.js";
import type { FileWrite } from "../engine/transaction.js";
import { Tree } from "../engine/tree.js";
import { pendingMigrations } from "../migrations/index.js";
import { type ManagerCommands, managerCommands, recordedPackageManager } from "../package-managers.js";
import { resolveSource, type ShipyardSource } from "../sources.js";
import { applyToTree, type ChangeEntry, type ChangeSet, commit } from "../state/apply.js";
import { configWrite, readConfig, readUnits } from "../state/store.js";
import { type FileOutcome, needsAction, planUpdate } from "../state/update-plan.js";
import { findRepoRoot, generatorDir, openRepository } from "../workspace.js";

/**
 * `shipyard upgrade --from <source>`: bring a newer Shipyard into the repository and update everything with it.
 * The upgrade is always carried out by the version being installed: the running (old) CLI resolves the source and
 * hands over to the source's own CLI, so new templates are rendered by the engine they were written for.
 *
 *   1. mirror     generators/ and templates/ become the source's (files it lacks are removed)
 *   2. migrate    the migrations the repository has not run yet change the recorded answers, in memory
 *   3. update     the update plan is computed on top of 1 and 2 (overlay), exactly as `shipyard update` does
 *   4. write      everything in one transaction, after the uncommitted-changes check
 */
export interface UpgradeOptions {
  cwd: string;
  from: string;
  dryRun: boolean;
  allowDirty: boolean;
}

export interface UpgradeResult extends ChangeSet {
  /** The files of generators/ and templates/ it copies (`copied`) or removes (`removed`), then every managed file. */
  changes: ChangeEntry[];
  fromVersion: string;
  toVersion: string;
  copied: { generators: number; templates: number; removed: number };
  migrations: Array<{ id: string; description: string }>;
  pending: FileOutcome[];
  conflicts: FileOutcome[];
  /** The repository's package manager (its install runs next). */
  manager: ManagerCommands;
}

/** 1. mirror: the writes that make `target` (relative to the root) a copy of `sourceDir`. */
function mirrorWrites(tree: Tree, sourceDir: string, target: Part): { writes: FileWrite[]; removed: number } {
  const source = new Tree(sourceDir);
  const wanted = distributionFiles(sourceDir, target);
  const writes: FileWrite[] = [];
  for (const path of wanted) {
    const content = source.read(path) as string;
    if (tree.read(`${target}/${path}`) !== content) writes.push({ path: `${target}/${path}`, content });
  }
  const keep = new Set(wanted);
  const stale = distributionFiles(tree.diskPath(target), target).filter((path) => !keep.has(path));
  for (const path of stale) writes.push({ path: `${target}/${path}`, content: null });
  return { writes, removed: stale.length };
}

/** Hands the upgrade to the source's CLI. An unpacked tarball has no node_modules: it borrows the repository's. */
function delegate(source: ShipyardSource, root: string, options: UpgradeOptions): number {
  if (source.temporary && !existsSync(join(source.generatorsDir, "node_modules"))) {
    symlinkSync(join(root, "node_modules"), join(source.generatorsDir, "node_modules"), "dir");
  }
  const args = [
    join(source.generatorsDir, "dist", "cli", "shipyard.js"),
    "upgrade",
    "--from",
    dirname(source.templatesDir) === source.generatorsDir ? source.generatorsDir : dirname(source.generatorsDir),
  ];
  if (options.dryRun) args.push("--dry-run");
  if (options.allowDirty) args.push("--allow-dirty");
  for (const flag of ["--json", "--markdown"]) if (process.argv.includes(flag)) args.push(flag);
  const child = spawnSync(process.execPath, args, { cwd: options.cwd, stdio: "inherit" });
  return child.status ?? 1;
}

export async function upgrade(options: UpgradeOptions): Promise<UpgradeResult | number> {
  const source = resolveSource(options.from, options.cwd);
  try {
    // The lock is taken by the CLI that does the work: the delegating one must not hold it.
    if (realpathSync(source.generatorsDir) !== realpathSync(generatorDir)) return delegate(source, findRepoRoot(options.cwd), options);

    const { root, tree } = openRepository(options.cwd, { readOnly: options.dryRun });
    const config = readConfig(tree);
    // 1. mirror (a published package carries templates/ inside it: distributionFiles leaves them to templates/)
    const generators = mirrorWrites(tree, source.generatorsDir, "generators");
    const templates = mirrorWrites(tree, source.templatesDir, "templates");
    const copyWrites = [...generators.writes, ...templates.writes];
    // 2. migrate
    const units = readUnits(tree);
    const migrations = await pendingMigrations(config);
    for (const migration of migrations) migration.migrate({ config, units });
    const newConfig = { ...config, shipyard: source.version, migrations: [...config.migrations, ...migrations.map((migration) => migration.id)] };
    // 3. update, seen through the copy
    applyToTree(tree, copyWrites);
    const plan = planUpdate({
      root,
      tree,
      config: newConfig,
      units,
      templatesDir: source.templatesDir,
      restore: [],
      version: source.version,
    });
    applyToTree(tree, [...plan.writes, configWrite(newConfig)]);
    // 4. write (unless a dry run), after the uncommitted-changes check
    // As create reports its copies: one entry per file of generators/ and templates/ that changes.
    const copies = copyWrites.map((write) => ({ path: write.path, outcome: write.content === null ? "removed" : "copied" }));
    const changes = [...copies, ...plan.files];
    const changeSet = commit(tree, { command: "upgrade", dryRun: options.dryRun, allowDirty: options.allowDirty, changes });
    return {
      ...changeSet,
      changes,
      fromVersion: config.shipyard,
      toVersion: source.version,
      copied: { generators: generators.writes.length, templates: templates.writes.length, removed: generators.removed + templates.removed },
      migrations: migrations.map(({ id, description }) => ({ id, description })),
      pending: plan.files.filter(needsAction),
      conflicts: plan.files.filter((file) => file.outcome === "conflict" || file.outcome === "unresolved"),
      manager: managerCommands(source.templatesDir, recordedPackageManager(units)),
    };
  } finally {
    source.dispose();
  }
}
