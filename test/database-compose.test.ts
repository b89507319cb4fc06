// The compose.yaml of a service generated with `--database postgres`, run with podman-compose (Debian's package,
// scripts/setup/compose.sh) as a user runs it from the repository root: `up` builds the service's image from its
// Dockerfile and starts it with PostgreSQL; the notes route writes and reads through the published port; `down -v`
// removes the containers and the volume. Docker Hub cannot be reached here, so the database is the local stand-in
// for the official postgres image (scripts/setup/postgres-image/), chosen with POSTGRES_IMAGE: the file itself is
// the generated one, unchanged, and still names docker.io/library/postgres by default. Host ports are free ones
// (POSTGRES_PORT, APP_PORT), so the test never takes 5432 or 8080 from anything else on the machine.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTAINERS_CONF, ensureBaseImage, podmanAvailable, waitForHttp } from "./support/podman.ts";
import { postgresBinDir } from "./support/postgres.ts";
import { ensureCliBuilt, freePort, makeTempRepo, repoRoot, runCommand, runShipyard, type TempRepo } from "./support/repo.ts";

const NAME = "shop";
const COMPOSE = `packages/${NAME}/compose.yaml`;
const IMAGE = "localhost/shipyard/postgres:15-bookworm";
const project = `shipyard-compose-${process.pid}`;
let repo: TempRepo;
let env: Record<string, string>;
let appPort: number;
let dbPort: number;

const composeAvailable = () => podmanAvailable() && spawnSync("podman-compose", ["version"], { stdio: "ignore" }).status === 0;

const compose = (...args: string[]) =>
  runCommand("podman-compose", ["-p", project, "-f", COMPOSE, ...args], repo.dir, { env, timeoutMs: 900_000 });

const podman = (...args: string[]) => spawnSync("podman", args, { env: { ...process.env, CONTAINERS_CONF }, encoding: "utf8" });

beforeAll(async () => {
  if (!composeAvailable()) return;
  const setup = spawnSync("bash", [resolve(repoRoot, "scripts/setup/compose.sh")], { encoding: "utf8" });
  if (setup.status !== 0) throw new Error(`scripts/setup/compose.sh failed:\n${setup.stdout}${setup.stderr}`);
  ensureBaseImage(24);
  ensureCliBuilt();
  repo = makeTempRepo();
  const add = await runShipyard(repo.dir, ["add", "service", NAME, "--database", "postgres", "--yes"]);
  if (add.code !== 0) throw new Error(`add failed:\n${add.stdout}${add.stderr}`);
  const install = await runCommand("npm", ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"], repo.dir, { timeoutMs: 300_000 });
  if (install.code !== 0) throw new Error(`npm install failed:\n${install.stderr}`);
  appPort = await freePort();
  dbPort = await freePort();
  env = { CONTAINERS_CONF, POSTGRES_IMAGE: IMAGE, POSTGRES_PORT: String(dbPort), APP_PORT: String(appPort) };
}, 600_000);

afterAll(async () => {
  if (repo) {
    await compose("down", "-v");
    // What `down` leaves: the project's network and the image `up` built. Both were made by this test only.
    podman("network", "rm", `${project}_default`);
    podman("rmi", `localhost/${project}_app`);
    repo.remove();
  }
});

describe.skipIf(!composeAvailable())("compose.yaml with podman-compose", () => {
  it("names the official image by default, and lets POSTGRES_IMAGE and the host ports be chosen", () => {
    const text = readFileSync(join(repo.dir, COMPOSE), "utf8");
    expect(text).toContain("image: ${POSTGRES_IMAGE:-docker.io/library/postgres:17-bookworm}\n");
    expect(text).toContain('- "127.0.0.1:${POSTGRES_PORT:-5432}:5432"\n');
    expect(text).toContain('- "127.0.0.1:${APP_PORT:-8080}:8080"\n');
  });

  it("up: the service and its database start, /notes writes and reads through the published port; down -v removes them", async () => {
    const up = await compose("up", "-d");
    expect(up.code, up.stdout + up.stderr).toBe(0);
    // podman-compose 1.0 does not wait for the database's health: the app restarts (restart: on-failure) until its
    // migrations reach the database, then listens. Its first answer is from the migrated, serving service.
    const first = await waitForHttp(`http://127.0.0.1:${appPort}/ready`, 180_000);
    expect(first.status, first.body).toBe(200);
    const posted = await fetch(`http://127.0.0.1:${appPort}/notes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "through compose" }),
    });
    expect(posted.status).toBe(201);
    const listed = (await (await fetch(`http://127.0.0.1:${appPort}/notes`)).json()) as Array<{ text: string }>;
    expect(listed.map((note) => note.text)).toEqual(["through compose"]);
    // The database's published port, with the credentials the file documents for `npm run dev`.
    const psql = join(postgresBinDir() ?? "/usr/bin", "psql");
    const stored = execFileSync(psql, ["-X", "-A", "-t", "-d", `postgresql://${NAME}:${NAME}-local@127.0.0.1:${dbPort}/${NAME}`, "-c", "SELECT text FROM notes"], {
      encoding: "utf8",
    });
    expect(stored.trim()).toBe("through compose");

    const down = await compose("down", "-v");
    expect(down.code, down.stdout + down.stderr).toBe(0);
    expect(podman("ps", "-a", "-q", "--filter", `label=io.podman.compose.project=${project}`).stdout.trim()).toBe("");
    expect(podman("volume", "exists", `${project}_db-data`).status).not.toBe(0);
    await expect(fetch(`http://127.0.0.1:${appPort}/health`)).rejects.toThrow();
  }, 900_000);
});
