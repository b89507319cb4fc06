// The container image of every service, built for real: packages/hello and freshly generated services of each
// runtime (and one that uses a workspace library) are built with podman from the repository root, with their
// generated Dockerfile UNMODIFIED, on a local stand-in for node:24-bookworm-slim (scripts/setup/node-base-image.sh:
// Docker Hub cannot be reached). Each image must answer /health from the container, stop on SIGTERM with exit 0,
// run as a non-root user and hold only production dependencies and compiled JavaScript. A source change must
// rebuild only the late layers, and an image whose final stage runs as root must be caught.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildImage,
  CONTAINERS_CONF,
  ensureBaseImage,
  imageSize,
  imageTree,
  installedPackages,
  layerCacheReport,
  podmanAvailable,
  removeImage,
  rootProblem,
  runContainer,
  waitForHttp,
} from "./support/podman.js";
import { ensureCliBuilt, freePort, makeTempRepo, runCommand, runShipyard, type TempRepo } from "./support/repo.js";

const SCOPE = "shipyard";
const LIB = "greet";
const nonce = `${process.pid}-${Date.now()}`;
/** Each service: how it is made, and what its image must serve besides /health. */
const services = [
  { name: "hello", add: undefined },
  { name: "ledger", add: ["--runtime", "node"] },
  { name: "harbor", add: ["--runtime", "docker"] },
  { name: "atlas", add: ["--uses", LIB] },
] as const;
type Service = (typeof services)[number]["name"];
const tag = (name: string) => `localhost/shipyard-image-test-${name}:${nonce}`;

let repo: TempRepo;
let scratch: string;
const built = new Map<string, string>(); // service -> podman build output
const tags = new Set<string>();

function podman(args: string[]): string {
  const r = spawnSync("podman", args, { env: { ...process.env, CONTAINERS_CONF }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.status !== 0) throw new Error(`podman ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Every devDependency declared in the repository (root and workspace packages). */
/** Dev dependencies nothing in production needs: package-lock.json marks them `dev` (ajv, a test tool here, is
 *  also fastify's validator, so it is rightly in the image). */
function declaredDevDependencies(): Set<string> {
  const lock = JSON.parse(readFileSync(join(repo.dir, "package-lock.json"), "utf8")) as { packages: Record<string, { dev?: boolean }> };
  const names = new Set<string>();
  const manifests = ["package.json", "generators/package.json", ...readdirSync(join(repo.dir, "packages")).map((p) => `packages/${p}/package.json`)];
  for (const manifest of manifests) {
    const pkg = JSON.parse(readFileSync(join(repo.dir, manifest), "utf8")) as { devDependencies?: Record<string, string> };
    for (const name of Object.keys(pkg.devDependencies ?? {})) {
      const entry = lock.packages[`node_modules/${name}`];
      if (entry === undefined || entry.dev === true) names.add(name);
    }
  }
  return names;
}

async function build(name: string, dockerfile = `packages/${name}/Dockerfile`, imageTag = tag(name)) {
  tags.add(imageTag);
  const result = await buildImage({ context: repo.dir, dockerfile, tag: imageTag });
  console.log(`${name}: built in ${result.seconds.toFixed(1)} s, ${((await imageSize(imageTag)) / 1e6).toFixed(0)} MB`);
  return result;
}

beforeAll(async () => {
  ensureBaseImage(24);
  ensureCliBuilt();
  repo = makeTempRepo();
  scratch = mkdtempSync(join(tmpdir(), "shipyard-image-test-"));

  // A workspace library (shipyard add library), whose code the test writes: the service below uses it in a route.
  const addLib = await runShipyard(repo.dir, ["add", "library", LIB, "--yes"]);
  if (addLib.code !== 0) throw new Error(`shipyard add library ${LIB} failed:\n${addLib.stdout}${addLib.stderr}`);
  const libPkg = JSON.parse(readFileSync(join(repo.dir, "packages", LIB, "package.json"), "utf8"));
  expect(libPkg).toMatchObject({ name: `@${SCOPE}/${LIB}`, scripts: { build: expect.stringMatching(/^tsc\b/) } });
  expect(JSON.stringify(libPkg.exports ?? libPkg.main)).toContain("dist/index.js");
  writeFileSync(
    join(repo.dir, "packages", LIB, "src/index.ts"),
    'export function greet(name: string): string {\n  return `Greetings from the library, ${name}!`;\n}\n',
  );
  rmSync(join(repo.dir, "packages", LIB, "test"), { recursive: true, force: true }); // its seed tests test the seed code

  for (const { name, add } of services) {
    if (!add) continue;
    const r = await runShipyard(repo.dir, ["add", "service", name, "--yes", ...add]);
    if (r.code !== 0) throw new Error(`shipyard add service ${name} failed:\n${r.stdout}${r.stderr}`);
  }
  // The service that uses the library calls it in a route.
  const appTs = join(repo.dir, "packages/atlas/src/app.ts");
  const source = readFileSync(appTs, "utf8");
  const withRoute = source
    .replace(/^(import .*\n)/m, `$1import { greet } from "@${SCOPE}/${LIB}";\n`)
    .replace(/\n {2}return app;\n/, '\n  app.get<{ Params: { name: string } }>("/greet/:name", async (request) => ({ message: greet(request.params.name) }));\n\n  return app;\n');
  if (withRoute === source || !withRoute.includes("greet(request")) throw new Error("could not add the library route to atlas/src/app.ts");
  writeFileSync(appTs, withRoute);
  const atlasPkg = JSON.parse(readFileSync(join(repo.dir, "packages/atlas/package.json"), "utf8"));
  if (atlasPkg.dependencies?.[`@${SCOPE}/${LIB}`] !== "*") throw new Error(`--uses ${LIB} did not add @${SCOPE}/${LIB}: "*" to atlas's dependencies`);

  // The lockfile a user commits after adding packages (the image's `npm ci` needs it in sync).
  const install = await runCommand("npm", ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"], repo.dir, {
    timeoutMs: 300_000,
  });
  if (install.code !== 0) throw new Error(`npm install failed:\n${install.stderr}`);
});

afterAll(async () => {
  for (const t of tags) await removeImage(t);
  repo?.remove();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(!podmanAvailable())("service images (podman, generated Dockerfile unmodified)", () => {
  describe.each(services.map((s) => s.name))("%s", (name: Service) => {
    it("builds from the repository root: podman build -f packages/<name>/Dockerfile .", async () => {
      const { output } = await build(name);
      built.set(name, output);
    });

    it("answers /health 200 from the container, runs as non-root, stops on SIGTERM with exit 0 within 2 s", async () => {
      expect(built.has(name), "the image was not built").toBe(true);
      expect(await rootProblem(tag(name))).toBeUndefined();
      const hostPort = await freePort();
      const container = await runContainer({ image: tag(name), hostPort });
      try {
        const health = await waitForHttp(`http://127.0.0.1:${hostPort}/health`, 20_000);
        expect(health).toMatchObject({ status: 200 });
        expect(JSON.parse(health.body)).toEqual({ status: "ok" });
        expect((await container.exec(["id", "-u"])).trim()).not.toBe("0");
        if (name === "atlas") {
          // The workspace library, carried into the image by turbo prune, serves this route.
          const res = await fetch(`http://127.0.0.1:${hostPort}/greet/ada`);
          expect(res.status).toBe(200);
          expect(await res.json()).toEqual({ message: "Greetings from the library, ada!" });
        }
      } finally {
        // -t 2: a server that ignores SIGTERM is SIGKILLed after 2 s and exits 137, not 0.
        const { exitCode, seconds } = await container.stop(2);
        expect(exitCode).toBe(0);
        console.log(`${name}: stopped in ${seconds.toFixed(2)} s`);
      }
    });

    it("holds production dependencies and compiled JavaScript only: no dev dependencies, TypeScript sources, tests, .git", async () => {
      expect(built.has(name), "the image was not built").toBe(true);
      const tree = imageTree(tag(name));
      expect(tree).toContain(`packages/${name}/dist/server.js`);
      expect(tree).toContain("node_modules/fastify/package.json");

      const installed = installedPackages(tree);
      const dev = [...declaredDevDependencies()].filter((d) => installed.has(d));
      expect(dev, "dev dependencies in the image").toEqual([]);
      // `npm prune --omit=dev` leaves the emptied scope folders (node_modules/@biomejs/ …): harmless, but nothing inside.
      for (const scope of ["@biomejs", "@vitest", "@turbo", "@typescript", "@types"]) {
        const prefix = `node_modules/${scope}/`;
        expect(tree.filter((p) => p.startsWith(prefix) && p !== prefix), `${scope} in node_modules`).toEqual([]);
      }
      for (const tool of ["typescript", "vitest", "turbo"]) expect(installed.has(tool), tool).toBe(false);

      const ours = tree.filter((p) => !p.includes("node_modules/"));
      expect(ours.filter((p) => /\.[cm]?ts$/.test(p) && !/\.d\.[cm]?ts$/.test(p)), "TypeScript sources").toEqual([]);
      expect(ours.filter((p) => /(^|\/)(src|tests?|__tests__)\/$/.test(p) || /\.(test|spec)\.[cm]?[jt]s$/.test(p)), "sources and tests").toEqual([]);
      expect(tree.filter((p) => /(^|\/)\.git\/?$/.test(p)), ".git").toEqual([]);
      expect(readdirOrEmpty(`packages/${name}`, tree).filter((p) => !["dist/", "package.json", "node_modules/"].includes(p))).toEqual([]);
      if (name === "atlas") {
        expect(tree).toContain(`packages/${LIB}/dist/index.js`);
        expect(tree).toContain(`node_modules/@${SCOPE}/${LIB}`); // the workspace link
      }
    });
  });

  it("a change to one service's source rebuilds only the late layers: `npm ci` comes from the cache", async () => {
    expect(built.has("hello"), "hello was not built").toBe(true);
    const appTs = join(repo.dir, "packages/hello/src/app.ts");
    const source = readFileSync(appTs, "utf8");
    writeFileSync(appTs, source.replace(/\n {2}return app;\n/, `\n  app.get("/build-id", async () => ({ id: "${nonce}" }));\n\n  return app;\n`));
    const { output, seconds } = await build("hello", undefined, tag("hello-changed"));
    const steps = layerCacheReport(output);
    // The build stage's `npm ci` is followed by more steps of its own stage, so its cache line is attributed right
    // (the production-deps stage's `npm ci --omit=dev` ends its stage: see layerCacheReport). No "added N packages"
    // below proves that neither install ran again.
    expect(steps.find((s) => s.instruction === "RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci --ignore-scripts"), "the build stage's npm ci step").toMatchObject({ cached: true });
    // Stages build concurrently and podman's "--> Using cache" lines carry no stage: the runtime stage's cache hit
    // on `COPY --from=build …` can print right after the build stage's last STEP line and be attributed to it. So
    // the late steps are judged by what they print when they really run.
    expect(output, "npm installed packages: a dependency layer was rebuilt").not.toMatch(/^added \d+ packages?/m);
    expect(output, "the compile step did not run").toMatch(/@shipyard\/hello:build: cache miss, executing/);
    console.log(`hello after a source change: ${seconds.toFixed(1)} s; from cache: ${steps.filter((s) => s.cached).map((s) => s.instruction.slice(0, 40)).join(" | ")}`);

    const hostPort = await freePort();
    const container = await runContainer({ image: tag("hello-changed"), hostPort });
    try {
      const res = await waitForHttp(`http://127.0.0.1:${hostPort}/build-id`, 20_000);
      expect(JSON.parse(res.body)).toEqual({ id: nonce });
    } finally {
      await container.stop(2);
    }
  });

  it("catches a Dockerfile whose final stage runs as root (USER node removed)", async () => {
    const generated = readFileSync(join(repo.dir, "packages/ledger/Dockerfile"), "utf8");
    const broken = generated.replace(/^USER node\n/m, "");
    expect(broken).not.toBe(generated);
    // Outside the build context, so the context (and every earlier layer) is the same as ledger's.
    const dockerfile = join(scratch, "Dockerfile.root");
    writeFileSync(dockerfile, broken);
    await build("ledger-as-root", dockerfile, tag("ledger-as-root"));
    expect(await rootProblem(tag("ledger-as-root"))).toMatch(/final stage runs as root \(USER not set\)/);
    expect(podman(["run", "--rm", "--entrypoint", "id", tag("ledger-as-root"), "-u"]).trim()).toBe("0");
  });
});

/** The entries directly under `dir` in a tree listing. */
function readdirOrEmpty(dir: string, tree: string[]): string[] {
  return tree
    .filter((p) => p.startsWith(`${dir}/`) && p !== `${dir}/`)
    .map((p) => p.slice(dir.length + 1))
    .filter((rest) => !rest.replace(/\/$/, "").includes("/"));
}
