import { execFile } from "node:child_process";
import { ShipyardError } from "./errors.js";

export type GitOutcome =
  | { status: "committed"; branch: string }
  /** No repository was made (git missing, or the folder is already inside a repository). */
  | { status: "skipped"; reason: string }
  /** A repository was made but nothing committed (no identity, or the commit failed). */
  | { status: "uncommitted"; reason: string };

interface GitRun {
  ok: boolean;
  stdout: string;
  stderr: string;
  missing: boolean;
}

/** One git command. Stopped by the run's signal, or by a signal of its own (Ctrl-C reaches git too): INTERRUPTED. */
function git(cwd: string, args: string[], signal: AbortSignal): Promise<GitRun> {
  return new Promise((resolvePromise, reject) => {
    execFile("git", args, { cwd, signal, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      const killedBy = (error as { signal?: string } | null)?.signal;
      if (signal.aborted || killedBy === "SIGINT" || killedBy === "SIGTERM" || killedBy === "SIGHUP") {
        reject(new ShipyardError("INTERRUPTED", `Interrupted${killedBy ? ` (${killedBy})` : ""} during git ${args[0]}.`));
        return;
      }
      resolvePromise({ ok: !error, stdout: stdout.trim(), stderr: stderr.trim(), missing: code === "ENOENT" });
    });
  });
}

const firstLine = (text: string) =>
  text
    .split(/\r?\n/)
    .find((line) => line.trim())
    ?.replace(/^(fatal|error):\s*/, "") ?? "no output";

/** The branch the generated workflows deploy from: the repository starts on it whatever git's default is. */
export const MAIN_BRANCH = "main";

/**
 * Makes `root` a git repository with one commit of everything in it. Skipped, with the reason, when git is missing or
 * `root` is already inside a repository (someone else's history); left uncommitted, with the reason, when git has no
 * identity or the commit fails. `beforeInit` runs just before `.git` is created, `afterInit` (awaited) just after.
 * An interruption (the signal aborted, or git killed by a signal) rejects with INTERRUPTED.
 */
export async function initialCommit(
  root: string,
  message: string,
  signal: AbortSignal,
  beforeInit: () => void,
  afterInit: () => Promise<void> = async () => {},
): Promise<GitOutcome> {
  const version = await git(root, ["--version"], signal);
  if (version.missing) return { status: "skipped", reason: "git is not installed" };
  const inside = await git(root, ["rev-parse", "--show-toplevel"], signal);
  if (inside.ok) return { status: "skipped", reason: `${root} is already inside the git repository ${inside.stdout}` };
  beforeInit();
  const init = await git(root, ["init", "--quiet"], signal);
  if (!init.ok) return { status: "skipped", reason: `git init failed: ${firstLine(init.stderr)}` };
  await afterInit();
  await git(root, ["symbolic-ref", "HEAD", `refs/heads/${MAIN_BRANCH}`], signal);
  const name = await git(root, ["config", "user.name"], signal);
  const email = await git(root, ["config", "user.email"], signal);
  const hasName = name.stdout !== "" || Boolean(process.env.GIT_AUTHOR_NAME && process.env.GIT_COMMITTER_NAME);
  const hasEmail = email.stdout !== "" || Boolean(process.env.GIT_AUTHOR_EMAIL && process.env.GIT_COMMITTER_EMAIL);
  if (!hasName || !hasEmail) {
    const missing = [hasName ? "" : "user.name", hasEmail ? "" : "user.email"].filter(Boolean).join(" and ");
    return { status: "uncommitted", reason: `git has no ${missing} configured` };
  }
  const added = await git(root, ["add", "--all"], signal);
  if (!added.ok) return { status: "uncommitted", reason: `git add failed: ${firstLine(added.stderr)}` };
  const commit = await git(root, ["commit", "--quiet", "--no-verify", "--message", message], signal);
  if (!commit.ok) return { status: "uncommitted", reason: `git commit failed: ${firstLine(commit.stderr || commit.stdout)}` };
  return { status: "committed", branch: MAIN_BRANCH };
}
