// The README's two commands, as its first two code blocks write them, run in that order on a fresh clone of the
// committed HEAD, as a newcomer runs them: the main job (set-up, a service scaffolded, npm install) leaves the service
// in place and the lockfile in step (npm ci would pass); the test command then ends `N passed, 0 failed`. The
// commands are read from the clone's README, so this test follows the README when it changes.
//
// The test command runs the whole suite; here it gets a few quick test files (scripts/test.sh passes its arguments
// to vitest) and its own suite folder and lock (SHIPYARD_SUITE_DIR), so it never meets the suite this test runs in.
// Both set-ups run for real; their machine-wide steps are stamped and only check, the npm steps install (about 45 s
// each on the 2-core development machine, quiet).
//
// Outside a repository, the CLI's hint leads with the README's path that works today, not the unpublished package.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineWarnings, undocumentedEngineWarnings } from "./support/engines.js";
import { ensureCliBuilt, gitSync, repoRoot, runCommand, runShipyard } from "./support/repo.js";

const keepTemp = process.env.SHIPYARD_KEEP_TMP === "1";
let work: string;

/** The README's fenced `sh` blocks, in order. */
const shBlocks = (readme: string) => [...readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1]?.trim() ?? "");

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "shipyard-readme-"));
});

afterAll(() => {
  if (work && !keepTemp) rmSync(work, { recursive: true, force: true });
});

describe("the README's two commands", () => {
  it("in order on a fresh clone: the main job leaves its service installed and locked, the test command ends N passed, 0 failed", async () => {
    const clone = join(work, "clone");
    execFileSync("git", ["clone", "--quiet", repoRoot, clone], { stdio: "pipe" });
    expect(gitSync(clone, "rev-parse", "HEAD")).toBe(gitSync(repoRoot, "rev-parse", "HEAD"));
    const [mainJob, testCommand] = shBlocks(readFileSync(join(clone, "README.md"), "utf8"));
    expect(mainJob, "the README's first code block: one command").toMatch(/^[^\n]+$/);
    expect(testCommand, "the README's second code block: one command").toMatch(/^[^\n#]+$/);
    const service = mainJob?.match(/add service (\S+)/)?.[1];
    expect(service, `the main job scaffolds a service: ${mainJob}`).toBeTruthy();

    // The suite's image prune is the machine's business, not this test's: every other podman call is the real one.
    const realPodman = execFileSync("sh", ["-c", "command -v podman"], { encoding: "utf8" }).trim();
    mkdirSync(join(work, "bin"));
    writeFileSync(join(work, "bin/podman"), `#!/bin/sh\n[ "$1 $2" = "image prune" ] && exit 0\nexec ${realPodman} "$@"\n`);
    chmodSync(join(work, "bin/podman"), 0o755);
    const env = { PATH: `${join(work, "bin")}:${process.env.PATH}`, SHIPYARD_SUITE_DIR: join(work, "suite") };

    const main = await runCommand("bash", ["-c", mainJob as string], clone, { env, timeoutMs: 900_000 });
    expect(main.code, `${main.stdout}\n${main.stderr}`).toBe(0);
    // On the machine's Node.js, npm warns only about what the README and the troubleshooting entry explain.
    const warned = engineWarnings(main.stderr);
    expect(undocumentedEngineWarnings(warned, clone)).toEqual([]);
    const declared = Number(readFileSync(join(clone, ".nvmrc"), "utf8").trim());
    if (Number(process.versions.node.split(".")[0]) < declared) expect(warned.length, "npm's warnings still parsed").toBeGreaterThan(0);
    const pkg = JSON.parse(readFileSync(join(clone, `packages/${service}/package.json`), "utf8")) as { name: string };
    expect(pkg.name).toBe(`@shipyard/${service}`);
    const lock = JSON.parse(readFileSync(join(clone, "package-lock.json"), "utf8")) as { packages: Record<string, { name?: string; link?: boolean }> };
    expect(lock.packages[`packages/${service}`]?.name).toBe(pkg.name);
    expect(lock.packages[`node_modules/${pkg.name}`]?.link).toBe(true);
    expect(lstatSync(join(clone, "node_modules", pkg.name)).isSymbolicLink()).toBe(true);
    // npm ci checks the lockfile against every workspace before it installs anything: --dry-run stops there.
    const ci = await runCommand("npm", ["ci", "--dry-run", "--no-audit", "--no-fund"], clone, { timeoutMs: 120_000 });
    expect(ci.code, ci.stderr).toBe(0);

    const files = ["generators/test/plurals.test.ts", "generators/test/names.test.ts"];
    const tested = await runCommand("bash", ["-c", `${testCommand} ${files.join(" ")}`], clone, { env, timeoutMs: 900_000 });
    const lastLine = tested.stdout.trim().split("\n").at(-1) ?? "";
    expect(tested.code, `${tested.stdout.slice(-4000)}\n${tested.stderr.slice(-4000)}`).toBe(0);
    expect(lastLine).toMatch(/^[1-9]\d* passed, 0 failed$/);
    // The service stays where the main job left it: the suite ran in its own clone.
    expect(existsSync(join(clone, `packages/${service}/package.json`))).toBe(true);
    expect(existsSync(join(work, "suite", `packages/${service}`))).toBe(false);
  }, 1_800_000);
});

describe("outside a repository", () => {
  beforeAll(() => ensureCliBuilt(), 120_000);

  it("says how to create one the way the README does today, with this version's tarball; npm create only once released", async () => {
    const empty = mkdtempSync(join(work, "empty-"));
    const result = await runShipyard(empty, ["add", "service", "orders", "--yes"]);
    expect(result.code).not.toBe(0);
    const [error, hint, ...rest] = result.stderr.trimEnd().split("\n");
    expect(error).toBe(`shipyard: error: No Shipyard repository here (no .shipyard/config.json in ${empty} or above).`);
    expect(rest).toEqual([]);
    expect(existsSync(join(empty, "packages"))).toBe(false);

    // Its commands are the README's, the tarball the one npm pack makes of this version.
    const commands = hint?.match(/: (npm pack [^(]*?) \(/)?.[1]?.split(" && ") ?? [];
    expect(commands, hint).toHaveLength(2);
    const readmeLines = (shBlocks(readFileSync(join(repoRoot, "README.md"), "utf8"))[2] ?? "").split("\n").map((line) => line.replace(/\s+#.*$/, ""));
    for (const command of commands) expect(readmeLines).toContain(command);
    const packed = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts", "-w", "create-shipyard"], { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })) as Array<{ filename: string }>;
    expect(commands[1]).toContain(`--package=./${packed[0]?.filename} `);
    expect(hint).toContain('"Use this template" on GitHub');
    expect(hint).toMatch(/Once create-shipyard is released on npm: npm create shipyard@latest my-platform\.$/);
  });
});
