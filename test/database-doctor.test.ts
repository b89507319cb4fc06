// `shipyard doctor` on a repository with a database service: for each deploy target whose Clever Cloud app GitHub
// names (the variables CLEVER_APP_ID_<NAME> and CLEVER_APP_ID_<NAME>_STAGING), it asks clever-tools whether the app
// has the PostgreSQL add-on's POSTGRESQL_ADDON_URI (`clever env --app <id> -F json`). Clever Cloud is the clever
// stand-in (test/support/clever-stub.ts: the CLI's documented JSON, add-ons made by `clever addon create --link`),
// and GitHub's REST answers come from a small `gh` stand-in serving fixed JSON for `gh api <path>`. The fix doctor
// prints is run as printed, and then the same check passes.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertCleverFlagsExist } from "./support/clever-cli.ts";
import { type CleverStub, createCleverStub } from "./support/clever-stub.ts";
import { ensureCliBuilt, makeTempRepo, runCommand, runShipyard, type TempRepo } from "./support/repo.ts";

const NAME = "shop";
const PRODUCTION_APP = "app_11111111-1111-4111-8111-111111111111";
const STAGING_APP = "app_22222222-2222-4222-8222-222222222222";
const CREDENTIALS = { CLEVER_TOKEN: "token", CLEVER_SECRET: "secret" };

let repo: TempRepo;
let scratch: string;
let clever: CleverStub;
let ghBin: string;

/** A `gh` whose `gh api <path>` answers GitHub's JSON for the paths given, and 404 for any other. */
function ghStandIn(dir: string, answers: Record<string, unknown>): string {
  const bin = join(dir, "gh-bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "answers.json"), JSON.stringify(answers));
  const script = `const answers = require(${JSON.stringify(join(bin, "answers.json"))});
const [command, path] = process.argv.slice(2);
if (command !== "api" || !(path in answers)) { process.stderr.write("gh: Not Found (HTTP 404)\\n"); process.exit(1); }
process.stdout.write(JSON.stringify(answers[path]));
`;
  writeFileSync(join(bin, "gh.cjs"), script);
  writeFileSync(join(bin, "gh"), `#!/bin/sh\nexec '${process.execPath}' '${join(bin, "gh.cjs")}' "$@"\n`);
  chmodSync(join(bin, "gh"), 0o755);
  return bin;
}

const PATH_WITHOUT_CLEVER = (process.env.PATH ?? "")
  .split(delimiter)
  .filter((dir) => dir !== "" && !/clever/.test(dir))
  .join(delimiter);

interface Check {
  check: string;
  status: string;
  message: string;
  fix?: string;
}

async function doctor(env: Record<string, string | undefined>, withClever = true): Promise<Map<string, Check>> {
  const path = [ghBin, ...(withClever ? [clever.binDir] : []), PATH_WITHOUT_CLEVER].join(delimiter);
  const result = await runShipyard(repo.dir, ["doctor", "--json"], { env: { CLEVER_TOKEN: undefined, CLEVER_SECRET: undefined, ...env, PATH: path } });
  expect(result.stderr).toBe("");
  const { checks } = JSON.parse(result.stdout) as { checks: Check[] };
  return new Map(checks.map((check) => [check.check, check]));
}

/** Runs a shell command line as a user would type it, with the stand-in clever first on PATH. */
const shell = (line: string) =>
  runCommand("sh", ["-c", line], repo.dir, { env: { ...CREDENTIALS, PATH: [clever.binDir, PATH_WITHOUT_CLEVER].join(delimiter) } });

beforeAll(async () => {
  ensureCliBuilt();
  repo = makeTempRepo();
  const add = await runShipyard(repo.dir, ["add", "service", NAME, "--database", "postgres", "--yes"]);
  if (add.code !== 0) throw new Error(`add failed:\n${add.stdout}${add.stderr}`);
  scratch = mkdtempSync(join(tmpdir(), "shipyard-doctor-db-"));
  clever = createCleverStub(scratch);
  const variables = (entries: Record<string, string>) => ({
    total_count: Object.keys(entries).length,
    variables: Object.entries(entries).map(([name, value]) => ({ name, value, created_at: "2026-11-01T00:00:00Z", updated_at: "2026-11-01T00:00:00Z" })),
  });
  const secrets = { total_count: 2, secrets: ["CLEVER_TOKEN", "CLEVER_SECRET"].map((name) => ({ name, created_at: "2026-11-01T00:00:00Z", updated_at: "2026-11-01T00:00:00Z" })) };
  ghBin = ghStandIn(scratch, {
    "repos/{owner}/{repo}/actions/variables?per_page=100": variables({ CLEVER_APP_ID_SHOP: PRODUCTION_APP }),
    "repos/{owner}/{repo}/actions/secrets?per_page=100": secrets,
    "repos/{owner}/{repo}/environments/staging/variables?per_page=100": variables({ CLEVER_APP_ID_SHOP_STAGING: STAGING_APP }),
  });
  // Production's app has its add-on, made the documented way; staging's has none.
  for (const line of [
    `clever link ${PRODUCTION_APP} --alias shop-production`,
    "clever addon create postgresql-addon shop-db-production --plan dev --link shop-production",
  ]) {
    const result = await shell(line);
    if (result.code !== 0) throw new Error(`${line}: ${result.stderr}`);
  }
}, 120_000);

afterAll(() => {
  repo?.remove();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("doctor: the PostgreSQL add-on of each app of a database service", () => {
  it("linked: ok, naming the add-on; missing: an error naming the app, with the clever commands that link one", async () => {
    const checks = await doctor(CREDENTIALS);
    expect(checks.get(`deploy-addons:${NAME}:production`)).toEqual({
      check: `deploy-addons:${NAME}:production`,
      status: "ok",
      message: `${NAME} → production (${PRODUCTION_APP}): POSTGRESQL_ADDON_URI comes from the linked add-on shop-db-production`,
    });
    const staging = checks.get(`deploy-addons:${NAME}:staging`);
    expect(staging?.status).toBe("error");
    expect(staging?.message).toBe(
      `${NAME} → staging (${STAGING_APP}): the app has no POSTGRESQL_ADDON_URI (no postgresql-addon linked, no DATABASE_URL): the service will not start there.`,
    );
    expect(staging?.fix).toBe(
      `clever link ${STAGING_APP} --alias shop-staging && clever addon create postgresql-addon shop-db-staging --plan dev --link shop-staging, then redeploy`,
    );
    // The calls doctor made: one read per app, with the documented flags; nothing changed on the account.
    const reads = clever.calls().filter((call) => call.argv[0] === "env");
    expect(reads.map((call) => call.argv)).toEqual([
      ["env", "--app", PRODUCTION_APP, "-F", "json"],
      ["env", "--app", STAGING_APP, "-F", "json"],
    ]);

    // The fix, run as printed, links an add-on; doctor then finds it. Every clever call here (doctor's reads, the
    // fix) uses commands and flags the real clever-tools has (its --help, test/support/clever-cli.ts).
    const fix = (staging?.fix ?? "").replace(/, then redeploy$/, "");
    for (const argv of [...reads.map((call) => call.argv), ...fix.split(" && ").map((line) => line.split(" ").slice(1))]) await assertCleverFlagsExist(argv);
    const ran = await shell(fix);
    expect(ran.code, ran.stderr).toBe(0);
    const after = await doctor(CREDENTIALS);
    expect(after.get(`deploy-addons:${NAME}:staging`)?.status).toBe("ok");
    expect(after.get(`deploy-addons:${NAME}:staging`)?.message).toContain("comes from the linked add-on shop-db-staging");
  });

  it("a database URL set on the app by hand (an external database) is fine too", async () => {
    const other = "app_33333333-3333-4333-8333-333333333333";
    const ran = await shell(`clever env set DATABASE_URL postgresql://u:p@db.example:5432/shop --app ${other}`);
    expect(ran.code, ran.stderr).toBe(0);
    writeFileSync(
      join(ghBin, "answers.json"),
      JSON.stringify({
        "repos/{owner}/{repo}/actions/variables?per_page=100": { total_count: 1, variables: [{ name: "CLEVER_APP_ID_SHOP", value: other }] },
      }),
    );
    const checks = await doctor(CREDENTIALS);
    expect(checks.get(`deploy-addons:${NAME}:production`)).toMatchObject({
      status: "ok",
      message: `${NAME} → production (${other}): DATABASE_URL is set on the app by hand (no linked postgresql-addon)`,
    });
  });

  it("without clever-tools, or not logged in: not checked, says how to check, and is not an error", async () => {
    const missing = await doctor(CREDENTIALS, false);
    expect(missing.get(`deploy-addons:${NAME}:production`)).toMatchObject({
      status: "ok",
      message: expect.stringMatching(
        /: its POSTGRESQL_ADDON_URI not checked \(clever-tools is not installed\)\. To check: npm install --global clever-tools@4, then clever login, then npm run shipyard -- doctor/,
      ),
    });
    const loggedOut = await doctor({});
    expect(loggedOut.get(`deploy-addons:${NAME}:production`)).toMatchObject({
      status: "ok",
      message: expect.stringContaining("not checked (clever-tools is not logged in). To check: clever login"),
    });
    for (const checks of [missing, loggedOut]) expect([...checks.values()].filter((check) => check.check.startsWith("deploy-addons") && check.status !== "ok")).toEqual([]);
  });
});
