// The image of a service generated with `--database postgres`, built with podman from the repository root with its
// generated Dockerfile UNMODIFIED (on the local node:24-bookworm-slim stand-in: scripts/setup/node-base-image.sh),
// run against a real PostgreSQL on this machine's loopback (the container shares the host's network): its start
// command applies the migrations, then serves the database route; SIGTERM stops it with exit 0 (node is PID 1 after
// the `exec`); a database that refuses the connection stops it with one line and exit 1.
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage, CONTAINERS_CONF, ensureBaseImage, existingPaths, podmanAvailable, removeImage, runContainer, waitForHttp } from "./support/podman.ts";
import { type PostgresServer, postgresAvailable, startPostgres } from "./support/postgres.ts";
import { ensureCliBuilt, freePort, makeTempRepo, runCommand, runShipyard, type TempRepo } from "./support/repo.ts";

const NAME = "ledger";
const tag = `localhost/shipyard-database-image-test:${process.pid}-${Date.now()}`;
let repo: TempRepo;
let pg: PostgresServer;
let databaseUrl: string;
let built = false;

beforeAll(async () => {
  ensureBaseImage(24);
  ensureCliBuilt();
  repo = makeTempRepo();
  const add = await runShipyard(repo.dir, ["add", "service", NAME, "--database", "postgres", "--runtime", "docker", "--yes"]);
  if (add.code !== 0) throw new Error(`shipyard add service failed:\n${add.stdout}${add.stderr}`);
  const install = await runCommand("npm", ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"], repo.dir, { timeoutMs: 300_000 });
  if (install.code !== 0) throw new Error(`npm install failed:\n${install.stderr}`);
  pg = await startPostgres();
  databaseUrl = await pg.createDatabase("image");
});

afterAll(async () => {
  await removeImage(tag);
  await pg?.remove();
  repo?.remove();
});

describe.skipIf(!podmanAvailable() || !postgresAvailable())("the image of a service with --database postgres (podman)", () => {
  it("builds from the repository root, with the migrations and without the sources", async () => {
    const result = await buildImage({ context: repo.dir, dockerfile: `packages/${NAME}/Dockerfile`, tag });
    console.log(`built in ${result.seconds.toFixed(1)} s`);
    built = true;
    const want = [`/app/packages/${NAME}/dist/migrate.js`, `/app/packages/${NAME}/migrations/0001_create-notes.sql`, "/app/node_modules/pg/package.json", "/app/node_modules/node-pg-migrate/package.json"];
    expect(await existingPaths(tag, [...want, `/app/packages/${NAME}/src`, `/app/packages/${NAME}/compose.yaml`])).toEqual(want);
  });

  it("runs its migrations, then serves the database route; SIGTERM stops it with exit 0", async () => {
    expect(built, "the image was not built").toBe(true);
    const port = await freePort();
    const container = await runContainer({ image: tag, hostPort: port, network: "host", env: { DATABASE_URL: databaseUrl, HOST: "127.0.0.1" } });
    let stopped = false;
    try {
      expect(await waitForHttp(`http://127.0.0.1:${port}/health`, 30_000)).toMatchObject({ status: 200 });
      expect(pg.sql("SELECT name FROM pgmigrations", "image")).toBe("0001_create-notes");
      expect(await container.logs()).toContain(`Migrated 127.0.0.1:${pg.port}/image: 0001_create-notes.`);

      const created = await fetch(`http://127.0.0.1:${port}/notes`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: "from the container" }),
      });
      expect(created.status).toBe(201);
      const listed = (await (await fetch(`http://127.0.0.1:${port}/notes`)).json()) as Array<{ text: string }>;
      expect(listed.map((note) => note.text)).toEqual(["from the container"]);
      expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);
      expect(await container.healthcheck()).toBe(true);
    } finally {
      const { exitCode, seconds } = await container.stop(5);
      stopped = true;
      expect(exitCode).toBe(0);
      console.log(`stopped in ${seconds.toFixed(2)} s`);
    }
    expect(stopped).toBe(true);
  });

  it("a database that refuses the connection: the container exits 1 with one line, before serving", async () => {
    expect(built, "the image was not built").toBe(true);
    const refused = await freePort();
    const r = spawnSync(
      "podman",
      ["run", "--rm", "--no-healthcheck", "--network=host", "-e", `PORT=${await freePort()}`, "-e", `DATABASE_URL=postgresql://app:s3cret@127.0.0.1:${refused}/app`, tag],
      { env: { ...process.env, CONTAINERS_CONF }, encoding: "utf8", timeout: 60_000 },
    );
    expect(r.status).toBe(1);
    const lines = `${r.stdout}${r.stderr}`.trim().split("\n");
    expect(lines, `${r.stdout}${r.stderr}`).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^Migration of 127\\.0\\.0\\.1:${refused}/app \\(DATABASE_URL\\) failed: .*ECONNREFUSED`));
    expect(lines[0]).not.toContain("s3cret");
  });
});
