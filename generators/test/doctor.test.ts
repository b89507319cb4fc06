import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { doctor } from "../src/commands/doctor.js";
import { type Fixture, makeFixture } from "./fixture.js";

/*
 * `shipyard doctor` on a healthy repository, then on one broken thing at a time: each error must be reported
 * (status error, a message naming the file and a fix) and make the exit code non-zero (errors > 0).
 */
let fixture: Fixture;
beforeEach(async () => {
  fixture = await makeFixture(["orders", "billing"]);
  // What `npm install` records for the two workspaces (doctor reads only these keys).
  fixture.write("package-lock.json", JSON.stringify({ lockfileVersion: 3, packages: { "": {}, "packages/orders": {}, "packages/billing": {} } }));
  fixture.commitAll();
});
afterEach(() => fixture.dispose());

/** Errors on the services' Node.js (this machine's may be older than theirs, which is an error of its own). */
const errorsOf = () => doctor(fixture.root, { nodeVersion: "24.11.0" }).checks.filter((check) => check.status === "error");
const replaceIn = (path: string, from: string | RegExp, to: string) => fixture.write(path, fixture.read(path).replace(from, to));

describe("shipyard doctor", () => {
  it("finds no error in a freshly generated repository", () => {
    // On the services' Node.js (this machine's may be older: see the next test).
    const result = doctor(fixture.root, { nodeVersion: "24.11.0" });
    expect(result.errors).toBe(0);
    expect(result.checks.map((check) => check.check)).toEqual(
      expect.arrayContaining([
        "node",
        "npm",
        "git",
        "containers",
        "lockfile",
        "clever-tools",
        "deploy-config:orders",
        "deploy-config:billing",
        "app-variables",
        "templates",
      ]),
    );
    // Optional tools are warnings at worst, never errors.
    for (const check of result.checks.filter((check) => ["containers", "container-engine", "clever-tools", "git"].includes(check.check)))
      expect(check.status).not.toBe("error");
  });

  it("reports a Node.js that cannot run the services' scripts as an error, with the fix", () => {
    const check = (nodeVersion: string) => doctor(fixture.root, { nodeVersion }).checks.find((result) => result.check === "node-scripts");
    expect(check("20.20.2")).toEqual({
      check: "node-scripts",
      status: "error",
      message:
        "Node.js 20.20.2 cannot run the TypeScript scripts of billing (npm run dev), orders (npm run dev): running a .ts file needs Node.js 22.18 or later, and the services use Node.js 24.",
      fix: "nvm install 24 && nvm use 24 (.nvmrc names it), or install Node.js 24 from https://nodejs.org, then run the command again.",
    });
    expect(check("22.17.1")?.status).toBe("error");
    for (const version of ["22.18.0", "23.6.0", "24.11.0", "26.0.0"]) expect(check(version)?.status, version).toBe("ok");
    // A repository whose services run no .ts file directly has nothing to block.
    for (const name of ["orders", "billing"]) replaceIn(`packages/${name}/package.json`, /"dev": "[^"]*"/, '"dev": "node --watch dist/server.js"');
    expect(check("20.20.2")?.status).toBe("ok");
  });

  it("checks that the container engine answers, not only that its CLI is installed", () => {
    const engine = () => doctor(fixture.root, { nodeVersion: "24.11.0" }).checks.find((check) => check.check === "container-engine");
    // This machine's podman (scripts/setup/podman.sh) answers.
    expect(engine()).toMatchObject({ status: "ok", message: expect.stringContaining("the podman engine answers") });
    // A podman whose service is not there (as on macOS before `podman machine start`): the CLI works, the engine does not.
    const saved = process.env.CONTAINER_HOST;
    process.env.CONTAINER_HOST = `unix://${fixture.root}/no-podman.sock`;
    try {
      expect(engine()).toMatchObject({
        status: "warning",
        message: expect.stringMatching(/^The container engine does not answer, so images cannot be built here \(.*podman: Cannot connect to Podman/),
        fix: expect.stringContaining("podman machine start"),
      });
    } finally {
      if (saved === undefined) delete process.env.CONTAINER_HOST;
      else process.env.CONTAINER_HOST = saved;
    }
  });

  it("reports a missing deploy config and a missing workflow", () => {
    fixture.git("rm", "-q", "packages/orders/clever.env", ".github/workflows/billing.yml");
    const messages = errorsOf().map((check) => check.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining("packages/orders/clever.env is missing"),
        expect.stringContaining(".github/workflows/billing.yml is missing"),
      ]),
    );
  });

  it("reports a package that package-lock.json does not know (npm ci would fail in CI)", () => {
    fixture.write("package-lock.json", JSON.stringify({ lockfileVersion: 3, packages: { "": {}, "packages/orders": {} } }));
    const [problem] = errorsOf();
    expect(problem).toMatchObject({
      check: "lockfile",
      message: expect.stringContaining("does not know billing"),
      fix: expect.stringContaining("npm install"),
    });
  });

  it("reports an undocumented Clever Cloud variable such as CC_APP_FOLDER, with the documented alternative", () => {
    replaceIn("packages/orders/clever.env", "NODE_ENV=production", "NODE_ENV=production\nCC_APP_FOLDER=packages/orders");
    const [problem] = errorsOf();
    expect(problem?.message).toMatch(/CC_APP_FOLDER is not a documented Clever Cloud variable/);
    expect(problem?.fix).toMatch(/APP_FOLDER/);
  });

  it("reports a build in the pre-build hook (it runs before dependencies are installed)", () => {
    replaceIn("packages/orders/clever.env", "CC_POST_BUILD_HOOK=", "CC_PRE_BUILD_HOOK=");
    expect(errorsOf().map((check) => check.message)).toEqual([expect.stringContaining("CC_PRE_BUILD_HOOK builds before dependencies are installed")]);
  });

  it("reports a Node version that disagrees with engines, and engines.node at the root", () => {
    replaceIn("packages/orders/clever.env", "CC_NODE_VERSION=24", "CC_NODE_VERSION=22");
    replaceIn("package.json", '"engines":{', '"engines":{"node":">=20",');
    const messages = errorsOf().map((check) => check.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining("CC_NODE_VERSION=22 disagrees with engines.node 24.x"),
        expect.stringContaining("root sets engines.node"),
      ]),
    );
  });

  it("reports two services deploying to the same Clever Cloud app", () => {
    replaceIn(".github/workflows/billing.yml", "vars.CLEVER_APP_ID_BILLING", "vars.CLEVER_APP_ID_ORDERS");
    expect(errorsOf().map((check) => check.message)).toEqual([
      expect.stringMatching(/Packages (orders and billing|billing and orders) deploy to the same Clever Cloud app/),
    ]);
  });

  it("reports unresolved conflict markers as an error and drift from templates/ as a warning", () => {
    replaceIn(
      "packages/orders/Dockerfile",
      "USER node",
      "<<<<<<< yours (packages/orders/Dockerfile)\nUSER app\n=======\nUSER node\n>>>>>>> template",
    );
    replaceIn("templates/service/files/packages/__name__/Dockerfile", "USER node", "RUN true\nUSER node");
    const result = doctor(fixture.root);
    const templates = result.checks.find((check) => check.check === "templates");
    expect(templates).toMatchObject({ status: "error", message: expect.stringContaining("packages/orders/Dockerfile") });
    replaceIn("packages/orders/Dockerfile", /<<<<<<< yours[\s\S]*>>>>>>> template/, "USER node");
    const drift = doctor(fixture.root).checks.find((check) => check.check === "templates");
    expect(drift).toMatchObject({ status: "warning", fix: expect.stringContaining("npm run shipyard -- update") });
  });
});
