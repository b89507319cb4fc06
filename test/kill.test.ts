// SIGKILL at random moments of `create`, `add` and `update` (issue #10, done-when 3): whatever the moment, the
// tree is the old one or the new one after the next command, never a mix, and that command says what it rolled back.
//
// Moments are synchronised on the program's own test points, never on delays. An un-killed run with
// SHIPYARD_TEST_TRACE=1 gives each command's timeline (every point it passes, with its time) and its result (the
// "new" tree, hashed file by file). Each trial then kills a fresh copy at one moment:
//   - random moments spread over 0–2x the command's duration: before its first point the process is killed as soon
//     as it is spawned; between two points, at the earlier one (SHIPYARD_TEST_PAUSE_AT stops it there); after its
//     end, the kill finds it gone;
//   - and every point of the write once (the lock, each `swapped:N`, the commit, the clean-up, the release), plus
//     random counts of staged files (`staging:N`), where the uniform moments rarely fall.
// The seed is in the test names: SHIPYARD_TEST_SEED=<seed> replays the same moments.

import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  type CommandOptions,
  type CommandResult,
  diffTrees,
  ensureCliBuilt,
  makeTempRepo,
  repoRoot,
  runCommand,
  shipyardBin,
  snapshotTree,
  spawnUntilPaused,
  type TreeSnapshot,
  userEnv,
} from "./support/repo.js";

const createBin = join(repoRoot, "generators/dist/cli/create-shipyard.js");
const SEED = Number(process.env.SHIPYARD_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Per command: moments drawn uniformly over 0–2x its duration, and moments drawn among the points of its write. */
const TIMED = 8;
const AT_POINTS = 12;

/** mulberry32: a small seeded generator, so a failing set of moments can be replayed. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const scratch = mkdtempSync(join(tmpdir(), "shipyard-kill-"));
afterAll(() => {
  if (process.env.SHIPYARD_KEEP_TMP !== "1") rmSync(scratch, { recursive: true, force: true });
});
let copies = 0;
function copyOf(base: string): string {
  const dir = join(scratch, `trial-${++copies}`);
  cpSync(base, dir, { recursive: true });
  return dir;
}

interface Command {
  name: string;
  bin: string;
  args: string[];
  /** The folder it runs in; a fresh copy is made for every run. */
  base: string;
}

interface Point {
  name: string;
  ms: number;
}

/** One un-killed run with the trace on: its points, its duration (spawn to exit) and the tree it leaves. */
async function reference(command: Command): Promise<{ points: Point[]; ms: number; after: TreeSnapshot }> {
  const dir = copyOf(command.base);
  const result = await runCommand(process.execPath, [command.bin, ...command.args], dir, { env: { SHIPYARD_TEST_TRACE: "1" } });
  if (result.code !== 0) throw new Error(`${command.name} failed:\n${result.stderr}`);
  const points = [...result.stderr.matchAll(/^point (\S+) ([\d.]+)$/gm)].map((match) => ({ name: match[1] as string, ms: Number(match[2]) }));
  return { points, ms: result.ms, after: snapshotTree(dir) };
}

type Moment = { kind: "spawned" } | { kind: "point"; point: string } | { kind: "exited" };
const describeMoment = (moment: Moment) => (moment.kind === "point" ? `at ${moment.point}` : moment.kind === "spawned" ? "as soon as spawned" : "after it exited");

/**
 * The moments to kill one command at: TIMED drawn uniformly over 0–2x its duration, then AT_POINTS drawn among the
 * points of its write: each kind of point once first (lock, a staged count, staged, journal, a swap, commit, clean-up,
 * release; in random order, a random N for `staging:N` and `swapped:N`), then any point, each `swapped:N` alike.
 */
function moments(points: Point[], ms: number, random: () => number): Moment[] {
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)] as T;
  const chosen: Moment[] = [];
  for (let index = 0; index < TIMED; index++) {
    const at = random() * 2 * ms;
    const last = points.filter((point) => point.ms <= at).at(-1);
    chosen.push(at >= ms ? { kind: "exited" } : last ? { kind: "point", point: last.name } : { kind: "spawned" });
  }
  const kinds = new Map<string, string[]>();
  for (const { name } of points) kinds.set(name.split(":")[0] as string, [...(kinds.get(name.split(":")[0] as string) ?? []), name]);
  const order = [...kinds.keys()].map((kind) => ({ kind, key: random() })).sort((a, b) => a.key - b.key);
  for (const { kind } of order.slice(0, AT_POINTS)) chosen.push({ kind: "point", point: pick(kinds.get(kind) as string[]) });
  const named = points.filter((point) => !point.name.startsWith("staging:")).map((point) => point.name);
  while (chosen.length < TIMED + AT_POINTS) chosen.push({ kind: "point", point: pick(named) });
  return chosen;
}

/** Runs `command` in `dir` and SIGKILLs it at `moment`. */
async function killAt(command: Command, dir: string, moment: Moment): Promise<void> {
  const argv = [command.bin, ...command.args];
  if (moment.kind === "exited") {
    const result = await runCommand(process.execPath, argv, dir);
    expect(result.code, result.stderr).toBe(0);
    return;
  }
  if (moment.kind === "spawned") {
    const child = spawn(process.execPath, argv, { cwd: dir, env: userEnv(), stdio: "ignore" });
    child.kill("SIGKILL");
    await new Promise((resolveExit) => child.once("close", resolveExit));
    return;
  }
  const paused = await spawnUntilPaused(process.execPath, argv, dir, moment.point);
  paused.child.kill("SIGKILL");
  expect((await paused.exited).signal).toBe("SIGKILL");
}

function run(bin: string, args: string[], cwd: string, options: CommandOptions = {}): Promise<CommandResult> {
  return runCommand(process.execPath, [bin, ...args], cwd, options);
}

function expectNoCrash(result: CommandResult): void {
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr).not.toContain("unexpected error");
}

/** Which of the two trees `snapshot` is, or a description of how it is neither. */
function whichTree(snapshot: TreeSnapshot, old: TreeSnapshot, fresh: TreeSnapshot): "old" | "new" | string {
  const same = (a: TreeSnapshot, b: TreeSnapshot) => JSON.stringify(a) === JSON.stringify(b);
  if (same(snapshot, old)) return "old";
  if (same(snapshot, fresh)) return "new";
  return `MIXED: against the old tree ${JSON.stringify(diffTrees(old, snapshot))}; against the new ${JSON.stringify(diffTrees(fresh, snapshot))}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Set-up, at collection time so that the test names can give the number of moments.
ensureCliBuilt();
const repo = makeTempRepo({ git: false });
const repoBase = join(scratch, "repo");
cpSync(repo.dir, repoBase, { recursive: true });
repo.remove();
// An update with something to do: template changes that reach owned and merged files of the service and the root.
const updateBase = join(scratch, "update");
cpSync(repoBase, updateBase, { recursive: true });
for (const path of [
  "templates/service/files/packages/__name__/Dockerfile",
  "templates/service/files/.github/workflows/__name__.yml",
  "templates/monorepo/files/.editorconfig",
  "templates/monorepo/files/_gitignore",
  "templates/monorepo/files/.github/workflows/ci.yml",
]) {
  writeFileSync(join(updateBase, path), `${readFileSync(join(updateBase, path), "utf8")}# changed by the kill test\n`);
}
const createBase = join(scratch, "create");
mkdirSync(createBase);

const { node } = JSON.parse(readFileSync(join(repoBase, ".shipyard/units/hello.json"), "utf8")).answers as { node: number };
const commands = {
  add: { name: "add", bin: shipyardBin, args: ["add", "service", "orders", "--yes"], base: repoBase },
  update: { name: "update", bin: shipyardBin, args: ["update"], base: updateBase },
  create: { name: "create", bin: createBin, args: ["my-platform", "--yes", "--no-install", "--no-git"], base: createBase },
} satisfies Record<string, Command>;
const random = rng(SEED);
const plans = {} as Record<keyof typeof commands, { moments: Moment[]; after: TreeSnapshot; ms: number }>;
for (const key of ["add", "update", "create"] as const) {
  const ref = await reference(commands[key]);
  plans[key] = { moments: moments(ref.points, ref.ms, random), after: ref.after, ms: ref.ms };
}
const count = (key: keyof typeof commands) =>
  `${TIMED + AT_POINTS} kills at random moments: ${TIMED} over 0–2x its ${plans[key].ms} ms, ${AT_POINTS} among the points of its write; seed ${SEED}`;

// ---------------------------------------------------------------------------------------------------------------

/** add, update: the next command is a writing one with nothing to write (`set` an answer to its value). */
async function trials(key: "add" | "update") {
  const command = commands[key];
  const old = snapshotTree(command.base);
  const fresh = plans[key].after;
  const seen = { old: 0, new: 0, rolledBack: 0 };
  for (const moment of plans[key].moments) {
    const where = `${key} killed ${describeMoment(moment)} (seed ${SEED})`;
    const dir = copyOf(command.base);
    await killAt(command, dir, moment);
    const staging = join(dir, "node_modules/.cache/shipyard");
    const journal = existsSync(staging) && readdirSync(staging).some((name) => name.startsWith("tx-") && existsSync(join(staging, name, "journal.json")));
    const killed = snapshotTree(dir);

    const next = await run(shipyardBin, ["set", `node=${node}`, "--in", "hello"], dir);
    expectNoCrash(next);
    expect(next.code, `${where}: the next command\n${next.stderr}`).toBe(0);
    const after = snapshotTree(dir);
    const tree = whichTree(after, old, fresh);
    expect(tree, where).toMatch(/^(old|new)$/);
    seen[tree as "old" | "new"]++;
    const said = next.stderr.match(new RegExp(`^shipyard: rolled back an interrupted \`${command.name}\` from \\d\\d:\\d\\d:\\d\\d \\((\\d+) files restored\\)\\.$`, "m"));
    if (journal) {
      // Killed while moving files into place: everything it had moved is put back, and it is said.
      expect(said, `${where}: the next command did not say what it rolled back\n${next.stderr}`).not.toBeNull();
      expect(tree, where).toBe("old");
      seen.rolledBack++;
    } else {
      // Nothing had been moved yet, or everything was done: nothing to roll back, nothing said, nothing changed.
      expect(next.stderr, where).not.toContain("rolled back");
      expect(diffTrees(killed, after), `${where}: the next command changed the tree without a journal`).toEqual({ added: [], removed: [], changed: [] });
    }
    expect(existsSync(staging), `${where}: lock or staging left behind`).toBe(false);

    if (tree === "old" && seen.old === 1) {
      // What was rolled back does not stand in the way: the same command now does all of its work.
      const again = await run(command.bin, command.args, dir);
      expect(again.code, `${where}: run again\n${again.stderr}`).toBe(0);
      expect(whichTree(snapshotTree(dir), old, fresh), `${where}: run again`).toBe("new");
    }
    rmSync(dir, { recursive: true, force: true });
  }
  // The moments reached both sides of the commit, and the roll-back path.
  expect(seen.old).toBeGreaterThan(0);
  expect(seen.new).toBeGreaterThan(0);
  expect(seen.rolledBack).toBeGreaterThan(0);
}

describe("SIGKILL at any moment: the tree is old or new after the next command, which says what it rolled back", () => {
  it(`add service (${count("add")})`, () => trials("add"), 600_000);

  it(`update (${count("update")})`, () => trials("update"), 600_000);

  it(`create (${count("create")})`, async () => {
    const command = commands.create;
    const fresh = plans.create.after;
    const seen = { absent: 0, complete: 0, marked: 0, rolledBack: 0, written: 0 };
    const owner = "create-shipyard( \\(pid \\d+, `create-shipyard my-platform --yes --no-install --no-git`, since \\d\\d:\\d\\d:\\d\\d\\))?";
    const finished = new RegExp(`^create-shipyard: an interrupted ${owner} had finished writing my-platform; removed the lock it left\\.$`, "m");
    const cleanedUp = new RegExp(
      `^create-shipyard: cleaned up what an interrupted ${owner} left in my-platform(?<rolled> \\(rolled back an interrupted \`create\` from \\d\\d:\\d\\d:\\d\\d \\(\\d+ files restored\\)\\.\\))?(, and removed my-platform)?; starting again\\.$`,
      "m",
    );
    for (const moment of plans.create.moments) {
      const where = `create killed ${describeMoment(moment)} (seed ${SEED})`;
      const cwd = copyOf(command.base);
      await killAt(command, cwd, moment);
      const killed = snapshotTree(cwd);
      const target = join(cwd, "my-platform");
      const marker = join(target, ".shipyard-create");
      // Right after the kill: no folder, the complete repository, or a folder marked as an unfinished create.
      const state = !existsSync(target) ? "absent" : existsSync(marker) ? "marked" : whichTree(killed, {}, fresh) === "new" ? "complete" : "neither";
      expect(state, `${where}: ${whichTree(killed, {}, fresh)}`).not.toBe("neither");
      seen[state as "absent" | "complete" | "marked"]++;
      const journal = existsSync(marker) && readdirSync(marker).some((name) => name.startsWith("tx-") && existsSync(join(marker, name, "journal.json")));

      // Killed after its transaction was committed, before it removed its marker: complete, only the lock is left.
      const written = state === "marked" && !journal && existsSync(join(target, ".shipyard/config.json"));

      const next = await run(createBin, command.args, cwd);
      expectNoCrash(next);
      // Whatever the kill left, after the next create the directory is the complete repository, and nothing else.
      expect(whichTree(snapshotTree(cwd), {}, fresh), `${where}\n${next.stderr}`).toBe("new");
      if (state === "complete" || written) {
        // Already there: refused (it is not empty), nothing changed but the lock removed.
        expect(next.code, where).toBe(1);
        expect(next.stderr, where).toContain("my-platform is not empty");
      } else {
        expect(next.code, `${where}\n${next.stderr}`).toBe(0);
      }
      if (written) {
        expect(next.stderr, where).toMatch(finished);
        seen.written++;
      } else if (state === "marked") {
        const said = next.stderr.match(cleanedUp);
        expect(said, `${where}: the next create did not say what it cleaned up\n${next.stderr}`).not.toBeNull();
        expect(Boolean(said?.groups?.rolled), `${where}: says it rolled back a journal exactly when there was one\n${next.stderr}`).toBe(journal);
        if (journal) seen.rolledBack++;
      } else {
        expect(next.stderr, where).not.toContain("interrupted");
      }
      rmSync(cwd, { recursive: true, force: true });
    }
    expect(seen.marked).toBeGreaterThan(0);
    expect(seen.rolledBack).toBeGreaterThan(0);
    expect(seen.written).toBeGreaterThan(0);
    expect(seen.absent + seen.complete).toBeGreaterThan(0);
  }, 600_000);
});
