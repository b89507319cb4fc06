// Proves test/support/registry.ts: a package published to the local registry runs through `npm create`, and
// packages that were not published locally come through the uplink.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publish, type Registry, run, startRegistry } from "../support/registry.ts";

let registry: Registry;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "shipyard-registry-test-"));
  registry = await startRegistry();
  console.log(`registry ${registry.url} answered after ${registry.startMs} ms`);
});

afterAll(async () => {
  await registry?.stop();
  await registry?.stop(); // safe twice
  if (work) await rm(work, { recursive: true, force: true });
});

async function makeCreatePackage(version: string): Promise<string> {
  const dir = join(work, `create-demo-xyz-${version}`);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, "package.json"),
    JSON.stringify({ name: "create-demo-xyz", version, license: "MIT", bin: { "create-demo-xyz": "index.js" } }, null, 2),
  );
  await writeFile(
    join(dir, "index.js"),
    [
      "#!/usr/bin/env node",
      'const { mkdirSync, writeFileSync } = require("node:fs");',
      'const { join, resolve } = require("node:path");',
      'const target = resolve(process.argv[2] ?? ".");',
      "mkdirSync(target, { recursive: true });",
      `writeFileSync(join(target, "created.txt"), "create-demo-xyz@${version} " + JSON.stringify(process.argv.slice(2)) + "\\n");`,
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  return dir;
}

describe("local npm registry (verdaccio)", () => {
  it("publishes a create-* package and runs it with npm create --yes <name>@latest", async () => {
    // Two versions: @latest must resolve to the newest one published here.
    for (const version of ["1.0.0", "1.1.0"]) {
      const published = await publish(await makeCreatePackage(version), registry);
      console.log(`publish create-demo-xyz@${version}: ${published.ms} ms`);
    }

    const out = join(work, "out");
    const created = await run("npm", ["create", "--yes", "demo-xyz@latest", out, "--registry", registry.url], {
      cwd: work,
      env: registry.env,
    });
    console.log(`npm create: ${created.ms} ms`);

    const file = join(out, "created.txt");
    expect(existsSync(file)).toBe(true);
    expect(await readFile(file, "utf8")).toBe(`create-demo-xyz@1.1.0 ${JSON.stringify([out])}\n`);
    // Served from local storage only (create-demo-* is local-only, never proxied).
    expect(existsSync(join(registry.storageDir, "create-demo-xyz", "create-demo-xyz-1.1.0.tgz"))).toBe(true);
  });

  it("installs a package that was not published locally through the uplink", async () => {
    const project = join(work, "consumer");
    await mkdir(project, { recursive: true });
    await writeFile(join(project, "package.json"), JSON.stringify({ name: "consumer", version: "0.0.0", private: true }));

    // An empty npm cache, so the tarball has to come through the registry too (not from ~/.npm by integrity).
    const cacheDir = join(work, "consumer-cache");
    const installed = await run("npm", ["install", "is-number@7.0.0", "--registry", registry.url, `--cache=${cacheDir}`], {
      cwd: project,
      env: registry.env,
    });
    console.log(`npm install is-number via uplink: ${installed.ms} ms`);

    const pkg = JSON.parse(await readFile(join(project, "node_modules/is-number/package.json"), "utf8")) as { version: string };
    expect(pkg.version).toBe("7.0.0");
    // It went through verdaccio (cached in its storage), not straight to the public registry.
    expect(existsSync(join(registry.storageDir, "is-number", "is-number-7.0.0.tgz"))).toBe(true);
  });
});
