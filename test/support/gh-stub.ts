// A stand-in for the GitHub CLI (`gh`, the pull-request commands) for running workflows locally: it records every
// call and keeps pull requests in a JSON file instead of on GitHub. Like the real CLI it refuses unknown flags, needs
// GH_TOKEN (what a workflow must set), and `pr create` refuses a head branch that is not on the remote (gh asks you to
// push first). `--jq` goes through the real `jq`. Each call's flags are checked against the real `gh <cmd> --help` by
// the tests (ghFlags below), so a flag gh does not have fails the test, not a user's first run.
//
//   const gh = createGhStub(tmpDir);
//   await runJob({ ..., pathPrepend: [gh.binDir] });
//   expect(gh.pullRequests()).toHaveLength(1);
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface GhCall {
  argv: string[];
  /** Whether GH_TOKEN (or GITHUB_TOKEN) was set, never its value. */
  token: boolean;
  exitCode: number;
}

export interface PullRequest {
  number: number;
  headRefName: string;
  baseRefName: string;
  title: string;
  body: string;
  state: "OPEN" | "CLOSED" | "MERGED";
  /** How many times `pr edit` changed it. */
  edits: number;
}

export interface GhStub {
  binDir: string;
  calls(): GhCall[];
  pullRequests(): PullRequest[];
}

/** Flags each stubbed command accepts, with whether it takes a value: as printed by `gh <cmd> --help` (gh 2.23). */
export const GH_STUB_FLAGS: Record<string, Record<string, boolean>> = {
  "pr list": { "--head": true, "--base": true, "--state": true, "--json": true, "--jq": true, "--limit": true, "--repo": true },
  "pr create": { "--head": true, "--base": true, "--title": true, "--body": true, "--body-file": true, "--draft": false, "--repo": true },
  "pr edit": { "--title": true, "--body": true, "--body-file": true, "--base": true, "--repo": true },
};

const IMPL = String.raw`
const fs = require('node:fs');
const { execFileSync, spawnSync } = require('node:child_process');
const state = process.env.__GH_STUB_STATE;
const log = process.env.__GH_STUB_LOG;
const FLAGS = JSON.parse(fs.readFileSync(process.env.__GH_STUB_FLAGS, 'utf8'));
const argv = process.argv.slice(2);
const token = Boolean(process.env.GH_TOKEN || process.env.GITHUB_TOKEN);
let out = '', err = '';
function finish(code) {
  fs.appendFileSync(log, JSON.stringify({ argv, token, exitCode: code }) + '\n');
  process.stdout.write(out);
  process.stderr.write(err);
  process.exit(code);
}
const load = () => (fs.existsSync(state) ? JSON.parse(fs.readFileSync(state, 'utf8')) : []);
const save = (prs) => fs.writeFileSync(state, JSON.stringify(prs, null, 2));
const command = argv.slice(0, 2).join(' ');
const known = FLAGS[command];
if (!known) { err = 'unknown command "' + command + '" for the gh stand-in\n'; finish(1); }
if (!token) { err = 'gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable. Example:\n  env:\n    GH_TOKEN: ${'$'}{{ github.token }}\n'; finish(4); }
const flags = {}; const args = [];
for (let i = 2; i < argv.length; i++) {
  const a = argv[i];
  if (!a.startsWith('--')) { args.push(a); continue; }
  const [name, inline] = a.split(/=(.*)/s);
  if (!(name in known)) { err = 'unknown flag: ' + name + '\n'; finish(1); }
  flags[name] = known[name] ? (inline !== undefined ? inline : argv[++i]) : true;
  if (flags[name] === undefined) { err = 'flag needs an argument: ' + name + '\n'; finish(1); }
}
const body = () => (flags['--body-file'] !== undefined ? fs.readFileSync(flags['--body-file'], 'utf8') : (flags['--body'] ?? ''));
const prs = load();
if (command === 'pr list') {
  const wanted = (flags['--state'] ?? 'open').toUpperCase();
  const list = prs.filter((pr) => (wanted === 'ALL' || pr.state === wanted) && (!flags['--head'] || pr.headRefName === flags['--head']));
  if (flags['--json'] === undefined) { out = list.map((pr) => pr.number + '\t' + pr.title + '\t' + pr.headRefName + '\n').join(''); finish(0); }
  const fields = flags['--json'].split(',');
  const json = JSON.stringify(list.map((pr) => Object.fromEntries(fields.map((f) => [f, pr[f]]))));
  if (flags['--jq'] === undefined) { out = json + '\n'; finish(0); }
  const jq = spawnSync('jq', ['-r', flags['--jq']], { input: json, encoding: 'utf8' });
  out = jq.stdout; err = jq.stderr; finish(jq.status === 0 ? 0 : 1);
}
if (command === 'pr create') {
  const head = flags['--head'];
  if (!head || flags['--title'] === undefined) { err = 'the stand-in needs --head and --title (no prompts in a workflow)\n'; finish(1); }
  const remote = spawnSync('git', ['ls-remote', '--exit-code', 'origin', 'refs/heads/' + head], { encoding: 'utf8' });
  if (remote.status !== 0) { err = 'aborted: you must first push the current branch to a remote, or use the --head flag\n'; finish(1); }
  if (prs.some((pr) => pr.state === 'OPEN' && pr.headRefName === head)) { err = 'a pull request for branch "' + head + '" into branch "' + (flags['--base'] ?? 'main') + '" already exists\n'; finish(1); }
  const pr = { number: prs.length + 1, headRefName: head, baseRefName: flags['--base'] ?? 'main', title: flags['--title'], body: body(), state: 'OPEN', edits: 0 };
  prs.push(pr); save(prs);
  out = 'https://github.com/owner/repo/pull/' + pr.number + '\n'; finish(0);
}
if (command === 'pr edit') {
  const pr = prs.find((candidate) => String(candidate.number) === args[0]);
  if (!pr) { err = 'GraphQL: Could not resolve to a PullRequest with the number of ' + args[0] + '.\n'; finish(1); }
  if (flags['--title'] !== undefined) pr.title = flags['--title'];
  if (flags['--body'] !== undefined || flags['--body-file'] !== undefined) pr.body = body();
  if (flags['--base'] !== undefined) pr.baseRefName = flags['--base'];
  pr.edits += 1; save(prs);
  out = 'https://github.com/owner/repo/pull/' + pr.number + '\n'; finish(0);
}
`;

export function createGhStub(dir: string): GhStub {
  const binDir = path.join(dir, "gh-stub-bin");
  mkdirSync(binDir, { recursive: true });
  const logFile = path.join(binDir, "calls.jsonl");
  const stateFile = path.join(binDir, "pulls.json");
  const flagsFile = path.join(binDir, "flags.json");
  writeFileSync(logFile, "");
  writeFileSync(flagsFile, JSON.stringify(GH_STUB_FLAGS));
  writeFileSync(path.join(binDir, "gh-stub.cjs"), IMPL);
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const file = path.join(binDir, "gh");
  writeFileSync(
    file,
    `#!/bin/sh\n__GH_STUB_LOG=${q(logFile)} __GH_STUB_STATE=${q(stateFile)} __GH_STUB_FLAGS=${q(flagsFile)} exec ${q(process.execPath)} ${q(path.join(binDir, "gh-stub.cjs"))} "$@"\n`,
  );
  chmodSync(file, 0o755);
  return {
    binDir,
    calls: () =>
      readFileSync(logFile, "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as GhCall),
    pullRequests: () => (existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, "utf8")) as PullRequest[]) : []),
  };
}

/**
 * The flags of `gh <command>` according to the real CLI's help (the FLAGS and INHERITED FLAGS sections): name ->
 * whether it takes a value. Throws when gh is not installed (scripts/setup.sh installs it).
 */
export function ghFlags(command: string): Record<string, boolean> {
  const help = execFileSync("gh", [...command.split(" "), "--help"], { encoding: "utf8", env: { ...process.env, GH_PROMPT_DISABLED: "1", NO_COLOR: "1" } });
  const flags: Record<string, boolean> = {};
  let inFlags = false;
  for (const line of help.split("\n")) {
    if (/^[A-Z ]+$/.test(line.trim()) && line.trim() !== "") inFlags = /FLAGS$/.test(line.trim());
    const match = inFlags ? /^\s+(?:-\w, )?(--[a-z][a-z-]*)(?: (\S+))?\s{2,}/.exec(line) : null;
    if (match) flags[match[1] as string] = match[2] !== undefined;
  }
  return flags;
}
