// The Clever Cloud build contract of generated services, on the local emulation in test/support/clever-emulator.ts
// (Clever Cloud itself cannot be reached): packages/hello and a freshly generated service of each runtime deploy
// from a fresh clone and answer their health checks; broken configs are refused with a clear reason.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALLOWED_VARIABLES,
  CleverContractError,
  CleverDeployError,
  checkCleverConfig,
  deployLikeCleverCloud,
  enginesMajors,
  parseCleverEnv,
} from "./support/clever-emulator.js";
import { ensureBaseImage, podmanAvailable } from "./support/podman.js";
import { ensureCliBuilt, makeTempRepo, runCommand, runShipyard, type TempRepo } from "./support/repo.js";

const NODE_SVC = "parcel";
const DOCKER_SVC = "crate";

let repo: TempRepo;
const git = (...args: string[]) =>
  execFileSync("git", ["-c", "user.name=Shipyard Test", "-c", "user.email=test@shipyard.invalid", "-c", "commit.gpgsign=false", ...args], {
    cwd: repo.dir,
    stdio: "pipe",
    encoding: "utf8",
  });

/** Commits `edit` on a new branch off main (the deploy clones that branch), then returns to main. */
function branchWith(branch: string, edit: () => void): string {
  git("checkout", "--quiet", "-b", branch, "main");
  edit();
  git("add", "--all");
  git("commit", "--quiet", "--no-verify", "-m", branch);
  git("checkout", "--quiet", "main");
  return branch;
}

const read = (path: string) => readFileSync(join(repo.dir, path), "utf8");
const write = (path: string, text: string) => writeFileSync(join(repo.dir, path), text);

/** The contract's verdict on a branch: the problems it reports, without building anything. */
async function refusal(branch: string, config: string): Promise<string[]> {
  const error = await deployLikeCleverCloud({ repository: repo.dir, config, branch }).then(
    async (d) => {
      await d.stop();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CleverContractError);
  return (error as CleverContractError).problems;
}

beforeAll(async () => {
  ensureCliBuilt();
  repo = makeTempRepo();
  for (const args of [
    ["add", "service", NODE_SVC, "--yes"],
    ["add", "service", DOCKER_SVC, "--yes", "--runtime", "docker"],
  ]) {
    const r = await runShipyard(repo.dir, args);
    if (r.code !== 0) throw new Error(`shipyard ${args.join(" ")} failed:\n${r.stdout}${r.stderr}`);
  }
  // Lockfile entries for the new workspaces (what the user commits after `npm install`).
  const install = await runCommand("npm", ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"], repo.dir, {
    timeoutMs: 300_000,
  });
  if (install.code !== 0) throw new Error(`npm install failed:\n${install.stderr}`);
  git("add", "--all");
  git("commit", "--quiet", "--no-verify", "-m", "add services");
});

afterAll(() => repo?.remove());

describe("clever.env format and allow-list", () => {
  it("parses NAME=value lines and reports lines the deploy job would mangle", () => {
    const { vars, problems } = parseCleverEnv("# c\nA=1\nB=x=y\n\n  C=2\nD=\"q\"\nA=3\n");
    expect(vars).toEqual({ A: "3", B: "x=y", D: '"q"' });
    expect(problems).toEqual([
      expect.stringMatching(/:5: not a NAME=value line/),
      expect.stringMatching(/:6: the value of D is quoted/),
      expect.stringMatching(/:7: A is set twice/),
    ]);
  });

  it("every allowed variable names its source document; engines ranges are read as Clever Cloud would", () => {
    for (const v of ALLOWED_VARIABLES) expect(v.doc).toMatch(/\.md/);
    expect(ALLOWED_VARIABLES.some((v) => v.name === "CC_APP_FOLDER")).toBe(false);
    expect(enginesMajors("24.x")).toEqual([24]);
    expect(enginesMajors("^24.1.0")).toEqual([24]);
    expect(enginesMajors(">=24 <25")).toEqual([24]);
    expect(enginesMajors("22.x || 24.x")).toEqual([22, 24]);
    expect(enginesMajors(">=20")).toBe("open");
  });

  it("the generated configs pass the static contract", () => {
    for (const svc of ["hello", NODE_SVC, DOCKER_SVC]) {
      const checked = checkCleverConfig({ repoDir: repo.dir, config: `packages/${svc}/clever.env` });
      expect(checked.problems, svc).toEqual([]);
    }
    expect(checkCleverConfig({ repoDir: repo.dir, config: `packages/${DOCKER_SVC}/clever.env` }).runtime).toBe("docker");
    expect(checkCleverConfig({ repoDir: repo.dir, config: `packages/${NODE_SVC}/clever.env` }).node).toEqual({ spec: "24", from: "CC_NODE_VERSION" });
  });
});

describe("Node.js runtime, end to end from a fresh clone", () => {
  for (const svc of ["hello", NODE_SVC]) {
    it(`${svc}: npm ci with dev dependencies, post-build hook, CC_RUN_COMMAND, health checks 200`, async () => {
      const deployment = await deployLikeCleverCloud({ repository: repo.dir, config: `packages/${svc}/clever.env` });
      try {
        expect(deployment.nodeVersion).toMatch(/^v24\./);
        expect(deployment.steps.map((s) => s.name)).toEqual(["install", "CC_POST_BUILD_HOOK", "run"]);
        expect(deployment.steps[0]?.command).toMatch(/^npm ci --include=dev/);
        expect(deployment.health.length).toBeGreaterThan(0);
        for (const h of deployment.health) expect(h).toMatchObject({ path: "/health", status: 200 });
        expect(JSON.parse(deployment.health[0]?.body ?? "")).toEqual({ status: "ok" });
      } finally {
        const stopped = await deployment.stop();
        // A redeploy stops the instance with SIGTERM: the generated server exits 0 on it.
        expect(stopped).toMatchObject({ exitCode: 0 });
        console.log(
          `${svc}: ${deployment.steps.map((s) => `${s.name} ${(s.ms / 1000).toFixed(1)} s`).join(", ")}; node ${deployment.nodeVersion}; health via ${deployment.health.map((h) => h.via).join(", ")}`,
        );
      }
    });
  }
});

describe.skipIf(!podmanAvailable())("Docker runtime, end to end from a fresh clone", () => {
  it(`${DOCKER_SVC}: the image named by CC_DOCKERFILE builds from the repository root and answers its health check`, async () => {
    ensureBaseImage(24);
    const deployment = await deployLikeCleverCloud({ repository: repo.dir, config: `packages/${DOCKER_SVC}/clever.env` });
    try {
      expect(deployment.runtime).toBe("docker");
      expect(deployment.health).toEqual([expect.objectContaining({ path: "/health", status: 200 })]);
    } finally {
      const stopped = await deployment.stop();
      expect(stopped.exitCode).toBe(0);
      console.log(`${DOCKER_SVC}: ${deployment.steps.map((s) => `${s.name} ${(s.ms / 1000).toFixed(1)} s`).join(", ")}`);
    }
  });
});

describe("broken configs fail the contract with a clear reason", () => {
  const config = "packages/hello/clever.env";

  it("CC_APP_FOLDER (undocumented; the variable is APP_FOLDER)", async () => {
    const branch = branchWith("cc-app-folder", () => write(config, `${read(config)}CC_APP_FOLDER=packages/hello\n`));
    const problems = await refusal(branch, config);
    expect(problems).toEqual([expect.stringMatching(/^CC_APP_FOLDER is not a documented Clever Cloud variable: the documented variable is APP_FOLDER/)]);
  });

  it("another undocumented CC_ variable, and a clevercloud/nodejs.json file", async () => {
    const branch = branchWith("undocumented", () => {
      write(config, `${read(config)}CC_NODE_START_GOAL=start\n`);
      execFileSync("mkdir", ["-p", join(repo.dir, "clevercloud")]);
      write("clevercloud/nodejs.json", '{"deploy":{"main":"packages/hello/dist/server.js"}}\n');
    });
    const problems = await refusal(branch, config);
    expect(problems).toEqual([
      expect.stringMatching(/^CC_NODE_START_GOAL is not a documented Clever Cloud variable/),
      expect.stringMatching(/^clevercloud\/nodejs.json is not a documented Clever Cloud file/),
    ]);
  });

  it("building in CC_PRE_BUILD_HOOK (it runs before dependencies are installed)", async () => {
    const branch = branchWith("pre-build", () =>
      write(config, read(config).replace("CC_POST_BUILD_HOOK=", "CC_PRE_BUILD_HOOK=")),
    );
    const problems = await refusal(branch, config);
    expect(problems).toEqual([expect.stringMatching(/^CC_PRE_BUILD_HOOK builds \(turbo\) but runs BEFORE dependencies are installed/)]);
  });

  it("…and the emulation agrees: without the static check, that deploy really fails in the pre-build hook", async () => {
    const branch = branchWith("pre-build-run", () =>
      write(config, read(config).replace(/^CC_POST_BUILD_HOOK=.*$/m, "CC_PRE_BUILD_HOOK=npm run build -w @shipyard/hello")),
    );
    const error = await deployLikeCleverCloud({ repository: repo.dir, config, branch, checks: false }).then(
      async (d) => {
        await d.stop();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CleverDeployError);
    expect((error as CleverDeployError).step).toBe("CC_PRE_BUILD_HOOK");
    expect((error as CleverDeployError).output).toMatch(/tsc: not found/);
  });

  it("CC_NODE_VERSION that disagrees with the service's engines.node", async () => {
    const branch = branchWith("node-22", () => write(config, read(config).replace("CC_NODE_VERSION=24", "CC_NODE_VERSION=22")));
    const problems = await refusal(branch, config);
    expect(problems).toEqual([expect.stringMatching(/^CC_NODE_VERSION=22 disagrees with engines.node "24.x" of packages\/hello\/package.json/)]);
  });

  it("a root package.json engines.node that disagrees (it wins over CC_NODE_VERSION on Clever Cloud)", async () => {
    for (const range of ["22.x", ">=20"]) {
      const branch = branchWith(`root-engines-${range.replace(/\W/g, "")}`, () => {
        const pkg = JSON.parse(read("package.json"));
        pkg.engines = { ...pkg.engines, node: range };
        write("package.json", `${JSON.stringify(pkg, null, 2)}\n`);
      });
      const problems = await refusal(branch, config);
      expect(problems).toEqual([
        expect.stringMatching(new RegExp(`^root package.json has engines.node "${range.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}", which WINS over CC_NODE_VERSION`)),
      ]);
    }
  });

  it("only committed files are deployed: an uncommitted fix is not seen", async () => {
    const branch = branchWith("uncommitted", () => write(config, read(config).replace("CC_NODE_VERSION=24", "CC_NODE_VERSION=22")));
    git("checkout", "--quiet", branch);
    try {
      write(config, read(config).replace("CC_NODE_VERSION=22", "CC_NODE_VERSION=24")); // not committed
      const problems = await refusal(branch, config);
      expect(problems).toEqual([expect.stringMatching(/^CC_NODE_VERSION=22 disagrees/)]);
    } finally {
      git("checkout", "--quiet", "--force", "main");
    }
  });
});
