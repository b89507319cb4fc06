// Proves the container test infrastructure (test/support/podman.ts) before generated Dockerfiles rely on it:
// an unmodified `FROM node:24-bookworm-slim` builds offline from the local stand-in, `RUN npm ci` reaches the
// registry, the container serves HTTP on a published port, stops cleanly on SIGTERM, runs as `node`, and a rebuild
// that only touches app code reuses the dependency layer.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildImage,
  ensureBaseImage,
  existingPaths,
  imageSize,
  imageUser,
  layerCacheReport,
  podmanAvailable,
  type RunningContainer,
  removeImage,
  runContainer,
  waitForHttp,
} from "../support/podman.js";
import { freePort } from "../support/repo.js";

// Unique per run: package.json changes so `npm ci` really runs in the first build (layer cache is content-keyed and
// survives between runs), and each build's server.js is new so only the later steps rebuild.
const nonce = `${process.pid}-${Date.now()}`;
const tags = { first: `localhost/shipyard-infra-test:first-${nonce}`, second: `localhost/shipyard-infra-test:second-${nonce}` };

const dockerfile = `FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY server.js ./
USER node
EXPOSE 8080
HEALTHCHECK --interval=5s CMD node -e "fetch('http://127.0.0.1:8080/').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "server.js"]
`;

// Node as PID 1 gets no default SIGTERM handler: without this, `podman stop` waits for its timeout and SIGKILLs.
const server = (greeting: string) => `const http = require("node:http");
const ms = require("ms");
const srv = http.createServer((req, res) => res.end(${JSON.stringify(greeting)} + " " + ms(60000)));
srv.listen(8080);
process.on("SIGTERM", () => srv.close(() => process.exit(0)));
`;


describe.skipIf(!podmanAvailable())("podman test infrastructure", () => {
  let dir: string;
  let container: RunningContainer | undefined;
  let firstOutput = "";

  beforeAll(() => {
    ensureBaseImage(24);
    dir = mkdtempSync(join(tmpdir(), "shipyard-podman-"));
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name: "infra-test", version: "1.0.0", private: true, description: nonce, dependencies: { ms: "2.1.3" } }),
    );
    execFileSync("npm", ["install", "--package-lock-only", "--no-audit", "--no-fund"], { cwd: dir, stdio: "pipe" });
    writeFileSync(join(dir, "Dockerfile"), dockerfile);
    writeFileSync(join(dir, "server.js"), server(`hello ${nonce}`));
  });

  afterAll(async () => {
    await container?.stop(1).catch(() => {});
    await removeImage(tags.first);
    await removeImage(tags.second);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("builds a multi-stage Dockerfile from the local node:24-bookworm-slim with npm ci", async () => {
    const { seconds, output } = await buildImage({ context: dir, tag: tags.first });
    firstOutput = output;
    const npmCi = layerCacheReport(output).find((s) => s.instruction.startsWith("RUN npm ci"));
    expect(npmCi).toMatchObject({ stage: 1, cached: false });
    expect(await imageUser(tags.first)).toBe("node");
    expect(await existingPaths(tags.first, ["/app/server.js", "/app/node_modules/ms", "/app/package-lock.json"])).toEqual([
      "/app/server.js",
      "/app/node_modules/ms",
    ]);
    console.log(`cold build ${seconds.toFixed(1)} s, image ${((await imageSize(tags.first)) / 1e6).toFixed(0)} MB`);
  });

  it("serves HTTP on the published port, as user node, and stops on SIGTERM with exit 0", async () => {
    expect(firstOutput).not.toBe("");
    const hostPort = await freePort();
    container = await runContainer({ image: tags.first, hostPort });
    const res = await waitForHttp(`http://127.0.0.1:${hostPort}/`, 15_000);
    expect(res).toMatchObject({ status: 200, body: `hello ${nonce} 1m` });
    expect((await container.exec(["id", "-un"])).trim()).toBe("node");
    expect(await container.healthcheck()).toBe(true);
    const { exitCode, seconds } = await container.stop(10);
    container = undefined;
    expect(exitCode).toBe(0);
    expect(seconds).toBeLessThan(5); // 10 s would mean SIGTERM was ignored and podman had to SIGKILL
    console.log(`first answer after ${res.ms} ms, stop ${seconds.toFixed(2)} s`);
  });

  it("rebuilds after a server-only change with the dependency layer from cache", async () => {
    writeFileSync(join(dir, "server.js"), server(`changed ${nonce}`));
    const { seconds, output } = await buildImage({ context: dir, tag: tags.second });
    const steps = layerCacheReport(output);
    expect(steps.find((s) => s.instruction.startsWith("RUN npm ci"))?.cached).toBe(true);
    expect(steps.find((s) => s.instruction.startsWith("COPY server.js"))?.cached).toBe(false);
    console.log(`rebuild ${seconds.toFixed(1)} s; cached: ${steps.filter((s) => s.cached).map((s) => s.instruction).join(" | ")}`);
  });
});
