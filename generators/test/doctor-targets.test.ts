import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { doctor } from "../src/commands/doctor.js";
import type { DoctorContext } from "../src/doctor/checks.js";
import { checkDeployTargets } from "../src/doctor/targets.js";
import { loadTemplate } from "../src/engine/template.js";
import { Tree } from "../src/engine/tree.js";
import { readUnits, templateOfUnit } from "../src/state/store.js";
import { type Fixture, makeFixture } from "./fixture.js";

/*
 * doctor's report of each service's deploy targets. GitHub cannot be reached from here: its side is answered as its
 * REST API documents (GET /repos/{owner}/{repo}/actions/variables → { variables: [{ name, value, updated_at }] },
 * …/actions/secrets → { secrets: [{ name, updated_at }] }, …/environments/{name}/variables and /secrets the same,
 * 404 for an environment that does not exist). The real gh, not signed in, is exercised through doctor() itself.
 */
let fixture: Fixture;
beforeEach(async () => {
  fixture = await makeFixture(["orders"]);
  fixture.commitAll();
});
afterEach(() => fixture.dispose());

type Answers = Record<string, { variables?: Record<string, string>; secrets?: Record<string, string> } | undefined>;

/** A reader answering as GitHub's REST API would for these settings ("repo" is the repository level). */
function github(settings: Answers) {
  const calls: string[] = [];
  const read = (path: string) => {
    calls.push(path);
    const match = /^repos\/\{owner\}\/\{repo\}\/(?:environments\/([^/]+)\/|actions\/)(variables|secrets)\?per_page=100$/.exec(path);
    if (!match) return { ok: false as const, reason: `unexpected call ${path}` };
    const scope = settings[match[1] ? decodeURIComponent(match[1]) : "repo"];
    if (!scope) return { ok: false as const, reason: "gh: Not Found (HTTP 404)" };
    const kind = match[2] as "variables" | "secrets";
    const list = Object.entries(scope[kind] ?? {}).map(([name, value]) =>
      kind === "variables" ? { name, value, updated_at: "2026-11-01T00:00:00Z" } : { name, updated_at: value },
    );
    return { ok: true as const, body: { total_count: list.length, [kind]: list } };
  };
  return { read, calls };
}

function context(): DoctorContext {
  const tree = new Tree(fixture.root);
  const units = readUnits(tree);
  return { root: fixture.root, tree, units, env: process.env, templateOf: (unit) => templateOfUnit(unit, loadTemplate, `${fixture.root}/templates`) };
}

const NOW = new Date("2026-12-02T12:00:00Z");
const byCheck = (results: ReturnType<typeof checkDeployTargets>) => Object.fromEntries(results.map((result) => [result.check, result]));

describe("doctor: deploy targets", () => {
  it("nothing configured: the secrets are a warning with the clever login fix, production a warning, staging and review apps optional", () => {
    const results = byCheck(checkDeployTargets(context(), NOW, github({ repo: {} }).read));
    expect(results["deploy-secrets"]).toMatchObject({
      status: "warning",
      message: expect.stringContaining("CLEVER_TOKEN and CLEVER_SECRET are not set"),
      fix: expect.stringContaining("clever login"),
    });
    expect(results["deploy-target:orders:production"]).toMatchObject({
      status: "warning",
      message: expect.stringContaining("CLEVER_APP_ID_ORDERS is not set"),
    });
    expect(results["deploy-target:orders:staging"]).toMatchObject({
      status: "ok",
      message: expect.stringMatching(/not configured, main deploys to production.*CLEVER_APP_ID_ORDERS_STAGING/),
    });
    expect(results["deploy-target:orders:review"]).toMatchObject({
      status: "ok",
      message: expect.stringContaining("off, no review apps (set the repository variable CLEVER_REVIEW_APPS to true"),
    });
  });

  it("configured: production as a repository variable, staging in its environment, review apps on, a recent token", () => {
    const gh = github({
      repo: {
        variables: { CLEVER_APP_ID_ORDERS: "app_1", CLEVER_REVIEW_APPS: "true" },
        secrets: { CLEVER_TOKEN: "2026-06-01T00:00:00Z", CLEVER_SECRET: "2026-06-01T00:00:00Z" },
      },
      staging: { variables: { CLEVER_APP_ID_ORDERS_STAGING: "app_2" } },
    });
    const results = byCheck(checkDeployTargets(context(), NOW, gh.read));
    expect(Object.values(results).map((result) => result.status)).toEqual(["ok", "ok", "ok", "ok"]);
    expect(results["deploy-target:orders:production"]?.message).toContain("CLEVER_APP_ID_ORDERS is set as a repository variable");
    expect(results["deploy-target:orders:staging"]?.message).toContain("CLEVER_APP_ID_ORDERS_STAGING is set in the environment staging");
    expect(results["deploy-target:orders:review"]?.message).toContain("on (CLEVER_REVIEW_APPS=true)");
    expect(results["deploy-secrets"]?.message).toContain("renew them before 2027-06-01");
    // The environments the manifest names are read once each, whatever the number of services.
    expect(gh.calls.filter((call) => call.includes("environments/staging/variables"))).toHaveLength(1);
  });

  it("a token set eleven months ago is a warning: Clever Cloud tokens expire after one year", () => {
    const old = "2026-01-02T00:00:00Z";
    const results = byCheck(
      checkDeployTargets(
        context(),
        NOW,
        github({ repo: { variables: { CLEVER_APP_ID_ORDERS: "app_1" }, secrets: { CLEVER_TOKEN: old, CLEVER_SECRET: old } } }).read,
      ),
    );
    expect(results["deploy-secrets"]).toMatchObject({ status: "warning", message: expect.stringContaining("expire after one year (2027-01-02)") });
  });

  it("secrets that cannot be listed (no admin access) are said so, not reported missing", () => {
    const gh = github({ repo: { variables: { CLEVER_APP_ID_ORDERS: "app_1" } } });
    const read = (path: string) =>
      path.includes("actions/secrets") ? { ok: false as const, reason: "gh: Resource not accessible by integration (HTTP 403)" } : gh.read(path);
    expect(byCheck(checkDeployTargets(context(), NOW, read))["deploy-secrets"]).toMatchObject({
      status: "ok",
      message: expect.stringContaining("needs admin access"),
    });
  });

  it("a second service is reported with its own variables, from its manifest", async () => {
    await fixture.addService("billing");
    const results = byCheck(checkDeployTargets(context(), NOW, github({ repo: { variables: { CLEVER_APP_ID_BILLING: "app_3" } } }).read));
    expect(results["deploy-target:billing:production"]).toMatchObject({ status: "ok" });
    expect(results["deploy-target:orders:production"]).toMatchObject({ status: "warning" });
  });

  it("with the real gh not signed in to this repository (no GitHub remote), doctor lists what to set, and nothing about deploys is an error", () => {
    const result = doctor(fixture.root);
    const line = result.checks.find((check) => check.check === "deploy-targets");
    expect(line?.status).toBe("ok");
    expect(line?.message).toMatch(
      /GitHub's settings not checked \(.+\)\. To deploy, set the secrets CLEVER_TOKEN and CLEVER_SECRET and the variables orders → production: CLEVER_APP_ID_ORDERS; orders → staging: CLEVER_APP_ID_ORDERS_STAGING \(optional\); orders → review: CLEVER_REVIEW_APPS=true \(optional\)/,
    );
    expect(result.checks.filter((check) => check.check.startsWith("deploy-") && check.status === "error")).toEqual([]);
  });
});
