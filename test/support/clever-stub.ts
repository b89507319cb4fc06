// A stand-in for the `clever` CLI (clever-tools 4.11) for running deploy workflows locally: it records every call
// and mimics what the real CLI does WITHOUT the network: option parsing (unknown option -> exit 1), `.clever.json`
// written by `link`/`create` and read (walking up parent folders) by `deploy`/`env`, alias resolution errors, the
// credentials check, and the shallow-clone failure of `deploy`. It never contacts Clever Cloud.
//
//   const clever = createCleverStub(tmpDir);
//   await runJob({ ..., pathPrepend: [clever.binDir], secrets: { CLEVER_TOKEN: 't', CLEVER_SECRET: 's' } });
//   expect(clever.calls().map((c) => c.argv)).toEqual([['link', 'app_x', '--alias', 'orders'], ['deploy', ...]]);
//
// binDir also holds an `npx` shim: `npx [--yes] clever-tools@<v> <args>` (and `npx -p clever-tools@<v> clever <args>`)
// is routed to the stub (recorded with via: 'npx', the package spec and whether --yes was given); any other npx call
// goes to the real npx found further down PATH.
//
// The stand-in also keeps the state a real account would have, in binDir/cloud.json (see cloud()): the apps that
// `create` made (by name, with their type, org, region), `delete` removed, the variables `env set` saved, the
// domains `domain add` attached and the commits `deploy` pushed, per app id. An app linked by id that the stand-in
// never created is taken as existing (the user made it in the console); one linked BY NAME must exist in that state,
// and a name two apps share is ambiguous (the real CLI resolves a name only "if unambiguous").
//
// Credentials: recorded as booleans only, never the values. An EMPTY CLEVER_TOKEN counts as missing (that is what a
// missing GitHub secret turns into: `CLEVER_TOKEN: ${{ secrets.CLEVER_TOKEN }}` -> ''); the real CLI would try the API
// with it and fail with "You're not logged in".
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface CleverCall {
  argv: string[];
  cwd: string;
  env: { CLEVER_TOKEN?: boolean; CLEVER_SECRET?: boolean };
  exitCode: number;
  /** 'clever' when the `clever` binary was called, 'npx' when it came through `npx clever-tools@…`. */
  via: "clever" | "npx";
  /** For via 'npx': the package spec (e.g. 'clever-tools@4') and whether --yes/-y was passed. */
  npxSpec?: string;
  npxYes?: boolean;
  stdout: string;
  stderr: string;
}

export interface CleverApp {
  app_id: string;
  name: string;
  /** Set for apps `create` made; undefined for apps only known by id. */
  type?: string;
  org?: string;
  region?: string;
  deleted: boolean;
  env: Record<string, string>;
  domains: string[];
  /** Commits pushed by `clever deploy`, oldest first. */
  deployments: string[];
  /** Ids of the add-ons linked to it (`addon create … --link <alias>`); absent until one is. */
  addons?: string[];
}
export interface CleverAddon {
  addon_id: string;
  name: string;
  provider: string;
  plan?: string;
  /** The variables it gives every app it is linked to (POSTGRESQL_ADDON_URI, …). */
  env: Record<string, string>;
}
export interface CleverCloudState {
  apps: CleverApp[];
  /** Add-ons `addon create` made; absent until one is. */
  addons?: CleverAddon[];
}

export interface CleverStub {
  binDir: string;
  logFile: string;
  calls(): CleverCall[];
  /** What the account holds after the calls so far (see the header). */
  cloud(): CleverCloudState;
  /** The `.clever.json` the stub would read from `cwd` (walking up), or undefined. */
  linkedApps(cwd: string): Array<Record<string, string>> | undefined;
}

// Options of the commands a deploy workflow uses, as printed by `clever <cmd> --help` in clever-tools 4.11.0
// (test/infra/workflow-runner.test.ts checks this table against the real help). value: takes a value; choices: enum.
export type Opt = { names: string[]; value?: boolean; choices?: string[] };
const GLOBAL_OPTS: Opt[] = [
  { names: ["--color", "--no-color"] },
  { names: ["-?", "--help"] },
  { names: ["--update-notifier", "--no-update-notifier"] },
  { names: ["-v", "--verbose"] },
  { names: ["-V", "--version"] },
];
export const STUB_COMMAND_OPTIONS: Record<string, Opt[]> = {
  deploy: [
    { names: ["-a", "--alias"], value: true },
    { names: ["-b", "--branch"], value: true },
    { names: ["-e", "--exit-on"], value: true, choices: ["deploy-start", "deploy-end", "never"] },
    { names: ["--follow"] },
    { names: ["-f", "--force"] },
    { names: ["-q", "--quiet"] },
    { names: ["-p", "--same-commit-policy"], value: true, choices: ["error", "ignore", "restart", "rebuild"] },
    { names: ["-t", "--tag"], value: true },
  ],
  link: [
    { names: ["-a", "--alias"], value: true },
    { names: ["-o", "--org", "--owner"], value: true },
  ],
  "env set": [
    { names: ["-a", "--alias"], value: true },
    { names: ["--app"], value: true },
  ],
  "env rm": [
    { names: ["-a", "--alias"], value: true },
    { names: ["--app"], value: true },
  ],
  "env import": [
    { names: ["-a", "--alias"], value: true },
    { names: ["--app"], value: true },
    { names: ["--json"] },
  ],
  "env import-vars": [
    { names: ["-a", "--alias"], value: true },
    { names: ["--app"], value: true },
  ],
  env: [
    { names: ["--add-export"] },
    { names: ["-a", "--alias"], value: true },
    { names: ["--app"], value: true },
    { names: ["-F", "--format"], value: true, choices: ["human", "json", "shell"] },
  ],
  delete: [
    { names: ["-a", "--alias"], value: true },
    { names: ["--app"], value: true },
    { names: ["-y", "--yes"] },
  ],
  "domain add": [
    { names: ["-a", "--alias"], value: true },
    { names: ["--app"], value: true },
  ],
  "addon create": [
    { names: ["--addon-version"], value: true },
    { names: ["-F", "--format"], value: true, choices: ["human", "json"] },
    { names: ["-l", "--link"], value: true },
    { names: ["--option"], value: true },
    { names: ["-o", "--org", "--owner"], value: true },
    { names: ["-p", "--plan"], value: true },
    { names: ["-r", "--region"], value: true },
    { names: ["-y", "--yes"] },
  ],
  create: [
    { names: ["-t", "--type"], value: true },
    { names: ["-a", "--alias"], value: true },
    { names: ["-F", "--format"], value: true, choices: ["human", "json"] },
    { names: ["--github"], value: true },
    { names: ["-o", "--org", "--owner"], value: true },
    { names: ["-r", "--region"], value: true },
    { names: ["-T", "--task"], value: true },
  ],
};

// The stub itself: plain CommonJS run by the Node that runs the tests (absolute path, so a workflow's PATH changes
// do not matter). Kept as a string so the stub has no build step.
const IMPL = String.raw`'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const LOG = process.env.__CLEVER_STUB_LOG || __dirname + '/calls.jsonl';
const CLOUD = __dirname + '/cloud.json';
function loadCloud() { try { return JSON.parse(fs.readFileSync(CLOUD, 'utf8')); } catch { return { apps: [] }; } }
function saveCloud(c) { fs.writeFileSync(CLOUD, JSON.stringify(c, null, 2)); }
function cloudApp(c, id, name) {
  let app = c.apps.find((a) => a.app_id === id && !a.deleted);
  if (!app) { app = { app_id: id, name: name || id, deleted: false, env: {}, domains: [], deployments: [] }; c.apps.push(app); }
  return app;
}
// An app given by name (link <name>, --app <name>): must exist, once.
function byName(c, name) {
  const found = c.apps.filter((a) => !a.deleted && a.name === name);
  if (found.length === 0) throw new Error('Application ' + name + ' not found (stub: no app of that name was created)');
  if (found.length > 1) throw new Error('Several applications are named ' + name + ': use the application ID');
  return found[0];
}
const isAppId = (s) => /^app_[0-9a-f-]+$/i.test(s);
const TABLE = JSON.parse(fs.readFileSync(__dirname + '/options.json', 'utf8'));
const NO_AUTH = new Set(['help', 'version', 'diag', 'login', 'logout', 'unlink', 'applications', 'make-default', 'features']);

let out = '', err = '';
const print = (s) => { out += s + '\n'; process.stdout.write(s + '\n'); };
const fail = (s) => { err += s + '\n'; process.stderr.write(s + '\n'); return 1; };

function record(argv, code, extra) {
  const has = (n) => typeof process.env[n] === 'string' && process.env[n] !== '';
  const entry = Object.assign({ argv, cwd: process.cwd(), env: { CLEVER_TOKEN: has('CLEVER_TOKEN'), CLEVER_SECRET: has('CLEVER_SECRET') }, exitCode: code, via: 'clever' }, extra, { stdout: out, stderr: err });
  fs.appendFileSync(LOG, JSON.stringify(entry) + '\n');
}

function configPath() { return process.env.APP_CONFIGURATION_FILE ? path.resolve(process.env.APP_CONFIGURATION_FILE) : path.resolve('.', '.clever.json'); }
// Like clever-tools' loadApplicationConf: try the file next to the configured path, then each parent folder.
function loadConf() {
  const file = configPath();
  const name = path.basename(file);
  let dir = path.dirname(file);
  for (;;) {
    try { return JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')); } catch {}
    const up = path.dirname(dir);
    if (up === dir) return { apps: [] };
    dir = up;
  }
}
function findApp(conf, alias) {
  const apps = conf.apps || [];
  if (apps.length === 0) throw new Error('There is no linked or targeted application. Use ' + '\x60--app\x60' + ' option or ' + '\x60clever link\x60' + ' command.');
  if (alias != null) {
    const found = apps.filter((a) => a.alias === alias);
    if (found.length === 0) throw new Error('There are no applications matching alias ' + alias);
    if (found.length > 1) throw new Error('There are several applications matching alias ' + alias + '. This should not happen, your ' + '\x60.clever.json\x60' + ' should be fixed.');
    return found[0];
  }
  if (conf.default != null) return apps.find((a) => a.app_id === conf.default);
  if (apps.length === 1) return apps[0];
  throw new Error('Several applications are linked. You can specify one with the "--alias" option. Run "clever applications" to list linked applications. Available aliases: ' + apps.map((a) => a.alias).join(', '));
}
const slugify = (s) => String(s).normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
function fakeId(name) { let h = 0; for (const c of name + ':' + loadCloud().apps.length) h = (h * 31 + c.charCodeAt(0)) >>> 0; const hex = h.toString(16).padStart(8, '0'); return 'app_' + hex + '-0000-4000-8000-' + hex.padEnd(12, '0'); }
function appEntry(idOrName, org) {
  const isId = /^app_[0-9a-f-]+$/i.test(idOrName);
  const id = isId ? idOrName : fakeId(idOrName);
  const host = 'push-n3-par-clevercloud-customers.services.clever-cloud.com';
  return { app_id: id, org_id: org || 'orga_00000000-0000-4000-8000-000000000000', deploy_url: 'https://' + host + '/' + id + '.git', git_ssh_url: 'git+ssh://git@' + host + '/' + id + '.git', name: idOrName };
}
function addLinked(entry, alias) {
  const conf = loadConf();
  conf.apps = conf.apps || [];
  const generated = alias || slugify(entry.name);
  const same = conf.apps.find((a) => a.app_id === entry.app_id);
  if (same) throw new Error('Application ' + entry.app_id + ' is already linked with alias ' + same.alias);
  if (conf.apps.some((a) => a.alias === generated)) throw new Error('An application with alias ' + generated + ' is already linked. Please specify a different alias with --alias.');
  const full = Object.assign({}, entry, { alias: generated });
  conf.apps.push(full);
  const file = configPath();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(conf, null, 2), 'utf8');
  return full;
}
const notLoggedIn = () => fail("[ERROR] You're not logged in, use clever login command to connect to your Clever Cloud account (stub: CLEVER_TOKEN and CLEVER_SECRET must both be set and non-empty)");
const hasCreds = () => !!process.env.CLEVER_TOKEN && !!process.env.CLEVER_SECRET;

function parse(words) {
  // Command path: the longest prefix of bare words that names a command in the table (env set, env, deploy, ...).
  let cmd = words[0] && !words[0].startsWith('-') ? words[0] : '';
  let rest = words.slice(1);
  if (cmd && words[1] && TABLE[cmd + ' ' + words[1]]) { cmd = cmd + ' ' + words[1]; rest = words.slice(2); }
  if (!cmd) rest = words.slice();
  const opts = (TABLE[cmd] || null);
  const known = (opts || []).concat(TABLE.__global);
  const byName = new Map();
  for (const o of known) for (const n of o.names) byName.set(n, o);
  const values = {}, positionals = [], errors = [];
  const keyOf = (o) => o.names[o.names.length - 1].replace(/^-+/, '');
  for (let i = 0; i < rest.length; i++) {
    const t = rest[i];
    if (t === '--') { positionals.push(...rest.slice(i + 1)); break; }
    if (!t.startsWith('-') || t === '-') { positionals.push(t); continue; }
    if (t.startsWith('--')) {
      const eq = t.indexOf('=');
      const flag = eq >= 0 ? t.slice(0, eq) : t;
      const o = byName.get(flag);
      if (!o) { if (opts) errors.push('Unknown option: ' + flag.replace(/^-+/, '')); continue; }
      if (o.value) {
        const v = eq >= 0 ? t.slice(eq + 1) : rest[++i];
        if (v === undefined) { errors.push(keyOf(o) + ': missing value'); continue; }
        if (o.choices && !o.choices.includes(v)) errors.push(keyOf(o) + ': Invalid option: expected one of ' + o.choices.map((c) => '"' + c + '"').join('|'));
        values[keyOf(o)] = v;
      } else values[flag.replace(/^--(no-)?/, '')] = !flag.startsWith('--no-');
      continue;
    }
    const letters = t.slice(1);
    for (let k = 0; k < letters.length; k++) {
      const o = byName.get('-' + letters[k]);
      if (!o) { if (opts) errors.push('Unknown option: ' + letters[k]); continue; }
      if (o.value) {
        const restOf = letters.slice(k + 1);
        const v = restOf !== '' ? restOf : rest[++i];
        if (v === undefined) { errors.push(keyOf(o) + ': missing value'); break; }
        if (o.choices && !o.choices.includes(v)) errors.push(keyOf(o) + ': Invalid option: expected one of ' + o.choices.map((c) => '"' + c + '"').join('|'));
        values[keyOf(o)] = v;
        break;
      }
      values[keyOf(o)] = true;
    }
  }
  return { cmd, values, positionals, errors };
}

function gitIn(cwd, args) {
  try { return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return null; }
}

function main(argv) {
  const { cmd, values, positionals, errors } = parse(argv);
  if (values.help || cmd === 'help') { print('clever-stub: help for ' + (cmd || 'clever')); return 0; }
  if (values.version || cmd === 'version') { print('4.11.0'); return 0; }
  if (!cmd) return fail('clever-stub: no command');
  if (errors.length) return fail(errors[0]);
  const need = (n, names) => { if (positionals.length < n) { fail(names[positionals.length] + ': missing value'); return false; } return true; };
  try {
    if (cmd === 'link') {
      if (!need(1, ['app-id|app-name'])) return 1;
      if (!hasCreds()) return notLoggedIn();
      const c = loadCloud();
      const target = isAppId(positionals[0]) ? cloudApp(c, positionals[0]) : byName(c, positionals[0]);
      if (values.owner && target.org && values.owner !== target.org) throw new Error('Application ' + positionals[0] + ' not found in organisation ' + values.owner);
      saveCloud(c);
      const entry = addLinked(Object.assign(appEntry(target.app_id, values.owner || target.org), { name: target.name }), values.alias);
      print('✓ Application ' + entry.app_id + ' has been successfully linked to local alias ' + entry.alias + '!');
      return 0;
    }
    if (cmd === 'create') {
      if (!values.type) return fail('type: missing value');
      if (!hasCreds()) return notLoggedIn();
      const name = positionals[0] || path.basename(process.cwd());
      const id = fakeId(name);
      const entry = addLinked(Object.assign(appEntry(id, values.owner), { name }), values.alias);
      const c = loadCloud();
      Object.assign(cloudApp(c, id, name), { type: values.type, org: values.owner, region: values.region || 'par' });
      saveCloud(c);
      print('✓ Application ' + name + ' has been successfully created!');
      return 0;
    }
    if (cmd === 'deploy') {
      const app = findApp(loadConf(), values.alias);
      if (!hasCreds()) return notLoggedIn();
      const top = gitIn(process.cwd(), ['rev-parse', '--show-toplevel']);
      if (top == null) return fail('[ERROR] Not a git repository (stub: clever deploy pushes the git repository)');
      if (gitIn(process.cwd(), ['rev-parse', '--is-shallow-repository']) === 'true') {
        return fail('[ERROR] Failed to push your source code because your repository is shallow and therefore cannot be pushed to the Clever Cloud remote.');
      }
      const ref = values.tag || values.branch || 'HEAD';
      const commit = gitIn(process.cwd(), ['rev-parse', ref]);
      if (commit == null) return fail('[ERROR] ' + (values.tag ? 'Tag ' + values.tag + " doesn't exist locally" : 'Cannot resolve ' + ref));
      const c = loadCloud();
      cloudApp(c, app.app_id, app.name).deployments.push(commit);
      saveCloud(c);
      print('🚀 Deploying ' + app.name + '\n   Application ID  ' + app.app_id + '\n   Local commit    ' + commit + ' [will be deployed]\n(stub: nothing was pushed)');
      return 0;
    }
    if (cmd.startsWith('env')) {
      if (values.app != null && values.alias != null) throw new Error('Only one of the ' + '\x60--app\x60' + ' or ' + '\x60--alias\x60' + ' options can be set at a time');
      if (cmd === 'env set') {
        if (!need(2, ['variable-name', 'variable-value'])) return 1;
        if (!/^[a-zA-Z0-9-_.]+$/.test(positionals[0])) throw new Error('Environment variable name ' + positionals[0] + ' is invalid');
      }
      const c = loadCloud();
      const target = values.app != null ? (isAppId(values.app) ? cloudApp(c, values.app) : byName(c, values.app)) : cloudApp(c, findApp(loadConf(), values.alias).app_id);
      if (!hasCreds()) return notLoggedIn();
      if (cmd === 'env set') { target.env[positionals[0]] = positionals[1]; saveCloud(c); print('Your environment variable has been successfully saved'); }
      if (cmd === 'env') {
        // As clever-tools' env.command.js prints it: the app's own variables, then each linked add-on's.
        const list = (env) => Object.entries(env).map(([name, value]) => ({ name, value }));
        const linked = (target.addons || []).map((id) => (c.addons || []).find((a) => a.addon_id === id)).filter(Boolean);
        if (values.format === 'json') print(JSON.stringify({ env: list(target.env), fromAddons: linked.map((a) => ({ addonId: a.addon_id, addonName: a.name, env: list(a.env) })), fromDependencies: [] }, null, 2));
        else {
          const lines = (env) => Object.entries(env).map(([n, v]) => (values.format === 'shell' ? 'export ' : '') + n + '="' + v + '"').join('\n');
          print('# Manually set env variables\n' + lines(target.env));
          for (const a of linked) print('# Addon ' + a.name + '\n' + lines(a.env));
        }
      }
      return 0;
    }
    if (cmd === 'addon create') {
      if (!need(2, ['addon-provider', 'addon-name'])) return 1;
      if (!hasCreds()) return notLoggedIn();
      const c = loadCloud();
      const app = values.link != null ? cloudApp(c, findApp(loadConf(), values.link).app_id) : null;
      const [provider, name] = positionals;
      // The variables' prefix, as Clever Cloud names them: postgresql-addon -> POSTGRESQL_ADDON_*.
      const prefix = provider.replace(/-addon$/, '').toUpperCase().replace(/-/g, '_') + '_ADDON_';
      c.addons = c.addons || [];
      const id = 'addon_' + fakeId(name).slice(4);
      const host = 'stub-' + c.addons.length + '.services.clever-cloud.com';
      c.addons.push({ addon_id: id, name, provider, plan: values.plan, env: { [prefix + 'URI']: 'postgresql://user:stub-password@' + host + ':5432/db', [prefix + 'HOST']: host, [prefix + 'PORT']: '5432', [prefix + 'DB']: 'db', [prefix + 'USER']: 'user', [prefix + 'PASSWORD']: 'stub-password' } });
      if (app) app.addons = (app.addons || []).concat(id);
      saveCloud(c);
      print('Add-on created successfully!\nID: ' + id + '\nReal ID: ' + id.replace('addon_', provider + '_') + '\nName: ' + name);
      if (app) print('Add-on ' + name + ' has been successfully linked to application ' + app.app_id);
      return 0;
    }
    if (cmd === 'delete' || cmd === 'domain add') {
      if (values.app != null && values.alias != null) throw new Error('Only one of the ' + '\x60--app\x60' + ' or ' + '\x60--alias\x60' + ' options can be set at a time');
      if (cmd === 'domain add' && !need(1, ['fqdn'])) return 1;
      const c = loadCloud();
      const target = values.app != null ? (isAppId(values.app) ? cloudApp(c, values.app) : byName(c, values.app)) : cloudApp(c, findApp(loadConf(), values.alias).app_id);
      if (!hasCreds()) return notLoggedIn();
      if (cmd === 'delete') {
        // The real CLI asks "Type the name of the application to confirm" without --yes: a CI job has no terminal.
        if (!values.yes) return fail('[ERROR] stub: delete without --yes waits for a confirmation no CI job can type');
        target.deleted = true;
        saveCloud(c);
        print('✓ The application has been successfully deleted!');
        return 0;
      }
      const fqdn = positionals[0];
      if (c.apps.some((a) => !a.deleted && a.domains.includes(fqdn))) throw new Error('The domain ' + fqdn + ' is already used by another application');
      target.domains.push(fqdn);
      saveCloud(c);
      print('✓ Your domain has been successfully saved');
      return 0;
    }
    if (!NO_AUTH.has(cmd.split(' ')[0]) && !hasCreds()) return notLoggedIn();
    print('clever-stub: ' + argv.join(' '));
    return 0;
  } catch (e) {
    return fail('[ERROR] ' + e.message);
  }
}

function realNpx() {
  const self = fs.realpathSync(__dirname);
  for (const dir of (process.env.PATH || '').split(':')) {
    if (!dir) continue;
    let real; try { real = fs.realpathSync(dir); } catch { continue; }
    if (real === self) continue;
    const candidate = path.join(dir, 'npx');
    try { fs.accessSync(candidate, fs.constants.X_OK); return candidate; } catch {}
  }
  return null;
}

function npxMain(args) {
  // npx [options] <pkg>[@version] [args...]   |   npx -p/--package <pkg> <command> [args...]
  let yes = false; const packages = []; let i = 0;
  for (; i < args.length; i++) {
    const t = args[i];
    if (t === '--yes' || t === '-y') yes = true;
    else if (t === '--no' || t === '--no-yes') yes = false;
    else if (t === '-p' || t === '--package') packages.push(args[++i]);
    else if (t.startsWith('--package=')) packages.push(t.slice(10));
    else if (t === '--') { i++; break; }
    else if (t.startsWith('-')) continue;
    else break;
  }
  const command = args[i];
  const isClever = (s) => /^clever-tools(@.*)?$/.test(s || '');
  let spec = null, rest = null;
  if (packages.some(isClever) && (command === 'clever' || command === 'clever-tools')) { spec = packages.find(isClever); rest = args.slice(i + 1); }
  else if (packages.length === 0 && isClever(command)) { spec = command; rest = args.slice(i + 1); }
  if (spec == null) {
    const npx = realNpx();
    if (!npx) { process.stderr.write('clever-stub npx shim: no real npx on PATH\n'); return 127; }
    const r = spawnSync(npx, args, { stdio: 'inherit' });
    return r.status == null ? 1 : r.status;
  }
  const code = main(rest);
  record(rest, code, { via: 'npx', npxSpec: spec, npxYes: yes });
  return code;
}

const mode = process.argv[2];
const args = process.argv.slice(3);
if (mode === 'npx') process.exitCode = npxMain(args);
else { const code = main(args); record(args, code, {}); process.exitCode = code; }
`;

export function createCleverStub(dir: string): CleverStub {
  const binDir = path.join(dir, "clever-stub-bin");
  mkdirSync(binDir, { recursive: true });
  const logFile = path.join(binDir, "calls.jsonl");
  writeFileSync(logFile, "");
  writeFileSync(path.join(binDir, "clever-stub.cjs"), IMPL);
  writeFileSync(
    path.join(binDir, "options.json"),
    JSON.stringify({ ...STUB_COMMAND_OPTIONS, __global: GLOBAL_OPTS }, null, 2),
  );
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const impl = path.join(binDir, "clever-stub.cjs");
  for (const [name, mode] of [
    ["clever", "clever"],
    ["npx", "npx"],
  ] as const) {
    const file = path.join(binDir, name);
    writeFileSync(
      file,
      `#!/bin/sh\n__CLEVER_STUB_LOG=${q(logFile)} exec ${q(process.execPath)} ${q(impl)} ${mode} "$@"\n`,
    );
    chmodSync(file, 0o755);
  }
  return {
    binDir,
    logFile,
    calls() {
      const text = existsSync(logFile) ? readFileSync(logFile, "utf8") : "";
      return text
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as CleverCall);
    },
    cloud() {
      const file = path.join(binDir, "cloud.json");
      return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as CleverCloudState) : { apps: [] };
    },
    linkedApps(cwd: string) {
      let current = path.resolve(cwd);
      for (;;) {
        const file = path.join(current, ".clever.json");
        if (existsSync(file)) return (JSON.parse(readFileSync(file, "utf8")) as { apps: Array<Record<string, string>> }).apps;
        const up = path.dirname(current);
        if (up === current) return undefined;
        current = up;
      }
    },
  };
}
