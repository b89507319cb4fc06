#!/usr/bin/env node
import { Command } from "commander";
import { create, type Progress } from "../commands/create.js";
import { ShipyardError } from "../errors.js";
import { createFromClone, generatorVersion } from "../workspace.js";
import { printCreate } from "./report.js";
import { canPrompt, runCli } from "./run.js";

/** Progress on a terminal: a spinner with the elapsed time (ora, loaded only then). Elsewhere: plain lines. */
async function progressFor(tty: boolean, willInstall: boolean): Promise<Progress> {
  // A terminal that reports no width (0 columns: some container and CI ptys) would make ora clear lines forever.
  const ora = tty && willInstall && (process.stdout.columns ?? 0) > 0 ? (await import("ora")).default : undefined;
  const seconds = (since: number) => `${Math.round((performance.now() - since) / 1000)} s`;
  return {
    note: (text) => process.stdout.write(`${text}\n`),
    task(text) {
      const started = performance.now();
      if (ora) {
        // discardStdin off: ora's default puts the terminal in raw mode, so Ctrl-C became a keystroke, not SIGINT,
        // and the install could not be stopped. In cooked mode the terminal signals us (and npm) as usual.
        const spinner = ora({ text, stream: process.stdout, discardStdin: false }).start();
        const timer = setInterval(() => (spinner.text = `${text} ${seconds(started)}`), 1000);
        return {
          succeed(done) {
            clearInterval(timer);
            spinner.succeed(done);
          },
          fail(failed) {
            clearInterval(timer);
            spinner.fail(failed);
          },
        };
      }
      process.stdout.write(`${text}...\n`);
      // A long silent step in a CI log looks stuck: say it is still going.
      const timer = setInterval(() => process.stdout.write(`  still working (${seconds(started)})\n`), 30_000);
      timer.unref();
      return {
        succeed(done) {
          clearInterval(timer);
          process.stdout.write(`${done}\n`);
        },
        fail(failed) {
          clearInterval(timer);
          process.stderr.write(`${failed}\n`);
        },
      };
    },
  };
}

await runCli("create-shipyard", async () => {
  const program = new Command("create-shipyard")
    .description("Create a Shipyard monorepo: workspaces (npm, pnpm, yarn or bun), turbo, a first TypeScript service, CI and Clever Cloud deploys.")
    .argument("[dir]", "where to create it: . for the current directory; created if missing")
    .option("-y, --yes", "take the default for everything not given (no questions)")
    .option("--service <name>", "the first service's name (default: api)")
    .option("--no-service", "create no service")
    .option("--scope <scope>", "npm scope of the packages, @scope/name (default: from the directory name)")
    .option("--package-manager <name>", "npm, pnpm, yarn (Berry) or bun (default: the one running create, else npm)")
    .option("--no-install", "do not install the dependencies")
    .option("--no-git", "do not make a git repository and its first commit")
    .option("--force", "allow a non-empty directory (no existing file is ever overwritten)")
    .option("--dry-run", "print what would be written, write nothing (no install, no git)")
    .option("--json", "print the result as JSON")
    .version(generatorVersion(), "-v, --version")
    .addHelpText(
      "after",
      [
        "",
        "Examples (each manager's create makes a repository of that manager):",
        "  npm create shipyard@latest my-platform",
        "  npm create shipyard@latest . -- --yes --service orders --scope acme",
        "  pnpm create shipyard my-platform",
        "  yarn create shipyard my-platform",
        "  bun create shipyard my-platform",
        "Before create-shipyard is on the npm registry, from a clone of Shipyard after npm install:",
        `  ${createFromClone("my-platform")}`,
        "",
      ].join("\n"),
    )
    .showHelpAfterError()
    .exitOverride();
  try {
    program.parse(process.argv);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "commander.helpDisplayed" || code === "commander.version" || code === "commander.help") return 0;
    if (code?.startsWith("commander.")) return 2;
    throw error;
  }
  const flags = program.opts<{
    yes?: boolean;
    service?: string | false;
    scope?: string;
    packageManager?: string;
    install: boolean;
    git: boolean;
    force?: boolean;
    dryRun?: boolean;
    json?: boolean;
  }>();
  const tty = Boolean(process.stdout.isTTY);
  try {
    const result = await create(
      {
        cwd: process.cwd(),
        dir: program.args[0],
        scope: flags.scope,
        service: flags.service,
        yes: Boolean(flags.yes),
        interactive: canPrompt(),
        install: flags.install,
        git: flags.git,
        force: Boolean(flags.force),
        userAgent: process.env.npm_config_user_agent,
        packageManager: flags.packageManager,
        dryRun: Boolean(flags.dryRun),
      },
      await progressFor(tty && !flags.json, flags.install),
    );
    printCreate(result, Boolean(flags.json));
    return 0;
  } catch (error) {
    if (error instanceof ShipyardError && error.code === "INTERRUPTED") {
      process.stderr.write(`create-shipyard: ${error.message}\n`);
      return 130;
    }
    throw error;
  }
});
