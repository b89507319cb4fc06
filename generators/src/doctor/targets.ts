import { spawnSync } from "node:child_process";
import { matchesWhen, renderString } from "../engine/render.js";
import type { AddonSpec, DeployTarget } from "../engine/template.js";
import { type CheckResult, type DoctorContext, deployments, ok, shipyardOf, warning } from "./checks.js";

/**
 * `doctor`'s report of each package's deploy targets (production, staging, review apps, as its template's manifest
 * lists them): which GitHub variables and secrets are set, which are missing and how to set them. GitHub is read
 * with the GitHub CLI's `gh api` (GitHub's documented REST endpoints, which every gh version has), only when gh is
 * installed and signed in; otherwise the report lists what to set. A target that is not configured is never an
 * error: its deploys are skipped with a notice, as the workflows do.
 *
 * A unit whose manifest lists add-ons (a database service) needs them linked to each app it deploys to: for every
 * target whose app id GitHub holds, clever-tools' `clever env --app <id> -F json` (documented since 0.2.0; its JSON
 * is `{ env, fromAddons: [{ addonName, env }], fromDependencies }`, each env a list of `{ name, value }`) says
 * whether the app has the add-on's variable. Without clever-tools, or not logged in, doctor says it could not
 * check and how to; an app that will start without its database is an error, with the commands that link one.
 */

/** Clever Cloud's CI tokens (from `clever login`) expire after one year (docs: ci-cd-configuration). */
const TOKEN_LIFETIME_DAYS = 365;
// Warned in its last two months, so a renewal is planned rather than discovered by a failing deploy.
const TOKEN_WARNING_DAYS = 305;

interface Settings {
  /** Repository variables, name to value. */
  variables: Map<string, string>;
  /** Repository secrets, name to the date they were last set; undefined when they cannot be listed. */
  secrets: Map<string, string> | undefined;
  /** Per environment: its variables and secrets (names; values for variables). */
  environments: Map<string, { variables: Map<string, string>; secrets: Map<string, string> }>;
}

type Reader = (path: string) => { ok: true; body: unknown } | { ok: false; reason: string };

/** `gh api <path>` in the repository, as JSON; the first line of gh's error otherwise. */
function ghReader(root: string, env: NodeJS.ProcessEnv): Reader {
  return (path) => {
    const result = spawnSync("gh", ["api", path], { cwd: root, env, encoding: "utf8", timeout: 20_000 });
    if (result.error)
      return {
        ok: false,
        reason: (result.error as NodeJS.ErrnoException).code === "ENOENT" ? "the GitHub CLI (gh) is not installed" : result.error.message,
      };
    if (result.status !== 0)
      return { ok: false, reason: (result.stderr || result.stdout).trim().split("\n")[0] || `gh exited with ${result.status}` };
    try {
      return { ok: true, body: JSON.parse(result.stdout) };
    } catch {
      return { ok: false, reason: "gh api printed something that is not JSON" };
    }
  };
}

/** `{ variables: [{ name, value }] }` or `{ secrets: [{ name, updated_at }] }`, as GitHub's REST API answers. */
function entries(body: unknown, key: "variables" | "secrets"): Map<string, string> {
  const list = (body as Record<string, unknown> | null)?.[key];
  const result = new Map<string, string>();
  if (!Array.isArray(list)) return result;
  for (const item of list as Array<Record<string, unknown>>) {
    if (typeof item?.name === "string") result.set(item.name, String((key === "variables" ? item.value : item.updated_at) ?? ""));
  }
  return result;
}

function readSettings(read: Reader, environments: string[]): Settings | { unavailable: string } {
  const variables = read("repos/{owner}/{repo}/actions/variables?per_page=100");
  if (!variables.ok) return { unavailable: variables.reason };
  const secrets = read("repos/{owner}/{repo}/actions/secrets?per_page=100");
  const settings: Settings = {
    variables: entries(variables.body, "variables"),
    secrets: secrets.ok ? entries(secrets.body, "secrets") : undefined,
    environments: new Map(),
  };
  for (const name of environments) {
    // An environment that does not exist yet answers 404: it simply holds nothing.
    const base = `repos/{owner}/{repo}/environments/${encodeURIComponent(name)}`;
    const envVariables = read(`${base}/variables?per_page=100`);
    const envSecrets = read(`${base}/secrets?per_page=100`);
    settings.environments.set(name, {
      variables: envVariables.ok ? entries(envVariables.body, "variables") : new Map(),
      secrets: envSecrets.ok ? entries(envSecrets.body, "secrets") : new Map(),
    });
  }
  return settings;
}

interface Target extends DeployTarget {
  unit: string;
  /** The add-ons its app needs, rendered for the unit's answers. */
  addons: AddonSpec[];
}

/** What one app's environment holds: its own variables' names, and each linked add-on's. */
export type CleverApp = { ok: true; own: string[]; addons: Array<{ name: string; variables: string[] }> } | { ok: false; reason: string };
export type CleverReader = (appId: string) => CleverApp;

/** `clever env --app <id> -F json` (clever-tools 2 to 4), names only: the values (passwords) are never kept. */
function cleverReader(root: string, env: NodeJS.ProcessEnv): CleverReader {
  return (appId) => {
    const result = spawnSync("clever", ["env", "--app", appId, "-F", "json"], {
      cwd: root,
      env: { ...env, NO_UPDATE_NOTIFIER: "1", NO_COLOR: "1" },
      encoding: "utf8",
      timeout: 30_000,
    });
    if (result.error)
      return {
        ok: false,
        reason: (result.error as NodeJS.ErrnoException).code === "ENOENT" ? "clever-tools is not installed" : result.error.message,
      };
    if (result.status !== 0) {
      const line =
        (result.stderr || result.stdout)
          .trim()
          .split("\n")[0]
          ?.replace(/^\[ERROR\]\s*/, "") ?? "";
      return { ok: false, reason: /not logged in/i.test(line) ? "clever-tools is not logged in" : line || `clever exited with ${result.status}` };
    }
    try {
      const body = JSON.parse(result.stdout) as { env?: unknown; fromAddons?: unknown; fromDependencies?: unknown };
      const names = (list: unknown) =>
        Array.isArray(list) ? list.flatMap((item) => (typeof item?.name === "string" ? [item.name as string] : [])) : [];
      const linked = (list: unknown) =>
        Array.isArray(list) ? list.map((item) => ({ name: String(item?.addonName ?? "an add-on"), variables: names(item?.env) })) : [];
      return { ok: true, own: names(body.env), addons: [...linked(body.fromAddons), ...linked(body.fromDependencies)] };
    } catch {
      return { ok: false, reason: "clever env -F json printed something that is not JSON" };
    }
  };
}

/** The commands that create an add-on and link it to the target's app (`--link` takes a local alias). */
function addonFix(target: Target, addon: AddonSpec, appId: string | undefined): string {
  const alias = `${target.unit}-${target.name}`;
  const plan = addon.plan ? ` --plan ${addon.plan}` : "";
  return `clever link ${appId ?? "<app id>"} --alias ${alias} && clever addon create ${addon.provider} ${addon.name}-${target.name}${plan} --link ${alias}, then redeploy`;
}

function addonResults(settings: Settings, targets: Target[], read: CleverReader, shipyard: string): CheckResult[] {
  const results: CheckResult[] = [];
  let unavailable: string | undefined;
  for (const target of targets) {
    if (target.addons.length === 0 || target.appVariable === undefined) continue;
    const scoped = target.environment === undefined ? undefined : settings.environments.get(target.environment);
    const appId = scoped?.variables.get(target.appVariable) ?? settings.variables.get(target.appVariable);
    // No app yet: the target's own line says so; its add-on is the next step.
    if (!appId) continue;
    const check = `deploy-addons:${target.unit}:${target.name}`;
    const label = `${target.unit} → ${target.name} (${appId})`;
    const app = unavailable === undefined ? read(appId) : ({ ok: false, reason: unavailable } as const);
    if (!app.ok) {
      // The CLI missing or logged out is the same answer for every app: asked once.
      if (/not installed|not logged in/.test(app.reason)) unavailable = app.reason;
      const how = app.reason.includes("not installed") ? "npm install --global clever-tools@4, then clever login" : "clever login";
      results.push(
        ok(
          check,
          `${label}: its ${target.addons.map((addon) => addon.variable).join(", ")} not checked (${app.reason}). To check: ${how}, then ${shipyard} doctor; or clever env --app ${appId}.`,
        ),
      );
      continue;
    }
    for (const addon of target.addons) {
      const from = app.addons.find((linked) => linked.variables.includes(addon.variable));
      if (from) {
        results.push(ok(check, `${label}: ${addon.variable} comes from the linked add-on ${from.name}`));
        continue;
      }
      const byHand = [addon.variable, ...(addon.or ?? [])].find((name) => app.own.includes(name));
      if (byHand) {
        results.push(ok(check, `${label}: ${byHand} is set on the app by hand (no linked ${addon.provider})`));
        continue;
      }
      results.push({
        check,
        status: "error",
        message: `${label}: the app has no ${addon.variable} (no ${addon.provider} linked${addon.or?.length ? `, no ${addon.or.join(" or ")}` : ""}): the service will not start there.`,
        fix: addonFix(target, addon, appId),
      });
    }
  }
  return results;
}

const where = (settings: Settings, target: Target, name: string): string | undefined => {
  const scoped = target.environment === undefined ? undefined : settings.environments.get(target.environment);
  if (scoped?.variables.has(name)) return `in the environment ${target.environment}`;
  if (settings.variables.has(name)) return "as a repository variable";
  return undefined;
};

function targetResult(settings: Settings, target: Target): CheckResult {
  const check = `deploy-target:${target.unit}:${target.name}`;
  const label = `${target.unit} → ${target.name}`;
  const settingsPage = "Settings > Secrets and variables > Actions > Variables";
  if (target.switch !== undefined) {
    const value = settings.environments.get(target.environment ?? "")?.variables.get(target.switch) ?? settings.variables.get(target.switch);
    if (value === "true") return ok(check, `${label}: on (${target.switch}=true)`);
    return ok(
      check,
      `${label}: off, ${target.otherwise ?? "not deployed"} (set the repository variable ${target.switch} to true to turn it on, ${settingsPage})`,
    );
  }
  const variable = target.appVariable as string;
  const found = where(settings, target, variable);
  if (found) return ok(check, `${label}: ${variable} is set ${found}`);
  const fix = `Create the app on Clever Cloud, then set its id (app_…) as the variable ${variable} (${settingsPage}${target.environment ? `, or in the environment ${target.environment}` : ""}).`;
  if (target.otherwise !== undefined) return ok(check, `${label}: not configured, ${target.otherwise}. ${fix}`);
  return warning(check, `${label}: ${variable} is not set, so its deploys are skipped.`, fix);
}

function secretsResult(settings: Settings, names: string[], now: Date): CheckResult {
  const check = "deploy-secrets";
  if (settings.secrets === undefined)
    return ok(check, `Secrets not checked (listing them needs admin access to the repository): deploys need ${names.join(" and ")}.`);
  const fix = `Run clever login, then set the token and secret it prints as the repository secrets ${names.join(" and ")} (Settings > Secrets and variables > Actions > Secrets).`;
  const setOn = (name: string) =>
    settings.secrets?.get(name) ?? [...settings.environments.values()].find((environment) => environment.secrets.has(name))?.secrets.get(name);
  const missing = names.filter((name) => setOn(name) === undefined);
  if (missing.length > 0)
    return warning(
      check,
      `The secret${missing.length > 1 ? "s" : ""} ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not set: every deploy is skipped.`,
      fix,
    );
  const oldest = names
    .map((name) => Date.parse(setOn(name) ?? ""))
    .filter((time) => !Number.isNaN(time))
    .sort((a, b) => a - b)[0];
  if (oldest === undefined) return ok(check, `${names.join(" and ")} are set; Clever Cloud tokens expire after one year.`);
  const day = (time: number) => new Date(time).toISOString().slice(0, 10);
  const expires = oldest + TOKEN_LIFETIME_DAYS * 86_400_000;
  if (now.getTime() - oldest > TOKEN_WARNING_DAYS * 86_400_000) {
    return warning(
      check,
      `${names.join(" and ")} were set on ${day(oldest)}: Clever Cloud tokens expire after one year (${day(expires)}), then every deploy fails to log in.`,
      fix,
    );
  }
  return ok(
    check,
    `${names.join(" and ")} are set (on ${day(oldest)}); Clever Cloud tokens expire after one year: renew them before ${day(expires)}.`,
  );
}

/** One result per package and target, one for the secrets; or one line saying what to set when GitHub cannot be read. */
export function checkDeployTargets(
  context: DoctorContext,
  now = new Date(),
  read: Reader = ghReader(context.root, context.env),
  readClever: CleverReader = cleverReader(context.root, context.env),
): CheckResult[] {
  const targets: Target[] = [];
  const secrets = new Set<string>();
  for (const { unit } of deployments(context)) {
    const deploy = context.templateOf(unit).deploy;
    for (const name of deploy?.secrets ?? []) secrets.add(name);
    for (const target of deploy?.targets ?? []) {
      const render = (text: string | undefined) => (text === undefined ? undefined : renderString(text, unit.answers));
      const addons = (deploy?.addons ?? [])
        .filter((addon) => matchesWhen(addon.when, unit.answers))
        .map((addon) => ({ ...addon, name: renderString(addon.name, unit.answers) }));
      targets.push({ ...target, unit: unit.id, appVariable: render(target.appVariable), switch: render(target.switch), addons });
    }
  }
  if (targets.length === 0) return [];
  const settings = readSettings(read, [...new Set(targets.flatMap((target) => (target.environment ? [target.environment] : [])))]);
  if ("unavailable" in settings) {
    const wanted = targets.map(
      (target) => `${target.unit} → ${target.name}: ${target.appVariable ?? `${target.switch}=true`}${target.otherwise ? " (optional)" : ""}`,
    );
    const addons = targets.flatMap((target) =>
      target.appVariable === undefined ? [] : target.addons.map((addon) => `${target.unit} → ${target.name}: ${addonFix(target, addon, undefined)}`),
    );
    return [
      ok(
        "deploy-targets",
        `GitHub's settings not checked (${settings.unavailable}). To deploy, set the secrets ${[...secrets].join(" and ")} and the variables ${wanted.join("; ")}. Clever Cloud tokens expire after one year.${addons.length ? ` Each app also needs its add-on: ${addons.join("; ")}.` : ""}`,
      ),
    ];
  }
  return [
    ...(secrets.size > 0 ? [secretsResult(settings, [...secrets], now)] : []),
    ...targets.map((target) => targetResult(settings, target)),
    ...addonResults(settings, targets, readClever, shipyardOf(context)),
  ];
}
