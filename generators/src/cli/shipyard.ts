#!/usr/bin/env node
import { Command, Option } from "commander";
import type { RawAnswers } from "../engine/answers.js";
import { listAddableTemplates } from "../engine/template.js";
import { findRepoRoot, generatorVersion, repoTemplatesDir } from "../workspace.js";
import { printAdd, printDoctor, printRemove, printRename, printSet, printUpdate, printUpgrade, printUpgradeMarkdown, printUse } from "./report.js";
import { canPrompt, runCli } from "./run.js";

// Commands are imported in their actions, when chosen: `add` must not pay for the YAML and merge libraries that
// `update` needs, nor `update` for inquirer.

/** The templates of the repository around the working directory; none outside a repository. */
function templatesHere(): string | undefined {
  try {
    return repoTemplatesDir(findRepoRoot(process.cwd()));
  } catch {
    return undefined;
  }
}

/** `add` gets one subcommand per template, with one flag per answer: a new template needs no CLI code. */
function addCommands(program: Command, templatesDir: string | undefined): void {
  const addCommand = program.command("add").description("generate a new package from a template");
  const templates = templatesDir ? listAddableTemplates(templatesDir) : [];
  for (const { name: template, manifest } of templates) {
    const command = addCommand.command(template).description(manifest.description);
    for (const spec of manifest.answers) {
      if (spec.positional) {
        // Optional for commander even when required: a missing name is then asked for at a terminal, or
        // reported by Shipyard's own one-line error, instead of commander's message and the whole help.
        command.argument(`[${spec.name}]`, spec.message).usage(`[options] ${spec.required ? `<${spec.name}>` : `[${spec.name}]`}`);
        continue;
      }
      const option = new Option(`--${spec.name} <${spec.type === "port" ? "number" : "value"}>`, spec.message);
      if (spec.type === "choice") option.choices(spec.choices.map(String));
      command.addOption(option);
    }
    command
      .option("-y, --yes", "take the default for every answer not given")
      .option("--dry-run", "print what would be written, write nothing")
      .option("--json", "print the result as JSON")
      .action(async (...args: unknown[]) => {
        const positional = manifest.answers.filter((spec) => spec.positional);
        const flags = args[positional.length] as Record<string, unknown>;
        const given: RawAnswers = {};
        positional.forEach((spec, index) => {
          if (args[index] !== undefined) given[spec.name] = args[index];
        });
        for (const spec of manifest.answers) if (!spec.positional && flags[spec.name] !== undefined) given[spec.name] = flags[spec.name];
        const { add } = await import("../commands/add.js");
        const result = await add({
          cwd: process.cwd(),
          template,
          given,
          yes: Boolean(flags.yes),
          interactive: canPrompt(),
          dryRun: Boolean(flags.dryRun),
        });
        printAdd(result, Boolean(flags.json));
      });
  }
  if (templates.length === 0) {
    // Outside a repository there are no templates to list: any `add …` says where to start instead.
    addCommand
      .argument("[template]")
      .argument("[rest...]")
      .allowUnknownOption()
      .action(() => {
        findRepoRoot(process.cwd());
      });
  }
}

await runCli("shipyard", async () => {
  const program = new Command("shipyard")
    .description("Generate and update the packages of a Shipyard monorepo.")
    .version(generatorVersion(), "-v, --version")
    .showHelpAfterError()
    .exitOverride();
  addCommands(program, templatesHere());
  let exitCode = 0;
  program
    .command("update")
    .description("re-render every generated package from templates/, keeping your edits (three-way merge)")
    .option("--dry-run", "print what would change, write nothing")
    .option("--check", "write nothing; exit 1 if anything would change (for CI)")
    .option("--json", "print the outcome of every file as JSON")
    .option("--allow-dirty", "update files that have uncommitted changes")
    .option("--restore <file...>", "bring back managed files you deleted")
    .option("--diff", "also print the unified diff of every file it changes (with --json: each file's diff)")
    .action(async (flags: { dryRun?: boolean; check?: boolean; json?: boolean; allowDirty?: boolean; restore?: string[]; diff?: boolean }) => {
      const { update } = await import("../commands/update.js");
      const result = update({
        cwd: process.cwd(),
        dryRun: Boolean(flags.dryRun),
        check: Boolean(flags.check),
        allowDirty: Boolean(flags.allowDirty),
        restore: flags.restore ?? [],
        diff: Boolean(flags.diff),
      });
      printUpdate(result, { json: Boolean(flags.json), check: Boolean(flags.check), dryRun: Boolean(flags.dryRun) });
      exitCode = result.conflicts.length > 0 || (flags.check && !result.upToDate) ? 1 : 0;
    });
  program
    .command("use")
    .description("make a package use a workspace library (dependency, CI paths, Docker build)")
    .argument("<library>", "the library to use")
    .requiredOption("--in <package>", "the service or library that uses it")
    .option("--dry-run", "print what would change, write nothing")
    .option("--json", "print the result as JSON")
    .option("--allow-dirty", "change files that have uncommitted changes")
    .action(async (library: string, flags: { in: string; dryRun?: boolean; json?: boolean; allowDirty?: boolean }) => {
      const { use } = await import("../commands/use.js");
      const result = use({ cwd: process.cwd(), library, into: flags.in, dryRun: Boolean(flags.dryRun), allowDirty: Boolean(flags.allowDirty) });
      printUse(result, Boolean(flags.json));
      exitCode = result.changes.some((file) => file.outcome === "conflict") ? 1 : 0;
    });
  program
    .command("set")
    .description("change recorded answers (node=26, runtime=docker, port=9090) and re-render, keeping your edits")
    .argument("<answer=value...>", "the answers to change")
    .option("--in <package...>", "the packages to change")
    .option("--all", "every package that has the answer")
    .option("--dry-run", "print what would change, write nothing")
    .option("--json", "print the result as JSON")
    .option("--allow-dirty", "change files that have uncommitted changes")
    .option("--diff", "also print the unified diff of every file it changes (with --json: each file's diff)")
    .action(
      async (
        assignments: string[],
        flags: { in?: string[]; all?: boolean; dryRun?: boolean; json?: boolean; allowDirty?: boolean; diff?: boolean },
      ) => {
        const { set } = await import("../commands/set.js");
        const result = set({
          cwd: process.cwd(),
          assignments,
          in: flags.in ?? [],
          all: Boolean(flags.all),
          dryRun: Boolean(flags.dryRun),
          allowDirty: Boolean(flags.allowDirty),
          diff: Boolean(flags.diff),
        });
        printSet(result, Boolean(flags.json));
        exitCode = result.conflicts.length > 0 ? 1 : 0;
      },
    );
  program
    .command("remove")
    .description("delete a package: its folder, workflow, record and merge bases, in one step")
    .argument("<package>", "the package to remove")
    .option("--dry-run", "print what would be removed, write nothing")
    .option("--force", "also delete uncommitted files in the package folder")
    .option("--json", "print the result as JSON")
    .option("--diff", "also print the unified diff of every file it changes (with --json: each file's diff)")
    .action(async (name: string, flags: { dryRun?: boolean; force?: boolean; json?: boolean; diff?: boolean }) => {
      const { remove } = await import("../commands/remove.js");
      printRemove(
        remove({ cwd: process.cwd(), name, dryRun: Boolean(flags.dryRun), force: Boolean(flags.force), diff: Boolean(flags.diff) }),
        Boolean(flags.json),
      );
    });
  program
    .command("rename")
    .description("rename a package: folder, package name, workflow, deploy variable, and the packages that use it")
    .argument("<package>", "its current name")
    .argument("<new-name>", "the new name")
    .option("--dry-run", "print what would change, write nothing")
    .option("--json", "print the result as JSON")
    .option("--allow-dirty", "change files that have uncommitted changes")
    .option("--diff", "also print the unified diff of every file it changes (with --json: each file's diff)")
    .action(async (from: string, to: string, flags: { dryRun?: boolean; json?: boolean; allowDirty?: boolean; diff?: boolean }) => {
      const { rename } = await import("../commands/rename.js");
      const result = rename({
        cwd: process.cwd(),
        from,
        to,
        dryRun: Boolean(flags.dryRun),
        allowDirty: Boolean(flags.allowDirty),
        diff: Boolean(flags.diff),
      });
      printRename(result, Boolean(flags.json));
      exitCode = result.conflicts.length > 0 ? 1 : 0;
    });
  program
    .command("doctor")
    .description("check this machine and repository: tools, deploy configs, templates in sync")
    .option("--json", "print the checks as JSON")
    .action(async (flags: { json?: boolean }) => {
      const { doctor } = await import("../commands/doctor.js");
      const result = doctor(process.cwd());
      printDoctor(result, Boolean(flags.json));
      exitCode = result.errors > 0 ? 1 : 0;
    });
  program
    .command("upgrade")
    .description("bring a newer Shipyard (generators/ and templates/) into this repository, run its migrations, then update")
    .requiredOption("--from <source>", "a folder (a Shipyard repository or package), a tarball, or a create-shipyard version")
    .option("--dry-run", "print what would change, write nothing")
    .option("--json", "print the result as JSON")
    .option("--markdown", "print the outcome as Markdown (the body of the upgrade pull request)")
    .option("--allow-dirty", "change files that have uncommitted changes")
    .action(async (flags: { from: string; dryRun?: boolean; json?: boolean; markdown?: boolean; allowDirty?: boolean }) => {
      const { upgrade } = await import("../commands/upgrade.js");
      const result = await upgrade({ cwd: process.cwd(), from: flags.from, dryRun: Boolean(flags.dryRun), allowDirty: Boolean(flags.allowDirty) });
      if (typeof result === "number") {
        exitCode = result;
        return;
      }
      if (flags.markdown) printUpgradeMarkdown(result);
      else printUpgrade(result, Boolean(flags.json));
      exitCode = result.conflicts.length > 0 ? 1 : 0;
    });
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    const code = (error as { code?: string; exitCode?: number }).code;
    if (code === "commander.helpDisplayed" || code === "commander.version" || code === "commander.help") return 0;
    if (code?.startsWith("commander.")) return 2;
    throw error;
  }
  return exitCode;
});
