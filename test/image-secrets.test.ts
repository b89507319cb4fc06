// No credential of the repository reaches any layer of a service image, and a private registry still works.
// The repository (a copy of this one) holds what real ones do: a root .npmrc with a registry token, a .env in the
// service and a private key file. The service depends on a package that a local registry (verdaccio) serves only
// to token holders. packages/hello's generated Dockerfile, UNMODIFIED, is built with podman and the .npmrc given as
// a build secret; then every stage (prune, deps, build and the runtime image) is saved with `podman save`, and
// every layer tarball, image config and manifest is searched for the three strings.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage, ensureBaseImage, existingPaths, podmanAvailable, removeImage, saveImages } from "./support/podman.js";
import { loopbackNoProxy, publish, type Registry, startRegistry } from "./support/registry.js";
import { makeTempRepo, runCommand, type TempRepo } from "./support/repo.js";

const nonce = `${process.pid}-${Date.now()}`;
const PRIVATE_PACKAGE = "@corp/secret-greeting";
const PACKAGE_CANARY = `private-package-canary-${nonce}`; // inside the private package: must be in the image
const DOTENV_CANARY = `dotenv-canary-${nonce}`;
const KEY_CANARY = `private-key-canary-${nonce}`;
const tag = (stage: string) => `localhost/shipyard-image-secrets-${stage}:${nonce}`;
const STAGES = ["prune", "deps", "build"] as const;

let registry: Registry | undefined;
let repo: TempRepo | undefined;
let scratch: string;
const tags = new Set<string>();
let withSecret: { code: number | null; output: string } | undefined;

describe.skipIf(!podmanAvailable())("service images keep the repository's credentials out (podman, generated Dockerfile unmodified)", () => {
  beforeAll(async () => {
    ensureBaseImage(24);
    scratch = mkdtempSync(join(tmpdir(), "shipyard-image-secrets-"));
    registry = await startRegistry({ localOnly: [PRIVATE_PACKAGE], localAccess: "$authenticated" });

    const pkgDir = join(scratch, "secret-greeting");
    mkdirSync(pkgDir);
    writeFileSync(join(pkgDir, "package.json"), JSON.stringify({ name: PRIVATE_PACKAGE, version: "1.0.0", type: "module", main: "index.js" }));
    writeFileSync(join(pkgDir, "index.js"), `export const canary = "${PACKAGE_CANARY}";\n`);
    await publish(pkgDir, registry);

    repo = makeTempRepo();
    const host = registry.url.replace(/^https?:/, ""); // //127.0.0.1:<port>/
    // What a company repository commits or keeps locally: the scope's registry and a token.
    writeFileSync(join(repo.dir, ".npmrc"), `@corp:registry=${registry.url}\n${host}:_authToken=${registry.token}\n`);
    writeFileSync(join(repo.dir, "packages/hello/.env"), `API_KEY=${DOTENV_CANARY}\n`);
    mkdirSync(join(repo.dir, "keys"));
    writeFileSync(join(repo.dir, "keys/deploy.pem"), `-----BEGIN PRIVATE KEY-----\n${KEY_CANARY}\n-----END PRIVATE KEY-----\n`);
    const helloPkgPath = join(repo.dir, "packages/hello/package.json");
    const helloPkg = JSON.parse(readFileSync(helloPkgPath, "utf8"));
    helloPkg.dependencies[PRIVATE_PACKAGE] = "1.0.0";
    writeFileSync(helloPkgPath, `${JSON.stringify(helloPkg, null, 2)}\n`);
    const install = await runCommand("npm", ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"], repo.dir, {
      timeoutMs: 300_000,
      env: { NO_PROXY: loopbackNoProxy(), no_proxy: loopbackNoProxy() },
    });
    if (install.code !== 0) throw new Error(`npm install failed:\n${install.stderr}`);
    expect(JSON.parse(readFileSync(join(repo.dir, "package-lock.json"), "utf8")).packages).toHaveProperty([`node_modules/${PRIVATE_PACKAGE}`]);
  }, 600_000);

  afterAll(async () => {
    for (const t of tags) await removeImage(t);
    await registry?.stop();
    repo?.remove();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  // The build reaches the registry on the host's loopback; the proxy must not be asked for it.
  const build = (imageTag: string, options: { secret: string; target?: string }) => {
    tags.add(imageTag);
    if (!repo) throw new Error("no repository");
    return buildImage({
      context: repo.dir,
      dockerfile: "packages/hello/Dockerfile",
      tag: imageTag,
      network: "host",
      env: { NO_PROXY: loopbackNoProxy(), no_proxy: loopbackNoProxy() },
      check: false,
      secrets: { npmrc: options.secret },
      ...(options.target ? { target: options.target } : {}),
    });
  };

  it("the registry refuses the private package without the token, so the build below needs it", async () => {
    const res = await fetch(`${registry?.url}${PRIVATE_PACKAGE.replace("/", "%2f")}`);
    expect([401, 403]).toContain(res.status);
    // The same build with a secret that names the registry but holds no token fails. Built first, so no cached
    // layer of the successful build below can stand in for its install.
    const noToken = join(scratch, "npmrc-without-token");
    writeFileSync(noToken, `@corp:registry=${registry?.url}\n`);
    const without = await build(tag("no-token"), { secret: noToken });
    expect(without.code, "a build without the token must fail to install the private package").not.toBe(0);
    expect(without.output).toMatch(/E401|E403/);
  });

  it("builds with the .npmrc given as a build secret: podman build --secret id=npmrc,src=.npmrc", async () => {
    withSecret = await build(tag("runtime"), { secret: join(repo?.dir ?? "", ".npmrc") });
    expect(withSecret.code, withSecret.output.slice(-3000)).toBe(0);
    // The private package was installed into the runtime image, its code included.
    expect(await existingPaths(tag("runtime"), [`/app/node_modules/${PRIVATE_PACKAGE}/index.js`, "/app/.npmrc", "/app/packages/hello/.env"])).toEqual([
      `/app/node_modules/${PRIVATE_PACKAGE}/index.js`,
    ]);
  });

  it("no layer of any stage, no image config or history holds the token, the .env or the key", async () => {
    expect(withSecret?.code, "the image was not built").toBe(0);
    for (const stage of STAGES) {
      const r = await build(tag(stage), { secret: join(repo?.dir ?? "", ".npmrc"), target: stage }); // from the layer cache of the build above
      expect(r.code, r.output.slice(-2000)).toBe(0);
    }
    const files = await saveImages([tag("runtime"), ...STAGES.map(tag)], scratch);
    const layers = files.filter((file) => file.endsWith(".tar"));
    expect(layers.length, "layer tarballs in the archive").toBeGreaterThan(3);

    const found = (needle: string) =>
      files.filter((file) => {
        let bytes = readFileSync(file);
        if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
        return bytes.includes(needle);
      });
    // The search sees file contents inside layers: the private package's code is there.
    expect(found(PACKAGE_CANARY).length, "the search found the private package's code in no layer").toBeGreaterThan(0);
    expect(found(registry?.token ?? "no token"), "the registry token").toEqual([]);
    expect(found(DOTENV_CANARY), "the service's .env").toEqual([]);
    expect(found(KEY_CANARY), "the private key").toEqual([]);
  });
});
