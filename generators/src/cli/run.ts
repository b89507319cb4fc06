import { exitCodeOf, ShipyardError } from "../errors.js";

/**
 * Runs a CLI's main function and turns the outcome into an exit code. A ShipyardError is a message for the user
 * (one line, plus a hint); anything else is a bug and shows its stack.
 */
export async function runCli(name: string, main: () => Promise<number | undefined>): Promise<void> {
  // With a handler, a signal waits for the synchronous write of a plan to finish instead of cutting it in half.
  // A command with cleanup of its own (create removes what it created) registers its handler, and this one yields.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      if (process.listenerCount(signal) > 0) return;
      process.stderr.write(`${name}: interrupted (${signal}).\n`);
      process.exit(130);
    });
  }
  try {
    process.exitCode = (await main()) ?? 0;
  } catch (error) {
    if (error instanceof ShipyardError) {
      process.stderr.write(`${name}: error: ${error.message}\n`);
      if (error.hint) process.stderr.write(`  ${error.hint}\n`);
      // Bad input (a flag, hostile or broken state) is exit 2, as for a usage error; a failed operation is 1.
      process.exitCode = exitCodeOf(error.code);
    } else if ((error as { name?: string }).name === "ExitPromptError") {
      process.stderr.write(`${name}: cancelled, nothing was written.\n`);
      process.exitCode = 130;
    } else {
      process.stderr.write(`${name}: unexpected error (please report it): ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    }
  }
}

/** Prompts only make sense for a person at a terminal. */
export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY) && process.env.CI !== "true";
}
