// A package's whole life after `add`, end to end with the built CLI in a throw-away copy of this repository:
// `set` changes recorded answers (Node major everywhere it is named, the Clever Cloud runtime) keeping the user's
// edits; `remove` leaves no trace and refuses a library still in use; `rename` moves a library and rewrites the
// service that uses it. Then npm install and turbo: the services still build and pass their tests.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ensureCliBuilt, git, makeTempRepo, runCommand, runShipyard, snapshotTree, type TempRepo } from "./support/repo.ts";

const SERVICES = ["orders", "billing", "shipping"];
let repo: TempRepo;
const read = (path: string) => readFileSync(join(repo.dir, path), "utf8");
const append = (path: string, text: string) => writeFileSync(join(repo.dir, path), `${read(path)}${text}`);
const shipyard = async (...args: string[]) => {
  const result = await runShipyard(repo.dir, args);
  return { ...result, output: `${result.stdout}${result.stderr}` };
};
const commit = async (message: string) => {
  await git(repo.dir, "add", "--all");
  await git(repo.dir, "commit", "--quiet", "--allow-empty", "--message", message);
};
const userEdit = (svc: string) => `# ${svc}: our own line\n`;

beforeAll(async () => {
  ensureCliBuilt();
  repo = makeTempRepo();
  for (const args of [["library", "money", "--yes"], ...SERVICES.map((svc) => ["service", svc, "--yes", ...(svc === "orders" ? ["--uses", "money"] : [])])]) {
    const add = await shipyard("add", ...args);
    expect(add.code, add.output).toBe(0);
  }
  // The users' own edits, which every command below must keep.
  for (const svc of SERVICES) {
    append(`packages/${svc}/Dockerfile`, userEdit(svc));
    append(`.github/workflows/${svc}.yml`, userEdit(svc));
  }
  writeFileSync(join(repo.dir, "packages/orders/src/price.ts"), 'import { formatCents } from "@shipyard/money";\n\nexport const price = (cents: number): string => `${formatCents(cents)} EUR`;\n');
  writeFileSync(
    join(repo.dir, "packages/orders/test/price.test.ts"),
    'import { expect, it } from "vitest";\nimport { price } from "../src/price.ts";\n\nit("formats a price", () => {\n  expect(price(1999)).toBe("19.99 EUR");\n});\n',
  );
  await git(repo.dir, "add", "--all");
  await git(repo.dir, "commit", "--quiet", "--message", "three services and a library, with our edits");
}, 120_000);

afterAll(() => repo?.remove());

describe("set, remove, rename (in order, on one repository)", () => {
  test("set node=26 --all: every place naming the major changes, the edits survive, update --check is clean", async () => {
    const set = await shipyard("set", "node=26", "--all");
    expect(set.code, set.output).toBe(0);
    for (const svc of [...SERVICES, "hello"]) {
      const pkg = JSON.parse(read(`packages/${svc}/package.json`)) as { engines: { node: string }; devDependencies: Record<string, string> };
      expect(pkg.engines.node, svc).toBe("26.x");
      expect(pkg.devDependencies["@types/node"], svc).toBe("^26.0.0");
      expect(read(`packages/${svc}/Dockerfile`)).toContain("ARG NODE_MAJOR=26\n");
      expect(read(`.github/workflows/${svc}.yml`)).toMatch(/node-version: 26\n/);
      expect(read(`packages/${svc}/clever.env`)).toContain("CC_NODE_VERSION=26\n");
      expect(JSON.parse(read(`.shipyard/units/${svc}.json`)).answers.node).toBe(26);
      if (svc === "hello") continue;
      expect(read(`packages/${svc}/Dockerfile`).endsWith(userEdit(svc)), `${svc}'s Dockerfile edit`).toBe(true);
      expect(read(`.github/workflows/${svc}.yml`).endsWith(userEdit(svc)), `${svc}'s workflow edit`).toBe(true);
    }
    // Every service agrees: the root follows (.nvmrc, read by the root CI).
    expect(read(".nvmrc").trim()).toBe("26");
    const check = await shipyard("update", "--check");
    expect(check.code, check.output).toBe(0);
    await commit("node 26");
  });

  test("set runtime=docker --in orders switches its clever.env to the Docker runtime", async () => {
    const set = await shipyard("set", "runtime=docker", "--in", "orders");
    expect(set.code, set.output).toBe(0);
    const env = read("packages/orders/clever.env");
    expect(env).toContain("CC_DOCKERFILE=packages/orders/Dockerfile\n");
    expect(env).not.toContain("CC_NODE_VERSION");
    expect(read("packages/billing/clever.env")).toContain("CC_NODE_VERSION=26");
    expect((await shipyard("update", "--check")).code).toBe(0);
    await commit("orders on docker");
  });

  test.each([
    [["runtime=docker", "--in", "money"], /A library has no answer "runtime"/],
    [["colour=blue", "--all"], /has no answer "colour"/],
    [["node=25", "--all"], /Invalid --node "25": choose one of 22, 24, 26/],
    [["port=http", "--in", "orders"], /Invalid --port "http"/],
    [["uses=ghost", "--in", "orders"], /"ghost" is not a library/],
    [["node=26"], /--in <package>… or --all/],
    [["name=x", "--in", "orders"], /npm run shipyard -- rename orders <new-name>/],
  ])("set %j: a one-line error, nothing written", async (args, message) => {
    const before = snapshotTree(repo.dir);
    const set = await shipyard("set", ...args);
    expect(set.code).not.toBe(0);
    expect(set.stderr).toMatch(message);
    expect(set.stderr).not.toMatch(/\n\s+at /);
    expect(snapshotTree(repo.dir)).toEqual(before);
  });

  test("remove of a used library is refused, naming its users; nothing changes", async () => {
    const before = snapshotTree(repo.dir);
    const remove = await shipyard("remove", "money");
    expect(remove.code).not.toBe(0);
    expect(remove.stderr).toContain("money is used by orders");
    expect(snapshotTree(repo.dir)).toEqual(before);
  });

  test("remove billing: no file, workflow, record or base left; says what to do outside; update --check clean", async () => {
    const dry = await shipyard("remove", "billing", "--dry-run");
    expect(dry.code, dry.output).toBe(0);
    expect(existsSync(join(repo.dir, "packages/billing"))).toBe(true);
    const remove = await shipyard("remove", "billing");
    expect(remove.code, remove.output).toBe(0);
    expect(remove.stdout).toContain("CLEVER_APP_ID_BILLING");
    expect(remove.stdout).toContain("npm install");
    const left = Object.keys(snapshotTree(repo.dir)).filter((path) => /billing/.test(path));
    expect(left).toEqual([]);
    for (const svc of ["orders", "shipping", "hello"]) expect(existsSync(join(repo.dir, `packages/${svc}/package.json`)), svc).toBe(true);
    expect((await shipyard("update", "--check")).code).toBe(0);
    await commit("remove billing");
  });

  test("rename money cash: folder, package name, the service's dependency, imports and path filters move with it", async () => {
    const rename = await shipyard("rename", "money", "cash");
    expect(rename.code, rename.output).toBe(0);
    expect(existsSync(join(repo.dir, "packages/money"))).toBe(false);
    expect(JSON.parse(read("packages/cash/package.json")).name).toBe("@shipyard/cash");
    const orders = JSON.parse(read("packages/orders/package.json")) as { dependencies: Record<string, string> };
    expect(Object.keys(orders.dependencies)).toContain("@shipyard/cash");
    expect(Object.keys(orders.dependencies)).not.toContain("@shipyard/money");
    expect(read("packages/orders/src/price.ts")).toContain('from "@shipyard/cash"');
    expect(read(".github/workflows/orders.yml")).toContain('"packages/cash/**"');
    expect(read(".github/workflows/orders.yml").endsWith(userEdit("orders"))).toBe(true);
    expect(JSON.parse(read(".shipyard/units/orders.json")).answers.uses).toEqual(["cash"]);
    expect(existsSync(join(repo.dir, ".shipyard/units/money.json"))).toBe(false);
    expect(existsSync(join(repo.dir, ".shipyard/base/packages/cash/package.json.base"))).toBe(true);
    expect((await shipyard("update", "--check")).code).toBe(0);
    // Clashes are refused.
    expect((await shipyard("rename", "cash", "orders")).stderr).toMatch(/already exists/);
    expect((await shipyard("rename", "cash", "Cash")).stderr).toMatch(/Invalid <new-name>/);
    await commit("rename money to cash");
  });

  test("after npm install: the services build and pass their tests, doctor has no error about what was removed", async () => {
    const install = await runCommand("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], repo.dir, { timeoutMs: 600_000 });
    expect(install.code, install.stderr).toBe(0);
    const turbo = await runCommand("npx", ["turbo", "run", "build", "test", "--filter=@shipyard/orders...", "--filter=@shipyard/shipping"], repo.dir, {
      env: { TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1", NO_COLOR: "1", FORCE_COLOR: "0" },
      timeoutMs: 600_000,
    });
    const output = stripVTControlCharacters(turbo.stdout + turbo.stderr);
    expect(turbo.code, output.slice(-5000)).toBe(0);
    for (const pkg of ["@shipyard/orders", "@shipyard/shipping", "@shipyard/cash"]) expect(output).toMatch(new RegExp(`${pkg}:test:.*Tests\\s+\\d+ passed`));
    const doctor = await shipyard("doctor");
    const errors = doctor.stdout.split("\n").filter((line) => line.startsWith("ERROR"));
    expect(errors.filter((line) => /billing|money/.test(line)), doctor.stdout).toEqual([]);
  }, 900_000);
});
