import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { distributionFiles, type Part } from "../distribution.js";
import { type Answers, type RawAnswers, resolveAnswers, validatePackageNameAnswer, validateScope } from "../engine/answers.js";
import { acquireLock } from "../engine/lock.js";
import { renderString, renderTemplate } from "../engine/render.js";
import { loadTemplate, readManifest, readPackageManagerTable, type Template } from "../engine/template.js";
import { Tree } from "../engine/tree.js";
import { ShipyardError } from "../errors.js";
import { type GitOutcome, initialCommit } from "../git.js";
import { type InstallResult, installDependencies } from "../install.js";
import { shippedMigrationIds } from "../migrations/index.js";
import { chooseManager, type ManagerCommands, managerCommands, PACKAGE_MANAGER_ANSWER, startedFrom } from "../package-managers.js";
import { applyToTree, type ChangeEntry, type ChangeSet, commit } from "../state/apply.js";
import { configWrite, ROOT_UNIT, unitWrites } from "../state/store.js";
import { bundledTemplatesDir, generatorDir, generatorVersion } from "../workspace.js";
import { planAdd } from "./add.js";
import { holdForTests } from "./create/hold.js";
import { CREATE_DIR, recoverInterruptedCreate } from "./create/interrupted.js";
import { checkTarget, displayPath, Footprint, type Target } from "./create/target.js";

/**
 * `npm create shipyard`: a new repository of the same shape as Shipyard's own, in one transaction-like run.
 *
 *   1. answers   flags, else prompts on a terminal, else defaults under --yes, else an error naming the flag;
 *                all validated (and the target checked) before anything touches the disk
 *   2. plan      into one tree: the root files rendered from templates/monorepo, generators/ and templates/ copied
 *                from the running package, .shipyard/ (config and the `_monorepo` unit with its merge bases), and
 *                the first service exactly as `shipyard add service` plans it
 *   3. write     one commit of that tree: staged inside the target (in .shipyard-create/, which also holds the
 *                lock and marks an unfinished create), swapped in, so a kill leaves the target as it was or
 *                complete, and the next create rolls back and removes what a killed one left, saying so
 *   4. install   npm install;  5. git   init + one commit
 * A failure or a signal in 4-5 takes back what the run added: the directory when it created it, else exactly the
 * files and folders it added.
 */
export interface CreateOptions {
  cwd: string;
  dir: string | undefined;
  scope: string | undefined;
  /** A name, false for --no-service, undefined when not given. */
  service: string | false | undefined;
  yes: boolean;
  /** A person at a terminal can be asked for what is missing. */
  interactive: boolean;
  install: boolean;
  git: boolean;
  force: boolean;
  /** npm_config_user_agent: which package manager started us (the default manager of the new repository). */
  userAgent: string | undefined;
  /** --package-manager: npm, pnpm, yarn or bun (templates/package-managers.json); undefined when not given. */
  packageManager?: string | undefined;
  /** Plan and report, write nothing (no install, no git). */
  dryRun?: boolean;
}

/** How the command shows progress; the CLI decides what it looks like (spinner on a terminal, lines otherwise). */
export interface Progress {
  note(text: string): void;
  task(text: string): { succeed(text: string): void; fail(text: string): void };
}

export interface CreateResult extends ChangeSet {
  root: string;
  /** The directory as the user would `cd` into it. */
  shown: string;
  name: string;
  scope: string;
  service: { name: string; directory: string; answers: Answers } | undefined;
  /** Files written, state included. */
  files: number;
  install: InstallResult | undefined;
  git: GitOutcome | undefined;
  /** Set when a package manager other than the repository's started us. */
  startedFrom: string | undefined;
  /** The repository's package manager and the commands the next steps print. */
  packageManager: ManagerCommands;
}

/** The id of the root files' unit in .shipyard/units: npm names cannot start with `_`, so no package can take it. */
export const MONOREPO_UNIT = ROOT_UNIT;
export const MONOREPO_TEMPLATE = "monorepo";
export const DEFAULT_DIR = "my-platform";

/** The package a new repository starts with, as the root template's manifest says (`firstPackage`). */
function firstPackageOf(templatesDir: string): { template: string; name: string; answers: RawAnswers } | undefined {
  const first = readManifest(templatesDir, MONOREPO_TEMPLATE).firstPackage;
  return first && { template: first.template, name: first.name, answers: first.answers ?? {} };
}

/** `My Platform` -> `my-platform`: a valid npm name (and scope) from a directory name. */
export function nameFromDirectory(path: string): string {
  const name = basename(path)
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .replace(/[-._]+$/, "")
    .slice(0, 100);
  return name || DEFAULT_DIR;
}

interface Resolved {
  target: Target;
  scope: string;
  packageManager: string;
  service: { template: Template; answers: Answers } | undefined;
}

/** 1. answers: everything known and valid, or an error, before the disk is touched. */
async function resolveInput(options: CreateOptions, templatesDir: string): Promise<Resolved> {
  let dir = options.dir?.trim() || undefined;
  let scope = options.scope;
  const first = firstPackageOf(templatesDir);
  // A root template without a first package makes a repository without one, whatever --service says.
  let service = first ? options.service : false;
  const defaultService = first?.name ?? "";
  const ask = options.interactive && !options.yes;
  const managers = readPackageManagerTable(templatesDir);
  // What was given is checked before any question, so nobody answers questions only to hear a flag was wrong.
  let packageManager = managers ? chooseManager(managers, options.packageManager, options.userAgent) : "npm";
  if (!managers && options.packageManager !== undefined && options.packageManager !== "npm") {
    throw new ShipyardError(
      "UNKNOWN_PACKAGE_MANAGER",
      `Unknown package manager "${options.packageManager}" (--package-manager).`,
      "Choose one of: npm.",
    );
  }
  if (dir !== undefined) {
    if (!options.dryRun) recoverInterruptedCreate(options.cwd, dir);
    checkTarget(options.cwd, dir, options.force);
  }
  if (scope !== undefined) validateScope(scope);
  if (typeof service === "string") validatePackageNameAnswer(service.trim(), scope === undefined ? "scope" : validateScope(scope), "--service");
  const askManager = managers !== undefined && options.packageManager === undefined;
  if (ask && (dir === undefined || scope === undefined || service === undefined || askManager)) {
    const { askCreate } = await import("./create/questions.js");
    ({ dir, scope, service, packageManager } = await askCreate(
      {
        ...(dir === undefined ? {} : { dir }),
        ...(scope === undefined ? {} : { scope }),
        ...(service === undefined ? {} : { service }),
        ...(askManager ? {} : { packageManager }),
      },
      {
        dir: DEFAULT_DIR,
        service: defaultService,
        packageManager,
        packageManagers: managers ? Object.keys(managers.managers) : ["npm"],
        scopeFor: (typed) => nameFromDirectory(join(options.cwd, typed)),
        checkDir: (typed) => void checkTarget(options.cwd, typed, options.force),
      },
    ));
  } else if (!options.yes) {
    const missing = [
      dir === undefined ? "[dir] (where to create it)" : "",
      scope === undefined ? "--scope <scope>" : "",
      service === undefined ? "--service <name> (or --no-service)" : "",
    ].filter(Boolean);
    if (missing.length > 0) {
      throw new ShipyardError(
        "MISSING_ANSWER",
        `Missing ${missing.join(", ")}, and there is no terminal to ask.`,
        `Pass ${missing.length > 1 ? "them" : "it"}, or --yes to take the defaults (directory ${DEFAULT_DIR}, the scope from the directory name, service ${defaultService}).`,
      );
    }
  }
  dir ??= DEFAULT_DIR;
  if (!options.dryRun) recoverInterruptedCreate(options.cwd, dir);
  const target = checkTarget(options.cwd, dir, options.force);
  const validScope = validateScope(scope ?? nameFromDirectory(target.root));
  service ??= defaultService;
  if (service === false) return { target, scope: validScope, packageManager, service: undefined };
  const name = validatePackageNameAnswer(service.trim(), validScope, "--service");
  const template = loadTemplate(templatesDir, (first as NonNullable<typeof first>).template);
  // The manifest's answers for it (a new repository has no libraries for the service to use yet).
  let given: RawAnswers = { ...first?.answers, name };
  if (ask) {
    const { askMissing } = await import("../prompts.js");
    given = await askMissing(template.answers, given, validScope);
  }
  return { target, scope: validScope, packageManager, service: { template, answers: resolveAnswers(template, given, validScope, true) } };
}

/** A copy of the running package's files into the tree, byte for byte: generators/ and templates/. */
function copyInto(tree: Tree, from: string, part: Part): ChangeEntry[] {
  return distributionFiles(from, part).map((path) => {
    tree.write(`${part}/${path}`, readFileSync(join(from, path)));
    return { path: `${part}/${path}`, outcome: "copied" };
  });
}

/** 2. plan: the root unit's files, the state, and the copies, into the tree. */
function planRoot(tree: Tree, resolved: Resolved, templatesDir: string, version: string): { name: string; changes: ChangeEntry[] } {
  const template = loadTemplate(templatesDir, MONOREPO_TEMPLATE);
  const name = nameFromDirectory(resolved.target.root);
  // The root's Node.js (.nvmrc, root CI) follows the first service's, so both start on the same major.
  const given: RawAnswers = { name, ...(resolved.service ? { node: resolved.service.answers.node } : {}) };
  // A root template from before package managers has no such answer: it is npm, and records none.
  if (template.answers.some((spec) => spec.name === PACKAGE_MANAGER_ANSWER)) given[PACKAGE_MANAGER_ANSWER] = resolved.packageManager;
  const answers = resolveAnswers(template, given, resolved.scope, true);
  const files = renderTemplate(template, answers, { scope: resolved.scope, shipyardVersion: version, packageManager: resolved.packageManager });
  const record = { template: MONOREPO_TEMPLATE, answers, files: Object.fromEntries(files.map((file) => [file.path, file.kind])) };
  applyToTree(tree, [
    ...files.map(({ path, content }) => ({ path, content })),
    configWrite({ shipyard: version, scope: resolved.scope, migrations: shippedMigrationIds() }),
    ...unitWrites(MONOREPO_UNIT, record, files),
  ]);
  return {
    name,
    changes: [
      ...files.map((file) => ({ path: file.path, unit: MONOREPO_UNIT, kind: file.kind, outcome: "created" })),
      ...copyInto(tree, generatorDir, "generators"),
      ...copyInto(tree, templatesDir, "templates"),
    ],
  };
}

/** Among existing files (--force), none may be overwritten: the root's nor the first service's. */
function refuseOverwrites(tree: Tree, cwd: string, alsoTaken: string[] = []): void {
  const taken = [
    ...tree
      .listChanges()
      .filter((change) => tree.readDisk(change.path) !== null)
      .map((change) => change.path),
    ...alsoTaken,
  ].sort();
  if (taken.length > 0) {
    const listed = taken.length > 5 ? `${taken.slice(0, 5).join(", ")} and ${taken.length - 5} more` : taken.join(", ");
    throw new ShipyardError(
      "ALREADY_EXISTS",
      `Would overwrite ${listed} in ${displayPath(cwd, tree.root)}: nothing was written.`,
      "Move them away, or choose another directory.",
    );
  }
}

export async function create(options: CreateOptions, progress: Progress): Promise<CreateResult> {
  const templatesDir = bundledTemplatesDir();
  const version = generatorVersion();
  const resolved = await resolveInput(options, templatesDir);
  const { target } = resolved;
  const tree = new Tree(target.root);
  const root = planRoot(tree, resolved, templatesDir, version);
  const { name } = root;
  let service: CreateResult["service"];
  const changes = [...root.changes];
  if (!target.creates && resolved.service) {
    // Among existing files (--force), name everything in the way at once: the root's and the service's folder.
    const directory = renderString(resolved.service.template.directory, resolved.service.answers);
    refuseOverwrites(tree, options.cwd, tree.exists(directory) ? [directory] : []);
  }
  if (resolved.service) {
    const added = await planAdd(tree, templatesDir, {
      template: resolved.service.template.name,
      given: resolved.service.answers,
      yes: true,
      interactive: false,
    });
    service = { name: added.name, directory: added.directory, answers: added.answers };
    changes.push(...added.files.map((file) => ({ path: file.path, unit: added.name, kind: file.kind, outcome: "created" })));
  }
  if (!target.creates) refuseOverwrites(tree, options.cwd);
  const written = tree.listChanges().length;
  const manager = managerCommands(templatesDir, resolved.packageManager);
  const summary = {
    root: target.root,
    shown: displayPath(options.cwd, target.root),
    name,
    scope: resolved.scope,
    service,
    files: written,
    packageManager: manager,
  };
  if (options.dryRun) {
    return { ...commit(tree, { command: "create", dryRun: true, changes }), ...summary, install: undefined, git: undefined, startedFrom: undefined };
  }

  const launcher = startedFrom(options.userAgent);
  const foreign = launcher && launcher !== manager.name ? launcher : undefined;
  if (foreign) {
    progress.note(`Started from ${foreign}, but this repository uses ${manager.name} (--package-manager): its lockfile is ${manager.lockfile}.`);
  }

  // 3. write: one transaction. The lock folder marks the target as being created until the commit is done.
  if (target.creates) mkdirSync(target.root, { recursive: true });
  const lockDir = tree.diskPath(CREATE_DIR, "create's staging folder");
  const release = acquireLock(lockDir);
  writeFileSync(join(lockDir, "creates"), target.creates ?? "");
  const footprint = new Footprint(target);
  for (const change of tree.listChanges()) footprint.claim(change.path);
  let changeSet: ChangeSet;
  try {
    changeSet = commit(tree, { command: "create", stagingDir: CREATE_DIR, allowDirty: true, changes });
  } catch (error) {
    unlinkSync(join(lockDir, "creates"));
    release();
    const undone = footprint.removeAll(options.cwd);
    if (error instanceof ShipyardError) throw new ShipyardError(error.code, `${error.message.replace(/\.$/, "")}; ${undone}.`, error.hint);
    throw error;
  }
  unlinkSync(join(lockDir, "creates"));
  release();

  // 4-5, undone on failure or signal.
  const controller = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    signalled = signal;
    controller.abort();
  };
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const signal of signals) process.on(signal, onSignal);
  let step = "writing the files";
  const checkpoint = () => {
    if (signalled) throw new ShipyardError("INTERRUPTED", `Interrupted (${signalled}).`);
  };
  try {
    checkpoint();

    let install: InstallResult | undefined;
    if (options.install) {
      step = manager.install;
      footprint.claim("node_modules");
      footprint.claim(manager.lockfile);
      // What else the install writes (Yarn: its install state in .yarn/), so a failed create takes it back too.
      if (manager.installWrites) footprint.claim(manager.installWrites);
      const task = progress.task(`Installing dependencies (${manager.install})`);
      try {
        const installing = installDependencies(target.root, manager, controller.signal);
        installing.catch(() => {}); // awaited below; a failure during the test hold is not unhandled
        await holdForTests("install", controller.signal);
        install = await installing;
      } catch (error) {
        const interrupted = signalled || (error instanceof ShipyardError && error.code === "INTERRUPTED");
        task.fail(interrupted ? "Installing dependencies: interrupted" : "Installing dependencies: failed");
        throw error;
      }
      task.succeed(`Installed dependencies in ${(install.ms / 1000).toFixed(1)} s${install.summary ? ` (${install.summary})` : ""}`);
    }
    checkpoint();

    let git: GitOutcome | undefined;
    if (options.git) {
      step = "the initial git commit";
      git = await initialCommit(
        target.root,
        `Initial commit from create-shipyard ${version}`,
        controller.signal,
        () => footprint.claim(".git"),
        () => holdForTests("git", controller.signal),
      );
    }
    checkpoint();

    return {
      ...changeSet,
      ...summary,
      install,
      git,
      startedFrom: foreign,
    };
  } catch (error) {
    // Ctrl-C signals npm and git too: one of them may report it before our handler has run.
    if (!signalled && error instanceof ShipyardError && error.code === "INTERRUPTED") signalled = "SIGINT";
    const undone = footprint.removeAll(options.cwd);
    if (signalled) throw new ShipyardError("INTERRUPTED", `Interrupted (${signalled}) during ${step}: ${undone}.`);
    if (error instanceof ShipyardError) throw new ShipyardError(error.code, `${error.message.replace(/\.$/, "")}; ${undone}.`, error.hint);
    throw error;
  } finally {
    for (const signal of signals) process.removeListener(signal, onSignal);
  }
}
