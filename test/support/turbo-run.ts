// `turbo run` as the end-to-end tests run it: a clean environment (no inherited TURBO_* settings, no telemetry, no
// colour), a run summary (`--summarize`), and each task's cache status read from that summary, since turbo treats an
// unreachable or refusing remote cache as a warning (exit 0): hits are asserted from the summary, never the exit code.
//
//   const run = await turboRun(dir, ["build", "test", "--filter=./packages/*"]);
//   expect(run.code, run.output).toBe(0);
//   expect(run.tasks["@acme/api#build"]?.cache.status).toBe("HIT");
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { runCommand } from "./repo.js";

export interface TaskSummary {
  taskId: string;
  cache: { status: "HIT" | "MISS"; source?: "LOCAL" | "REMOTE"; local: boolean; remote: boolean };
  execution?: { startTime: number; endTime: number; exitCode: number };
}

/** Environment for turbo: inherited TURBO_* removed (cache dir, force, remote-only…), then `extra`. */
export function turboEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    ...Object.fromEntries(Object.keys(process.env).filter((key) => key.startsWith("TURBO_")).map((key) => [key, undefined])),
    TURBO_TELEMETRY_DISABLED: "1",
    DO_NOT_TRACK: "1",
    NO_COLOR: "1",
    FORCE_COLOR: "0",
    ...extra,
  };
}

export interface TurboRunOptions {
  /** Extra environment (wins over turboEnv's). */
  env?: Record<string, string | undefined>;
  /** The command that runs turbo, before `run …` (default: the repository's node_modules/.bin/turbo). */
  command?: string[];
}

/** `turbo run <args>` with a run summary: exit code, output (ANSI stripped), and every task by task id. */
export async function turboRun(dir: string, args: string[], options: TurboRunOptions = {}) {
  const runs = join(dir, ".turbo/runs");
  rmSync(runs, { recursive: true, force: true });
  const [command, ...prefix] = options.command ?? [join(dir, "node_modules/.bin/turbo")];
  const result = await runCommand(
    command as string,
    [...prefix, "run", ...args, "--summarize", "--ui=stream", "--log-order=grouped", "--cache-dir=.turbo/cache"],
    dir,
    { env: turboEnv(options.env), timeoutMs: 600_000 },
  );
  const output = stripVTControlCharacters(result.stdout + result.stderr);
  const [summaryFile] = existsSync(runs) ? readdirSync(runs) : [];
  const summary = summaryFile ? (JSON.parse(readFileSync(join(runs, summaryFile), "utf8")) as { tasks: TaskSummary[] }) : { tasks: [] };
  const tasks: Record<string, TaskSummary> = Object.fromEntries(summary.tasks.map((task) => [task.taskId, task]));
  return { code: result.code, output, tasks, ms: result.ms, summarized: summaryFile !== undefined };
}
