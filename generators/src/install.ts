import { spawn } from "node:child_process";
import { ShipyardError } from "./errors.js";
import { type ManagerCommands, startedFrom } from "./package-managers.js";

/**
 * The npm to run: the one that started us when it did (`npm create`, `npx`: same version, no PATH lookup),
 * otherwise `npm` from the PATH.
 */
function npmCommand(args: string[]): { command: string; args: string[]; shell: boolean } {
  const execPath = process.env.npm_execpath;
  if (startedFrom(process.env.npm_config_user_agent) === "npm" && execPath && /npm-cli\.c?js$/.test(execPath)) {
    return { command: process.execPath, args: [execPath, ...args], shell: false };
  }
  return { command: "npm", args, shell: process.platform === "win32" };
}

/**
 * The command line of `commands.install`: npm as before (the npm that started us, no audit or fund noise); another
 * manager by its name on the PATH (`pnpm create` puts its own first).
 */
function installCommand(commands: ManagerCommands): { command: string; args: string[]; shell: boolean } {
  if (commands.name === "npm") return npmCommand(["install", "--no-audit", "--no-fund"]);
  const [command, ...args] = commands.install.split(" ");
  return { command: command as string, args, shell: process.platform === "win32" };
}

/** Why another manager failed: its last line that says error (pnpm's ERR_PNPM_…, yarn's YN0…, bun's error:), else its last line. */
function managerErrorSummary(output: string): string {
  const lines = output
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  return (lines.filter((line) => /err|error/i.test(line)).slice(-1)[0] ?? lines.slice(-1)[0] ?? "no output").slice(0, 300);
}

/** Why npm failed, in one line: its error code and first message ("E404: 404 Not Found - GET …"). */
function npmErrorSummary(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .filter((line) => /^npm (error|ERR!) /.test(line))
    .map((line) => line.replace(/^npm (error|ERR!) /, ""));
  const code = lines
    .find((line) => line.startsWith("code "))
    ?.slice("code ".length)
    .trim();
  const message = lines.find(
    (line) => /^\S/.test(line) && !/^(code|syscall|errno|path|dest|signal|command|workspace|location)\b|^\d{3}$|complete log of this run/i.test(line),
  );
  if (code && message) return message.includes(code) ? message.trim() : `${code}: ${message.trim()}`;
  return (message ?? code ?? stderr.trim().split(/\r?\n/).slice(-1)[0] ?? "no output").trim() || "no output";
}

export interface InstallResult {
  ms: number;
  /** npm's own summary, e.g. "added 312 packages in 41s". */
  summary: string | undefined;
}

/** The repository's install (`npm install`, `pnpm install`, …) in `cwd`, output captured (shown only when it fails). Aborting the signal stops it. */
export function installDependencies(cwd: string, commands: ManagerCommands, signal: AbortSignal): Promise<InstallResult> {
  const started = performance.now();
  const npm = installCommand(commands);
  const what = commands.install;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(npm.command, npm.args, { cwd, env: process.env, stdio: ["ignore", "pipe", "pipe"], shell: npm.shell, signal });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout = (stdout + chunk.toString("utf8")).slice(-64 * 1024);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-64 * 1024);
    });
    child.once("error", (error) => {
      if ((error as { name?: string }).name === "AbortError") {
        reject(new ShipyardError("INTERRUPTED", `Interrupted during ${what}.`));
      } else {
        reject(new ShipyardError("INSTALL_FAILED", `Could not run ${what}: ${error.message}.`, `Is ${commands.name} on the PATH?`));
      }
    });
    child.once("close", (code, signalName) => {
      if (signal.aborted) {
        // Usually reported by the "error" event already (a second reject is a no-op). But Ctrl-C on a terminal
        // signals npm too: when npm is gone before our handler aborts, there is nothing to kill, no "error" event,
        // and without this the install would never settle (create hung with its spinner running).
        reject(new ShipyardError("INTERRUPTED", `Interrupted${signalName ? ` (${signalName})` : ""} during ${what}.`));
        return;
      }
      if (signalName === "SIGINT" || signalName === "SIGTERM" || signalName === "SIGHUP") {
        // Ctrl-C on a terminal signals npm too, and it may be gone before our own handler runs: an interruption.
        reject(new ShipyardError("INTERRUPTED", `Interrupted (${signalName}) during ${what}.`));
        return;
      }
      if (code === 0) {
        const summary = stdout.match(/(added|changed|up to date|\d+ packages installed)[^\n]*/)?.[0]?.trim();
        resolvePromise({ ms: performance.now() - started, summary });
        return;
      }
      reject(
        new ShipyardError(
          "INSTALL_FAILED",
          `${what} failed (${code === null ? `killed by ${signalName}` : `exit code ${code}`}): ${
            commands.name === "npm" ? npmErrorSummary(stderr) : managerErrorSummary(`${stdout}\n${stderr}`)
          }`,
          `Fix the cause and run create again, or pass --no-install and run ${what} yourself.`,
        ),
      );
    });
  });
}
