// A command run on a pseudo-terminal, as a person at a terminal runs it, answering its questions:
//
//   const run = await onTerminal(cwd, [process.execPath, shipyardBin, "add", "service"], [
//     ["Its name", "orders\r"],           // typed once "Its name" appears in the output
//     ["paused at install", "\x03"],      // Ctrl-C: the terminal turns it into SIGINT for the foreground processes
//   ]);
//   run.code, run.output                  // exit code, and the terminal's output without escape sequences
//
// Only Node builtins and util-linux `script`.
import { spawn } from "node:child_process";
import { stripVTControlCharacters } from "node:util";
import { userEnv } from "./repo.js";

export interface TerminalOptions {
  cols?: number;
  rows?: number;
  /** Added to (or, with undefined values, removed from) the environment; TERM=dumb and no CI unless given here. */
  env?: Record<string, string | undefined>;
  /** The run is killed after this long (default 60 s); its code is then null. */
  timeoutMs?: number;
}

/**
 * Runs `argv` on a pseudo-terminal (util-linux `script`) and types each entry's keys once its text has appeared in
 * the output after the previous one's (a "question" can be any output: a prompt, or a test pause point's
 * `paused at <point>`). Keys are typed as soon as the output arrives, never after a delay.
 */
export function onTerminal(
  cwd: string,
  argv: readonly string[],
  dialogue: ReadonlyArray<readonly [text: string, keys: string]>,
  options: TerminalOptions = {},
): Promise<{ code: number | null; output: string }> {
  const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
  const command = `stty cols ${options.cols ?? 80} rows ${options.rows ?? 24} && exec ${argv.map(quote).join(" ")}`;
  const child = spawn("script", ["--quiet", "--flush", "--return", "--command", command, "/dev/null"], {
    cwd,
    env: userEnv({ TERM: "dumb", CI: undefined, ...options.env }),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  let step = 0;
  let seenUpTo = 0;
  const plain = () => stripVTControlCharacters(output).replace(/\r/g, "");
  const advance = () => {
    for (let next = dialogue[step]; next; next = dialogue[step]) {
      const at = plain().indexOf(next[0], seenUpTo);
      if (at < 0) return;
      seenUpTo = at + next[0].length;
      step++;
      child.stdin.write(next[1]);
    }
  };
  const onData = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    advance();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  child.stdin.on("error", () => {}); // EPIPE when the command exits before reading everything typed
  const killer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  return new Promise((resolveRun) =>
    child.on("close", (code) => {
      clearTimeout(killer);
      resolveRun({ code, output: plain() });
    }),
  );
}
