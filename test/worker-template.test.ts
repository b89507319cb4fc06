// A new kind of package is a change under templates/ only. test/fixtures/templates/worker is a template the
// generator has never heard of (a background worker with its own questions, Dockerfile, workflow and Clever Cloud
// config): copied into a repository's templates/, `add`, `update` (and --check), `doctor`, `use` and `remove`
// handle it from its template.json alone. Nothing in generators/src names it.
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureCliBuilt, gitSync, makeTempRepo, repoRoot, runShipyard, type TempRepo } from "./support/repo.js";

let repo: TempRepo;
const read = (path: string) => readFileSync(join(repo.dir, path), "utf8");
const write = (path: string, content: string) => writeFileSync(join(repo.dir, path), content);
const exists = (path: string) => existsSync(join(repo.dir, path));
const shipyard = (...args: string[]) => runShipyard(repo.dir, args);
const commitAll = (message: string) => {
  gitSync(repo.dir, "add", "--all");
  gitSync(repo.dir, "commit", "--quiet", "--allow-empty", "--message", message);
};

beforeAll(() => {
  ensureCliBuilt();
  repo = makeTempRepo();
  cpSync(join(repoRoot, "test/fixtures/templates/worker"), join(repo.dir, "templates/worker"), { recursive: true });
  commitAll("a worker template");
});
afterAll(() => repo?.remove());

describe("a worker template added under templates/ works with no code change", () => {
  it("generators/src names no worker: everything below comes from the fixture's template.json", () => {
    const sources = (dir: string): string[] =>
      readdirSync(dir).flatMap((entry) => (statSync(join(dir, entry)).isDirectory() ? sources(join(dir, entry)) : [join(dir, entry)]));
    const naming = sources(join(repoRoot, "generators/src")).filter((file) => /\bworker\b/i.test(readFileSync(file, "utf8")));
    expect(naming).toEqual([]);
  });

  it("add worker: its own questions become flags, its files and record are written, --check is then clean", async () => {
    const help = await shipyard("add", "worker", "--help");
    expect(help.stdout).toContain("--interval <value>");
    expect(help.stdout).toContain("a background worker");
    const bad = await shipyard("add", "worker", "mailer", "--interval", "7", "--yes");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.split("\n")[0]).toMatch(/7/);
    expect(exists("packages/mailer")).toBe(false);

    const added = await shipyard("add", "worker", "mailer", "--interval", "10", "--yes");
    expect(added.code, added.stderr).toBe(0);
    for (const path of ["src/worker.ts", "src/main.ts", "test/worker.test.ts", "Dockerfile", "clever.env", "package.json"]) expect(exists(`packages/mailer/${path}`), path).toBe(true);
    expect(read("packages/mailer/clever.env")).toContain("WORKER_INTERVAL_SECONDS=10");
    expect(read(".github/workflows/mailer.yml")).toContain("vars.CLEVER_APP_ID_MAILER");
    expect(JSON.parse(read(".shipyard/units/mailer.json"))).toMatchObject({ template: "worker", answers: { name: "mailer", interval: 10, node: 24, uses: [] } });
    commitAll("add mailer");
    expect((await shipyard("update", "--check")).code).toBe(0);
  });

  it("update brings a change of the worker template in, keeping the user's edit; --check fails until then", async () => {
    write("packages/mailer/Dockerfile", `${read("packages/mailer/Dockerfile")}# our own line\n`);
    const template = "templates/worker/files/packages/__name__/Dockerfile";
    write(template, read(template).replace("USER node", "LABEL org.opencontainers.image.title={{name}}\nUSER node"));
    commitAll("edit the template and the Dockerfile");
    expect((await shipyard("update", "--check")).code).toBe(1);
    const updated = await shipyard("update");
    expect(updated.code, updated.stderr).toBe(0);
    const dockerfile = read("packages/mailer/Dockerfile");
    expect(dockerfile).toContain("LABEL org.opencontainers.image.title=mailer");
    expect(dockerfile).toContain("# our own line");
    commitAll("update");
    expect((await shipyard("update", "--check")).code).toBe(0);
  });

  it("use: the worker's `of` answer takes a library, and its package.json and workflow follow", async () => {
    expect((await shipyard("add", "library", "money", "--yes")).code).toBe(0);
    commitAll("add money");
    const used = await shipyard("use", "money", "--in", "mailer");
    expect(used.code, used.stderr).toBe(0);
    expect(JSON.parse(read("packages/mailer/package.json")).dependencies).toEqual({ "@shipyard/money": "*" });
    expect(read(".github/workflows/mailer.yml")).toContain('"packages/money/**"');
    commitAll("use money");
  });

  it("doctor checks the worker's deploy config and workflow where its manifest says they are", async () => {
    const lock = JSON.parse(read("package-lock.json"));
    for (const name of ["mailer", "money"]) lock.packages[`packages/${name}`] = { name: `@shipyard/${name}`, version: "0.1.0" };
    write("package-lock.json", `${JSON.stringify(lock, null, 2)}\n`);
    commitAll("lockfile");
    const healthy = JSON.parse((await shipyard("doctor", "--json")).stdout) as { checks: Array<{ check: string; status: string; message: string }> };
    expect(healthy.checks.find((check) => check.check === "deploy-config:mailer")).toMatchObject({ status: "ok" });
    expect(healthy.checks.some((check) => check.check === "deploy-config:money")).toBe(false);

    write("packages/mailer/clever.env", read("packages/mailer/clever.env").replace("CC_NODE_VERSION=24", "CC_NODE_VERSION=22"));
    write(".github/workflows/mailer.yml", read(".github/workflows/mailer.yml").replaceAll("CLEVER_APP_ID_MAILER", "CLEVER_APP_ID_HELLO"));
    const broken = await shipyard("doctor", "--json");
    expect(broken.code).toBe(1);
    const errors = (JSON.parse(broken.stdout) as typeof healthy).checks.filter((check) => check.status === "error").map((check) => check.message);
    expect(errors).toEqual(
      expect.arrayContaining([expect.stringContaining("packages/mailer: CC_NODE_VERSION=22 disagrees with engines.node 24.x"), expect.stringMatching(/(hello and mailer|mailer and hello) deploy to the same Clever Cloud app/)]),
    );
    gitSync(repo.dir, "checkout", "--", ".");
  });

  it("remove: the worker's folder, workflow, record and bases go, and its deploy variable is named", async () => {
    const removed = await shipyard("remove", "mailer");
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain("CLEVER_APP_ID_MAILER");
    for (const path of ["packages/mailer", ".github/workflows/mailer.yml", ".shipyard/units/mailer.json", ".shipyard/base/packages/mailer", ".shipyard/base/.github/workflows/mailer.yml.base"]) {
      expect(exists(path), path).toBe(false);
    }
    commitAll("remove mailer");
    expect((await shipyard("update", "--check")).code).toBe(0);
  });
});
