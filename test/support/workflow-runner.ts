// Runs GitHub Actions workflow jobs locally, the way a GitHub-hosted ubuntu runner would, for testing the workflows
// Shipyard generates. Only `run:` steps execute; `uses:` steps of actions/checkout, actions/setup-node and
// actions/cache are taken as satisfied (their `with:` is recorded); pnpm/action-setup and oven-sh/setup-bun are
// emulated with the real managers (workflow-actions.ts); any other action fails the job.
// - `npm install --global` in a step installs into the runner's tool cache (npm_config_prefix), whose bin is on
//   PATH, as on a hosted runner where it lands in setup-node's Node: never into this machine's global prefix.
// - actions/setup-node with `cache: pnpm|yarn` fails when that manager is not on PATH yet, as on GitHub.
//
// Fidelity notes (each one is GitHub's behaviour, reproduced on purpose):
// - Shell: a step with NO `shell` (and no defaults.run.shell) runs `bash -e {0}`: no pipefail, so `false | cat`
//   succeeds. Only an explicit `shell: bash` runs `bash --noprofile --norc -eo pipefail {0}`.
// - Contexts are checked per location like GitHub's workflow parser: `secrets` is NOT available in `jobs.<id>.if` nor
//   in `steps[*].if` (nor `env` in a job-level `if`); using one there makes the whole workflow invalid (thrown here
//   as WorkflowError). Test for a secret in a step `if` through env (`env: { HAS_TOKEN: ${{ secrets.X != '' }} }`).
// - `if:` without a status function is `success() && (…)`. An `if:` that mixes text and `${{ }}`
//   (`if: ${{ a }} == 'b'`) is a string template, hence always true when non-empty.
// - Env precedence: step env > GITHUB_ENV (earlier steps) > job env > workflow env > runner env. A step's own env is
//   visible to its `if:`. GITHUB_*/RUNNER_* defaults cannot be overridden. NODE_OPTIONS cannot be set via GITHUB_ENV.
// - Step `continue-on-error`: outcome 'failure', conclusion 'success'. Later `success()` steps still run.
// - Secret values are masked as *** in captured stdout/stderr, and job outputs containing a secret are dropped.
// - Expressions: loose equality (type mismatch -> numbers), case-insensitive string comparison, `&&`/`||` return an
//   operand, missing properties are null, a missing secret/var is ''.
// - Environments (`jobs.<id>.environment`, a name or {name, url}): once the job's `if` passed (the job `if` sees only
//   repository-level vars), the environment's variables and secrets (opts.environments) override the repository's of
//   the same name for the rest of the job. The url is evaluated after the steps (it may use steps.*.outputs).
// - Pull requests from forks (event.fork): secrets are withheld (only GITHUB_TOKEN is left) unless
//   opts.exposeSecretsToForks, which emulates a misconfigured trigger to prove a workflow's own guards.
// - release (event.tag): GITHUB_REF is refs/tags/<tag>, GITHUB_SHA the tag's commit. workflow_dispatch
//   (event.inputs): undeclared inputs and missing required ones are refused like GitHub's API does; declared
//   defaults fill the rest; `inputs` and github.event.inputs hold them.
import { execFileSync, spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { EMULATED_ACTIONS, runEmulatedAction, setupNodeCacheProblem } from "./workflow-actions.js";

// ---------------------------------------------------------------------------------------------------------------
// Expression language
// ---------------------------------------------------------------------------------------------------------------

export class ExpressionError extends Error {
  override name = "ExpressionError";
}

export class WorkflowError extends Error {
  override name = "WorkflowError";
}

type Token =
  | { t: "str"; v: string; pos: number }
  | { t: "num"; v: number; pos: number }
  | { t: "id"; v: string; pos: number }
  | { t: "kw"; v: boolean | null | number; pos: number }
  | { t: "op"; v: string; pos: number };

export type Node =
  | { k: "lit"; v: unknown }
  | { k: "ctx"; name: string; pos: number }
  | { k: "call"; name: string; args: Node[]; pos: number }
  | { k: "prop"; obj: Node; name: string }
  | { k: "index"; obj: Node; idx: Node }
  | { k: "star"; obj: Node }
  | { k: "not"; e: Node }
  | { k: "and" | "or"; l: Node; r: Node }
  | { k: "cmp"; op: string; l: Node; r: Node };

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const isValueEnd = () => {
    const last = tokens[tokens.length - 1];
    return last !== undefined && (last.t !== "op" || last.v === ")" || last.v === "]" || last.v === "*");
  };
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const pos = i;
    if (c === "'") {
      let v = "";
      i++;
      for (;;) {
        if (i >= src.length) throw new ExpressionError(`Unexpected end of expression: unterminated string at ${pos}: ${src}`);
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += src[i];
        i++;
      }
      tokens.push({ t: "str", v, pos });
      continue;
    }
    if (c === '"') throw new ExpressionError(`Unexpected symbol: '"' at ${pos} (strings use single quotes): ${src}`);
    const num = /^[+-]?(?:0x[0-9a-fA-F]+|0o[0-7]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(src.slice(i));
    if (num && (/[\d.]/.test(c) || (!isValueEnd() && /[+-]/.test(c)))) {
      const text = num[0];
      const sign = text.startsWith("-") ? -1 : 1;
      const body = text.replace(/^[+-]/, "");
      const v = body.startsWith("0x")
        ? Number.parseInt(body.slice(2), 16)
        : body.startsWith("0o")
          ? Number.parseInt(body.slice(2), 8)
          : Number(body);
      tokens.push({ t: "num", v: sign * v, pos });
      i += text.length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i));
    if (id) {
      const w = id[0];
      const prev = tokens[tokens.length - 1];
      const afterDot = prev?.t === "op" && prev.v === ".";
      if (!afterDot && w === "true") tokens.push({ t: "kw", v: true, pos });
      else if (!afterDot && w === "false") tokens.push({ t: "kw", v: false, pos });
      else if (!afterDot && w === "null") tokens.push({ t: "kw", v: null, pos });
      else if (!afterDot && w === "NaN") tokens.push({ t: "kw", v: Number.NaN, pos });
      else if (!afterDot && w === "Infinity") tokens.push({ t: "kw", v: Number.POSITIVE_INFINITY, pos });
      else tokens.push({ t: "id", v: w, pos });
      i += w.length;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (["&&", "||", "==", "!=", "<=", ">="].includes(two)) {
      tokens.push({ t: "op", v: two, pos });
      i += 2;
      continue;
    }
    if ("()[].,!<>*".includes(c)) {
      tokens.push({ t: "op", v: c, pos });
      i++;
      continue;
    }
    throw new ExpressionError(`Unexpected symbol: '${c}' at position ${pos + 1} within expression: ${src}`);
  }
  return tokens;
}

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly src: string,
  ) {}
  parse(): Node {
    if (this.tokens.length === 0) throw new ExpressionError("Expected an expression, got an empty string");
    const n = this.or();
    const extra = this.tokens[this.i];
    if (extra) throw this.err(extra, "Unexpected symbol");
    return n;
  }
  private err(tok: Token | undefined, what: string): ExpressionError {
    if (!tok) return new ExpressionError(`Unexpected end of expression: ${this.src}`);
    return new ExpressionError(`${what}: '${String(tok.v)}'. Located at position ${tok.pos + 1} within expression: ${this.src}`);
  }
  private peekOp(...ops: string[]): string | undefined {
    const t = this.tokens[this.i];
    return t?.t === "op" && ops.includes(t.v) ? t.v : undefined;
  }
  private expectOp(op: string) {
    const t = this.tokens[this.i];
    if (t?.t !== "op" || t.v !== op) throw this.err(t, `Expected '${op}'`);
    this.i++;
  }
  private or(): Node {
    let l = this.and();
    while (this.peekOp("||")) {
      this.i++;
      l = { k: "or", l, r: this.and() };
    }
    return l;
  }
  private and(): Node {
    let l = this.eq();
    while (this.peekOp("&&")) {
      this.i++;
      l = { k: "and", l, r: this.eq() };
    }
    return l;
  }
  private eq(): Node {
    let l = this.rel();
    for (let op = this.peekOp("==", "!="); op; op = this.peekOp("==", "!=")) {
      this.i++;
      l = { k: "cmp", op, l, r: this.rel() };
    }
    return l;
  }
  private rel(): Node {
    let l = this.unary();
    for (let op = this.peekOp("<", "<=", ">", ">="); op; op = this.peekOp("<", "<=", ">", ">=")) {
      this.i++;
      l = { k: "cmp", op, l, r: this.unary() };
    }
    return l;
  }
  private unary(): Node {
    if (this.peekOp("!")) {
      this.i++;
      return { k: "not", e: this.unary() };
    }
    return this.postfix(this.primary());
  }
  private postfix(n: Node): Node {
    for (;;) {
      if (this.peekOp(".")) {
        this.i++;
        const t = this.tokens[this.i];
        if (t?.t === "op" && t.v === "*") {
          this.i++;
          n = { k: "star", obj: n };
        } else if (t?.t === "id") {
          this.i++;
          n = { k: "prop", obj: n, name: t.v };
        } else throw this.err(t, "Unexpected symbol after '.'");
      } else if (this.peekOp("[")) {
        this.i++;
        if (this.peekOp("*")) {
          this.i++;
          this.expectOp("]");
          n = { k: "star", obj: n };
        } else {
          const idx = this.or();
          this.expectOp("]");
          n = { k: "index", obj: n, idx };
        }
      } else return n;
    }
  }
  private primary(): Node {
    const t = this.tokens[this.i];
    if (!t) throw this.err(t, "");
    this.i++;
    if (t.t === "str" || t.t === "num" || t.t === "kw") return { k: "lit", v: t.v };
    if (t.t === "op" && t.v === "(") {
      const n = this.or();
      this.expectOp(")");
      return n;
    }
    if (t.t === "id") {
      if (this.peekOp("(")) {
        this.i++;
        const args: Node[] = [];
        if (!this.peekOp(")")) {
          args.push(this.or());
          while (this.peekOp(",")) {
            this.i++;
            args.push(this.or());
          }
        }
        this.expectOp(")");
        return { k: "call", name: t.v, args, pos: t.pos };
      }
      return { k: "ctx", name: t.v, pos: t.pos };
    }
    throw this.err(t, "Unexpected symbol");
  }
}

const astCache = new Map<string, Node>();
export function parseExpression(src: string): Node {
  let n = astCache.get(src);
  if (!n) {
    n = new Parser(tokenize(src), src).parse();
    astCache.set(src, n);
  }
  return n;
}

/** A value produced by `.*`: property access maps over its items. */
class Filtered {
  constructor(readonly items: unknown[]) {}
}

const caseSensitive = new WeakSet<object>();
/** Objects whose missing properties read as '' instead of null (the secrets and vars contexts). */
const missingIsEmpty = new WeakSet<object>();

type Kind = "null" | "boolean" | "number" | "string" | "array" | "object";
function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean") return "boolean";
  if (typeof v === "number") return "number";
  if (typeof v === "string") return "string";
  if (Array.isArray(v) || v instanceof Filtered) return "array";
  return "object";
}

export function toNumber(v: unknown): number {
  switch (kindOf(v)) {
    case "null":
      return 0;
    case "boolean":
      return v ? 1 : 0;
    case "number":
      return v as number;
    case "string": {
      const s = (v as string).trim();
      if (s === "") return 0;
      if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(s)) return Number(s);
      if (/^0x[0-9a-f]+$/i.test(s)) return Number.parseInt(s.slice(2), 16);
      if (/^0o[0-7]+$/i.test(s)) return Number.parseInt(s.slice(2), 8);
      if (/^[+-]?Infinity$/.test(s)) return Number(s);
      return Number.NaN;
    }
    default:
      return Number.NaN;
  }
}

export function isTruthy(v: unknown): boolean {
  switch (kindOf(v)) {
    case "null":
      return false;
    case "boolean":
      return v as boolean;
    case "number":
      return v !== 0 && !Number.isNaN(v);
    case "string":
      return (v as string).length > 0;
    default:
      return true;
  }
}

/** String conversion used for `${{ }}` interpolation (null -> '', objects -> 'Object', arrays -> 'Array'). */
export function toStr(v: unknown): string {
  switch (kindOf(v)) {
    case "null":
      return "";
    case "boolean":
      return v ? "true" : "false";
    case "number": {
      const n = v as number;
      return Object.is(n, -0) ? "0" : String(n);
    }
    case "string":
      return v as string;
    case "array":
      return "Array";
    default:
      return "Object";
  }
}

const upper = (s: string) => s.toUpperCase();

/** GitHub's `==`: same types compare directly (strings case-insensitively, objects by reference); otherwise both
 *  sides are coerced to numbers. */
export function looseEquals(a: unknown, b: unknown): boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === kb) {
    switch (ka) {
      case "null":
        return true;
      case "string":
        return upper(a as string) === upper(b as string);
      case "number":
        return a === b;
      case "boolean":
        return a === b;
      default:
        return a === b;
    }
  }
  if (ka === "array" || ka === "object" || kb === "array" || kb === "object") return false;
  const na = toNumber(a);
  const nb = toNumber(b);
  return !Number.isNaN(na) && !Number.isNaN(nb) && na === nb;
}

function compare(op: string, a: unknown, b: unknown): boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  let x: number | string;
  let y: number | string;
  if (ka === kb && ka === "string") {
    x = upper(a as string);
    y = upper(b as string);
  } else {
    if (ka === "array" || ka === "object" || kb === "array" || kb === "object") return false;
    x = toNumber(a);
    y = toNumber(b);
    if (Number.isNaN(x) || Number.isNaN(y)) return false;
  }
  switch (op) {
    case "<":
      return x < y;
    case "<=":
      return x <= y;
    case ">":
      return x > y;
    default:
      return x >= y;
  }
}

function getProp(obj: unknown, name: string): unknown {
  if (obj instanceof Filtered) {
    const out: unknown[] = [];
    for (const item of obj.items) {
      const v = getProp(item, name);
      if (v !== null && v !== undefined) out.push(v);
    }
    return new Filtered(out);
  }
  if (obj === null || typeof obj !== "object") return null;
  if (Array.isArray(obj)) return null;
  const rec = obj as Record<string, unknown>;
  if (Object.hasOwn(rec, name)) return rec[name] ?? null;
  const missing = missingIsEmpty.has(obj) ? "" : null;
  if (caseSensitive.has(obj)) return missing;
  const lower = name.toLowerCase();
  for (const key of Object.keys(rec)) if (key.toLowerCase() === lower) return rec[key] ?? null;
  return missing;
}

function getIndex(obj: unknown, idx: unknown): unknown {
  if (obj instanceof Filtered) {
    const out: unknown[] = [];
    for (const item of obj.items) {
      const v = getIndex(item, idx);
      if (v !== null && v !== undefined) out.push(v);
    }
    return new Filtered(out);
  }
  if (Array.isArray(obj)) {
    const n = toNumber(idx);
    if (!Number.isInteger(n) || n < 0) return null;
    return obj[n] ?? null;
  }
  if (obj !== null && typeof obj === "object") return getProp(obj, toStr(idx));
  return null;
}

function star(obj: unknown): Filtered {
  if (obj instanceof Filtered) {
    const out: unknown[] = [];
    for (const item of obj.items) out.push(...star(item).items);
    return new Filtered(out);
  }
  if (Array.isArray(obj)) return new Filtered([...obj]);
  if (obj !== null && typeof obj === "object") return new Filtered(Object.values(obj));
  return new Filtered([]);
}

const plain = (v: unknown): unknown => (v instanceof Filtered ? v.items.map(plain) : v);

export interface EvalOptions {
  /** Values of the named contexts (github, env, secrets, vars, steps, needs, matrix, strategy, runner, job, inputs). */
  contexts: Record<string, unknown>;
  /** Context names allowed at this location (undefined: all). */
  allowedContexts?: readonly string[];
  /** Function names allowed at this location, besides the always-available ones (undefined: all). */
  allowedFunctions?: readonly string[];
  /** success()/failure()/cancelled() at this location. */
  status?: { success: boolean; failure: boolean; cancelled?: boolean };
  /** Folder for hashFiles(). */
  workspace?: string;
}

const BASE_FUNCTIONS: Record<string, [number, number]> = {
  contains: [2, 2],
  startswith: [2, 2],
  endswith: [2, 2],
  format: [1, 255],
  join: [1, 2],
  tojson: [1, 1],
  fromjson: [1, 1],
};
const EXTRA_FUNCTIONS: Record<string, [number, number]> = {
  success: [0, 0],
  failure: [0, 0],
  always: [0, 0],
  cancelled: [0, 0],
  hashfiles: [1, 255],
};
const STATUS_FUNCTIONS = new Set(["success", "failure", "always", "cancelled"]);

/** Static check (like GitHub's parser): named-values and functions available at this location. */
export function checkExpression(src: string, opts: Pick<EvalOptions, "allowedContexts" | "allowedFunctions">): void {
  const ast = parseExpression(src);
  const walk = (n: Node): void => {
    switch (n.k) {
      case "ctx":
        if (opts.allowedContexts && !opts.allowedContexts.includes(n.name.toLowerCase())) {
          throw new ExpressionError(
            `Unrecognized named-value: '${n.name}'. Located at position ${n.pos + 1} within expression: ${src}`,
          );
        }
        return;
      case "call": {
        const name = n.name.toLowerCase();
        const arity = BASE_FUNCTIONS[name] ?? EXTRA_FUNCTIONS[name];
        const allowed =
          BASE_FUNCTIONS[name] !== undefined || !opts.allowedFunctions || opts.allowedFunctions.includes(name);
        if (!arity || !allowed) {
          throw new ExpressionError(`Unrecognized function: '${n.name}'. Located at position ${n.pos + 1} within expression: ${src}`);
        }
        if (n.args.length < arity[0] || n.args.length > arity[1]) {
          throw new ExpressionError(`Wrong number of arguments for ${n.name}(): ${n.args.length}, in expression: ${src}`);
        }
        n.args.forEach(walk);
        return;
      }
      case "prop":
      case "star":
        walk(n.obj);
        return;
      case "index":
        walk(n.obj);
        walk(n.idx);
        return;
      case "not":
        walk(n.e);
        return;
      case "and":
      case "or":
      case "cmp":
        walk(n.l);
        walk(n.r);
        return;
      default:
        return;
    }
  };
  walk(ast);
}

function usesStatusFunction(src: string): boolean {
  const walk = (n: Node): boolean => {
    switch (n.k) {
      case "call":
        return STATUS_FUNCTIONS.has(n.name.toLowerCase()) || n.args.some(walk);
      case "prop":
      case "star":
        return walk(n.obj);
      case "index":
        return walk(n.obj) || walk(n.idx);
      case "not":
        return walk(n.e);
      case "and":
      case "or":
      case "cmp":
        return walk(n.l) || walk(n.r);
      default:
        return false;
    }
  };
  return walk(parseExpression(src));
}

function formatString(fmt: string, args: unknown[]): string {
  let out = "";
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i];
    if (c === "{") {
      if (fmt[i + 1] === "{") {
        out += "{";
        i++;
        continue;
      }
      const m = /^\{(\d+)\}/.exec(fmt.slice(i));
      if (!m) throw new ExpressionError(`The following format string is invalid: ${fmt}`);
      const index = Number(m[1]);
      if (index >= args.length) throw new ExpressionError(`The following format string references more arguments than were supplied: ${fmt}`);
      out += toStr(args[index]);
      i += (m[0] as string).length - 1;
    } else if (c === "}") {
      if (fmt[i + 1] !== "}") throw new ExpressionError(`The following format string is invalid: ${fmt}`);
      out += "}";
      i++;
    } else out += c;
  }
  return out;
}

function callFunction(name: string, args: unknown[], opts: EvalOptions): unknown {
  switch (name) {
    case "contains": {
      const [search, item] = args;
      if (kindOf(search) === "array") return (plain(search) as unknown[]).some((e) => looseEquals(e, item));
      return upper(toStr(search)).includes(upper(toStr(item)));
    }
    case "startswith":
      return upper(toStr(args[0])).startsWith(upper(toStr(args[1])));
    case "endswith":
      return upper(toStr(args[0])).endsWith(upper(toStr(args[1])));
    case "format":
      return formatString(toStr(args[0]), args.slice(1));
    case "join": {
      const sep = args.length > 1 ? toStr(args[1]) : ",";
      const v = args[0];
      if (kindOf(v) === "array") return (plain(v) as unknown[]).map(toStr).join(sep);
      return toStr(v);
    }
    case "tojson":
      return JSON.stringify(plain(args[0]) ?? null, null, 2);
    case "fromjson": {
      const s = toStr(args[0]);
      try {
        return JSON.parse(s);
      } catch {
        throw new ExpressionError(`Error parsing fromJson: invalid JSON: ${JSON.stringify(s.slice(0, 80))}`);
      }
    }
    case "success":
      return opts.status ? opts.status.success && !opts.status.cancelled : true;
    case "failure":
      return opts.status ? opts.status.failure && !opts.status.cancelled : false;
    case "cancelled":
      return opts.status?.cancelled ?? false;
    case "always":
      return true;
    case "hashfiles":
      return hashFiles(opts.workspace ?? process.cwd(), args.map(toStr));
    default:
      throw new ExpressionError(`Unrecognized function: '${name}'`);
  }
}

/** Evaluates one expression (the text between `${{` and `}}`, or an `if:` condition). */
export function evaluateExpression(src: string, opts: EvalOptions): unknown {
  checkExpression(src, opts);
  const ctxs = new Map<string, unknown>();
  for (const [k, v] of Object.entries(opts.contexts)) ctxs.set(k.toLowerCase(), v);
  const ev = (n: Node): unknown => {
    switch (n.k) {
      case "lit":
        return n.v;
      case "ctx":
        return ctxs.get(n.name.toLowerCase()) ?? null;
      case "prop":
        return getProp(ev(n.obj), n.name);
      case "index":
        return getIndex(ev(n.obj), ev(n.idx));
      case "star":
        return star(ev(n.obj));
      case "not":
        return !isTruthy(ev(n.e));
      case "and": {
        const l = ev(n.l);
        return isTruthy(l) ? ev(n.r) : l;
      }
      case "or": {
        const l = ev(n.l);
        return isTruthy(l) ? l : ev(n.r);
      }
      case "cmp": {
        const l = ev(n.l);
        const r = ev(n.r);
        if (n.op === "==") return looseEquals(l, r);
        if (n.op === "!=") return !looseEquals(l, r);
        return compare(n.op, l, r);
      }
      case "call":
        return callFunction(n.name.toLowerCase(), n.args.map(ev), opts);
    }
  };
  return plain(ev(parseExpression(src)));
}

// ---------------------------------------------------------------------------------------------------------------
// Templates: strings with ${{ … }}
// ---------------------------------------------------------------------------------------------------------------

export type TemplatePart = { text: string } | { expr: string; start: number; end: number };

/** Splits a string into literal text and `${{ … }}` expressions (a `}}` inside a '…' string literal does not end the
 *  expression). */
export function splitTemplate(s: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let i = 0;
  let text = "";
  while (i < s.length) {
    const open = s.indexOf("${{", i);
    if (open < 0) {
      text += s.slice(i);
      break;
    }
    text += s.slice(i, open);
    let j = open + 3;
    let inStr = false;
    let close = -1;
    while (j < s.length) {
      const c = s[j];
      if (c === "'") inStr = !inStr;
      else if (!inStr && c === "}" && s[j + 1] === "}") {
        close = j;
        break;
      }
      j++;
    }
    if (close < 0) throw new ExpressionError(`Unexpected end of expression (no closing '}}'): ${s.slice(open, open + 80)}`);
    if (text) parts.push({ text });
    text = "";
    parts.push({ expr: s.slice(open + 3, close).trim(), start: open, end: close + 2 });
    i = close + 2;
  }
  if (text) parts.push({ text });
  return parts;
}

/** Evaluates a template. A value that is exactly one `${{ }}` keeps its type; anything else becomes a string. */
export function evaluateTemplate(value: unknown, opts: EvalOptions): unknown {
  if (typeof value !== "string") return value;
  const parts = splitTemplate(value);
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only && "expr" in only && value.trim() === value.slice(only.start, only.end)) {
    return evaluateExpression(only.expr, opts);
  }
  return parts.map((p) => ("expr" in p ? toStr(evaluateExpression(p.expr, opts)) : p.text)).join("");
}

export const templateToString = (value: unknown, opts: EvalOptions): string => {
  const v = evaluateTemplate(value, opts);
  return typeof v === "string" ? v : toStr(v);
};

/** Turns an `if:` value into the expression GitHub evaluates, with the implicit `success() &&`. */
export function conditionExpression(raw: unknown, defaultCondition = "success()"): string {
  if (raw === undefined || raw === null || raw === "") return defaultCondition;
  let src: string;
  if (typeof raw === "boolean" || typeof raw === "number") src = String(raw);
  else {
    const s = String(raw).trim();
    const parts = splitTemplate(s);
    const only = parts.length === 1 ? parts[0] : undefined;
    if (only && "expr" in only && only.start === 0 && only.end === s.length) src = only.expr;
    else if (parts.some((p) => "expr" in p)) {
      // Mixed text and ${{ }}: GitHub turns it into format('…{0}…', …), a string, so the condition is its truthiness.
      let fmt = "";
      const args: string[] = [];
      for (const p of parts) {
        if ("expr" in p) {
          fmt += `{${args.length}}`;
          args.push(`(${p.expr})`);
        } else fmt += p.text.replace(/[{}]/g, (m) => m + m);
      }
      src = `format('${fmt.replace(/'/g, "''")}', ${args.join(", ")})`;
    } else src = s;
  }
  return usesStatusFunction(src) ? src : `success() && (${src})`;
}

// ---------------------------------------------------------------------------------------------------------------
// hashFiles
// ---------------------------------------------------------------------------------------------------------------

function globToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        const slash = pattern[i + 2] === "/";
        re += slash ? "(?:.*/)?" : ".*";
        i += slash ? 2 : 1;
      } else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        re += `[${pattern.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** Lists files under root matching glob patterns (`**`, `*`, `?`, `[…]`, leading `!` excludes); posix relative paths. */
export function globFiles(root: string, patterns: string[]): string[] {
  const includes: RegExp[] = [];
  const excludes: RegExp[] = [];
  const prefixes: string[] = [];
  for (let p of patterns) {
    p = p.trim();
    if (!p) continue;
    const negate = p.startsWith("!");
    if (negate) p = p.slice(1);
    if (path.isAbsolute(p)) p = path.relative(root, p);
    p = p.replace(/^\.\//, "");
    if (p.startsWith("..")) continue;
    (negate ? excludes : includes).push(globToRegExp(p));
    if (!negate) {
      const segs = p.split("/");
      const fixed: string[] = [];
      for (const s of segs.slice(0, -1)) {
        if (/[*?[]/.test(s)) break;
        fixed.push(s);
      }
      prefixes.push(fixed.join("/"));
    }
  }
  const found = new Set<string>();
  const walk = (rel: string) => {
    const abs = path.join(root, rel);
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        try {
          const st = statSync(path.join(root, r));
          isFile = st.isFile();
          isDir = false; // do not follow directory symlinks (loops)
        } catch {
          continue;
        }
      }
      if (isDir) walk(r);
      else if (isFile && !found.has(r) && includes.some((re) => re.test(r)) && !excludes.some((re) => re.test(r))) {
        found.add(r);
      }
    }
  };
  const starts = [...new Set(prefixes)].sort();
  for (const p of starts) {
    if (starts.some((q) => q !== p && (q === "" || p.startsWith(`${q}/`)))) continue;
    walk(p);
  }
  return [...found].sort();
}

/** Like GitHub's hashFiles(): sha256 over the sha256 of each matching file ('' when nothing matches). */
export function hashFiles(workspace: string, patterns: string[]): string {
  const files = globFiles(workspace, patterns);
  if (files.length === 0) return "";
  const total = createHash("sha256");
  for (const f of files) total.update(createHash("sha256").update(readFileSync(path.join(workspace, f))).digest());
  return total.digest("hex");
}

// ---------------------------------------------------------------------------------------------------------------
// Workflow model
// ---------------------------------------------------------------------------------------------------------------

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => v !== null && typeof v === "object" && !Array.isArray(v);

export interface Workflow {
  file: string;
  name: string;
  on: Record<string, Dict | null>;
  env: Dict;
  defaults: Dict;
  jobs: Record<string, Dict>;
  raw: Dict;
}

// Context availability, from GitHub's "Contexts reference > Context availability".
const CTX = {
  workflowEnv: ["github", "secrets", "inputs", "vars"],
  jobIf: ["github", "needs", "vars", "inputs"],
  jobEnv: ["github", "needs", "strategy", "matrix", "vars", "secrets", "inputs"],
  jobRunsOn: ["github", "needs", "strategy", "matrix", "vars", "inputs"],
  jobDefaults: ["github", "needs", "strategy", "matrix", "env", "vars", "inputs"],
  jobStrategy: ["github", "needs", "vars", "inputs"],
  jobMisc: ["github", "needs", "strategy", "matrix", "vars", "inputs"],
  jobOutputs: ["github", "needs", "strategy", "matrix", "job", "runner", "env", "vars", "secrets", "steps", "inputs"],
  stepIf: ["github", "needs", "strategy", "matrix", "job", "runner", "env", "vars", "steps", "inputs"],
  // GitHub documents github, inputs, vars, needs, strategy, matrix, job, runner, env; its own example (and GitHub
  // itself) also allows steps (github/docs#32603).
  environmentUrl: ["github", "needs", "strategy", "matrix", "job", "runner", "env", "vars", "steps", "inputs"],
  step: ["github", "needs", "strategy", "matrix", "job", "runner", "env", "vars", "secrets", "steps", "inputs"],
} as const;
const FN = {
  jobIf: ["success", "failure", "always", "cancelled"],
  stepIf: ["success", "failure", "always", "cancelled", "hashfiles"],
  step: ["hashfiles"],
  none: [],
} as const;

function normalizeOn(on: unknown): Record<string, Dict | null> {
  if (typeof on === "string") return { [on]: null };
  if (Array.isArray(on)) return Object.fromEntries(on.map((e) => [String(e), null]));
  if (isDict(on)) return Object.fromEntries(Object.entries(on).map(([k, v]) => [k, isDict(v) ? v : null]));
  throw new WorkflowError("workflow has no 'on'");
}

function stepDisplaySource(step: Dict): string {
  if (typeof step.name === "string") return step.name;
  if (typeof step.uses === "string") return `Run ${step.uses}`;
  const first = String(step.run ?? "").trimStart().split(/\r?\n/)[0] ?? "";
  return `Run ${first}`;
}

/** Parses and validates a workflow file like GitHub does before running anything (throws WorkflowError). */
export function loadWorkflow(workflowFile: string): Workflow {
  const raw = parseYaml(readFileSync(workflowFile, "utf8")) as unknown;
  if (!isDict(raw)) throw new WorkflowError(`${workflowFile}: not a YAML mapping`);
  if (!isDict(raw.jobs) || Object.keys(raw.jobs).length === 0) throw new WorkflowError(`${workflowFile}: no jobs`);
  const jobs = raw.jobs as Record<string, Dict>;
  const problems: string[] = [];
  const check = (where: string, value: unknown, allowed: readonly string[], fns: readonly string[], isIf = false) => {
    if (value === undefined || value === null) return;
    try {
      if (isIf) checkExpression(conditionExpression(value), { allowedContexts: allowed, allowedFunctions: fns });
      else if (typeof value === "string") {
        for (const p of splitTemplate(value)) {
          if ("expr" in p) checkExpression(p.expr, { allowedContexts: allowed, allowedFunctions: fns });
        }
      } else if (isDict(value) || Array.isArray(value)) {
        for (const v of Object.values(value)) check(where, v, allowed, fns);
      }
    } catch (e) {
      problems.push(`${where}: ${(e as Error).message}`);
    }
  };
  check("env", raw.env, CTX.workflowEnv, FN.none);
  for (const [id, job] of Object.entries(jobs)) {
    if (!isDict(job)) {
      problems.push(`jobs.${id}: not a mapping`);
      continue;
    }
    const needs = job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
    for (const n of needs) {
      if (!Object.hasOwn(jobs, String(n))) {
        problems.push(`jobs.${id}.needs: job '${id}' depends on unknown job '${String(n)}'`);
      }
    }
    check(`jobs.${id}.if`, job.if, CTX.jobIf, FN.jobIf, true);
    check(`jobs.${id}.env`, job.env, CTX.jobEnv, FN.none);
    check(`jobs.${id}.runs-on`, job["runs-on"], CTX.jobRunsOn, FN.none);
    check(`jobs.${id}.defaults`, job.defaults, CTX.jobDefaults, FN.none);
    check(`jobs.${id}.strategy`, job.strategy, CTX.jobStrategy, FN.none);
    if (isDict(job.environment)) {
      check(`jobs.${id}.environment.name`, job.environment.name, CTX.jobMisc, FN.none);
      check(`jobs.${id}.environment.url`, job.environment.url, CTX.environmentUrl, FN.none);
    } else check(`jobs.${id}.environment`, job.environment, CTX.jobMisc, FN.none);
    check(`jobs.${id}.timeout-minutes`, job["timeout-minutes"], CTX.jobMisc, FN.none);
    check(`jobs.${id}.continue-on-error`, job["continue-on-error"], CTX.jobMisc, FN.none);
    check(`jobs.${id}.outputs`, job.outputs, CTX.jobOutputs, FN.step);
    if (job.uses !== undefined) continue; // reusable workflow call: refused when run
    if (!Array.isArray(job.steps) || job.steps.length === 0) {
      problems.push(`jobs.${id}: no steps`);
      continue;
    }
    const ids = new Set<string>();
    job.steps.forEach((step: unknown, i: number) => {
      const where = `jobs.${id}.steps[${i}]`;
      if (!isDict(step)) {
        problems.push(`${where}: not a mapping`);
        return;
      }
      if ((step.run === undefined) === (step.uses === undefined)) {
        problems.push(`${where}: a step needs exactly one of 'run' or 'uses'`);
      }
      if (step.id !== undefined) {
        const sid = String(step.id);
        if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(sid)) problems.push(`${where}.id: invalid step id '${sid}'`);
        if (ids.has(sid)) problems.push(`${where}.id: duplicate step id '${sid}'`);
        ids.add(sid);
      }
      check(`${where}.if`, step.if, CTX.stepIf, FN.stepIf, true);
      check(`${where}.env`, step.env, CTX.step, FN.step);
      check(`${where}.with`, step.with, CTX.step, FN.step);
      check(`${where}.run`, step.run, CTX.step, FN.step);
      check(`${where}.name`, step.name, CTX.step, FN.step);
      check(`${where}.working-directory`, step["working-directory"], CTX.step, FN.step);
      check(`${where}.continue-on-error`, step["continue-on-error"], CTX.step, FN.step);
      check(`${where}.timeout-minutes`, step["timeout-minutes"], CTX.step, FN.step);
    });
  }
  // needs cycles
  const state = new Map<string, number>();
  const visit = (id: string, trail: string[]) => {
    if (state.get(id) === 2) return;
    if (state.get(id) === 1) {
      problems.push(`jobs: dependency cycle ${[...trail, id].join(" -> ")}`);
      return;
    }
    state.set(id, 1);
    for (const n of jobNeeds(jobs[id] ?? {})) if (jobs[n]) visit(n, [...trail, id]);
    state.set(id, 2);
  };
  for (const id of Object.keys(jobs)) visit(id, []);
  if (problems.length > 0) throw new WorkflowError(`${workflowFile}: invalid workflow:\n  ${problems.join("\n  ")}`);
  return {
    file: workflowFile,
    name: typeof raw.name === "string" ? raw.name : path.basename(workflowFile),
    on: normalizeOn(raw.on ?? raw[true as unknown as string]),
    env: isDict(raw.env) ? raw.env : {},
    defaults: isDict(raw.defaults) ? raw.defaults : {},
    jobs,
    raw,
  };
}

const jobNeeds = (job: Dict): string[] =>
  job.needs === undefined ? [] : (Array.isArray(job.needs) ? job.needs : [job.needs]).map(String);

// ---------------------------------------------------------------------------------------------------------------
// Events and triggers
// ---------------------------------------------------------------------------------------------------------------

export interface EventSpec {
  name: "push" | "pull_request" | (string & {});
  /** push: refs/heads/<branch> or refs/tags/<tag> (a bare name means a branch); default refs/heads/main. */
  ref?: string;
  sha?: string;
  /** pull_request: the target branch (default 'main') and the PR branch (default 'feature'). */
  baseRef?: string;
  headRef?: string;
  /** pull_request activity type (default 'opened'). */
  action?: string;
  /** release: the release's tag (default 'v1.0.0'); its commit is `sha` or the workspace's HEAD. */
  tag?: string;
  /** workflow_dispatch: the inputs given (checked against the declared ones, declared defaults fill the rest). */
  inputs?: Record<string, string>;
  /** pull_request: opened from a fork (head repository `fork-owner/<name>`). */
  fork?: boolean;
  /** Merged (deeply) into the generated github.event payload. */
  payload?: Dict;
  /** Files changed by the push/PR, for `paths` filters (when absent, path filters are taken as matching). */
  changedFiles?: string[];
  actor?: string;
  repository?: string;
  [key: string]: unknown;
}

/** GitHub's filter pattern syntax: `*` (not /), `**`, `?` and `+` as quantifiers, `[…]`, `!` negation. */
function filterPatternToRegExp(p: string): RegExp {
  let re = "";
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string;
    if (c === "*") {
      if (p[i + 1] === "*") {
        re += ".*";
        i++;
      } else re += "[^/]*";
    } else if (c === "?" || c === "+") re += c;
    else if (c === "[") {
      const end = p.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        re += p.slice(i, end + 1);
        i = end;
      }
    } else if (c === "\\") {
      re += `\\${p[i + 1] ?? ""}`;
      i++;
    } else re += c.replace(/[.^${}()|]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

function matchFilters(value: string, patterns: unknown): boolean {
  const list = (Array.isArray(patterns) ? patterns : [patterns]).map(String);
  let matched = false;
  for (const p of list) {
    if (p.startsWith("!")) {
      if (filterPatternToRegExp(p.slice(1)).test(value)) matched = false;
    } else if (filterPatternToRegExp(p).test(value)) matched = true;
  }
  return matched;
}

function filterAllows(value: string, include: unknown, ignore: unknown): boolean {
  if (include !== undefined) return matchFilters(value, include);
  if (ignore !== undefined) return !matchFilters(value, ignore);
  return true;
}

function pathsAllow(files: string[] | undefined, cfg: Dict): boolean {
  if (!files || (cfg.paths === undefined && cfg["paths-ignore"] === undefined)) return true;
  if (cfg.paths !== undefined) return files.some((f) => matchFilters(f, cfg.paths));
  return files.some((f) => !matchFilters(f, cfg["paths-ignore"]));
}

/** Whether the workflow runs for this event, and why not. */
export function isTriggered(wf: Workflow, event: EventSpec): { triggered: boolean; reason?: string } {
  if (!Object.hasOwn(wf.on, event.name)) {
    return { triggered: false, reason: `workflow is not triggered by '${event.name}' (on: ${Object.keys(wf.on).join(", ")})` };
  }
  const cfg = wf.on[event.name] ?? {};
  const info = eventInfo(event);
  if (event.name === "push") {
    const isTag = info.ref.startsWith("refs/tags/");
    const name = info.ref.replace(/^refs\/(heads|tags)\//, "");
    const hasBranch = cfg.branches !== undefined || cfg["branches-ignore"] !== undefined;
    const hasTag = cfg.tags !== undefined || cfg["tags-ignore"] !== undefined;
    if (hasBranch || hasTag) {
      const ok = isTag
        ? hasTag && filterAllows(name, cfg.tags, cfg["tags-ignore"])
        : hasBranch && filterAllows(name, cfg.branches, cfg["branches-ignore"]);
      if (!ok) return { triggered: false, reason: `push to ${info.ref} does not match the branch/tag filters` };
    }
    if (!isTag && !pathsAllow(event.changedFiles, cfg)) return { triggered: false, reason: "no changed file matches the paths filters" };
  } else if (event.name === "release") {
    if (cfg.types !== undefined) {
      const types = (Array.isArray(cfg.types) ? cfg.types : [cfg.types]).map(String);
      if (!types.includes(info.action)) return { triggered: false, reason: `release '${info.action}' is not in types ${types.join(", ")}` };
    }
  } else if (event.name === "workflow_dispatch") {
    dispatchInputs(cfg, event.inputs);
  } else if (event.name === "pull_request" || event.name === "pull_request_target") {
    const types = cfg.types === undefined ? ["opened", "synchronize", "reopened"] : (Array.isArray(cfg.types) ? cfg.types : [cfg.types]).map(String);
    if (!types.includes(info.action)) return { triggered: false, reason: `pull_request '${info.action}' is not in types ${types.join(", ")}` };
    if (!filterAllows(info.baseRef, cfg.branches, cfg["branches-ignore"])) {
      return { triggered: false, reason: `pull_request into ${info.baseRef} does not match the branch filters` };
    }
    if (!pathsAllow(event.changedFiles, cfg)) return { triggered: false, reason: "no changed file matches the paths filters" };
  }
  return { triggered: true };
}

function eventInfo(event: EventSpec) {
  const isPr = event.name === "pull_request" || event.name === "pull_request_target";
  const isRelease = event.name === "release";
  const number = Number((event.payload?.number as number | undefined) ?? 1);
  const baseRef = event.baseRef ?? "main";
  const headRef = event.headRef ?? "feature";
  const tag = event.tag ?? "v1.0.0";
  let ref =
    event.ref ??
    (isPr ? (event.name === "pull_request" ? `refs/pull/${number}/merge` : `refs/heads/${baseRef}`) : isRelease ? `refs/tags/${tag}` : "refs/heads/main");
  if (!ref.startsWith("refs/")) ref = `refs/heads/${ref}`;
  return { isPr, isRelease, tag, number, baseRef, headRef, ref, action: event.action ?? (isPr ? "opened" : isRelease ? "published" : "") };
}

/** The inputs of a workflow_dispatch run, as GitHub computes them: given ones must be declared (else HTTP 422
 *  "Unexpected inputs provided"), required ones given, choices respected; declared defaults fill the rest. */
function dispatchInputs(cfg: Dict, given: Record<string, string> | undefined): Record<string, string> {
  const declared = isDict(cfg.inputs) ? (cfg.inputs as Record<string, Dict>) : {};
  const out: Record<string, string> = {};
  const unexpected = Object.keys(given ?? {}).filter((k) => !Object.hasOwn(declared, k));
  if (unexpected.length > 0) throw new WorkflowError(`workflow_dispatch: Unexpected inputs provided: ${JSON.stringify(unexpected)}`);
  for (const [name, spec] of Object.entries(declared)) {
    const value = given?.[name] ?? (spec?.default !== undefined ? String(spec.default) : undefined);
    if (value === undefined || (value === "" && spec?.required === true)) {
      if (spec?.required === true) throw new WorkflowError(`workflow_dispatch: Required input '${name}' not provided`);
      out[name] = spec?.type === "boolean" ? "false" : "";
      continue;
    }
    if (spec?.type === "choice" && Array.isArray(spec.options) && !spec.options.map(String).includes(value)) {
      throw new WorkflowError(`workflow_dispatch: Provided value '${value}' for input '${name}' not in the list of allowed values`);
    }
    out[name] = value;
  }
  return out;
}

function deepMerge(a: Dict, b: Dict): Dict {
  const out: Dict = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isDict(v) && isDict(out[k]) ? deepMerge(out[k] as Dict, v) : v;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------------------------

export type Conclusion = "success" | "failure" | "skipped";

export interface Annotation {
  level: "notice" | "warning" | "error";
  message: string;
  properties: Record<string, string>;
  step?: string;
}

export interface StepResult {
  name: string;
  id?: string;
  /** Conclusion (after continue-on-error). */
  status: Conclusion;
  /** Outcome (before continue-on-error). */
  outcome: Conclusion;
  outputs: Record<string, string>;
  stdout: string;
  stderr: string;
  exitCode?: number;
  uses?: string;
  /** Evaluated `with:` of a `uses:` step. */
  with?: Record<string, string>;
  /** The script that ran (after expression evaluation or replacement). */
  run?: string;
  replaced?: boolean;
  shell?: string;
  workingDirectory?: string;
  /** The environment variables the step's env context had (global env + step env). */
  env?: Record<string, string>;
}

export interface JobResult {
  job: string;
  status: Conclusion;
  /** false when the workflow is not triggered by the event (status 'skipped'). */
  triggered: boolean;
  skipReason?: string;
  steps: StepResult[];
  /** Messages of `::notice` commands. */
  notices: string[];
  warnings: string[];
  errors: string[];
  annotations: Annotation[];
  outputs: Record<string, string>;
  /** Content written to GITHUB_STEP_SUMMARY. */
  summary: string;
  /** The GitHub environment the job ran in (evaluated name, and url when declared). */
  environment?: { name: string; url?: string };
  matrix?: Dict;
  /** For a matrix job run without `matrix`: one result per combination (top-level fields are the first failed, else
   *  the first combination's; status is failure if any failed). */
  runs?: JobResult[];
}

export interface RunJobOptions {
  workflowFile: string;
  job: string;
  /** The workspace (GITHUB_WORKSPACE): the checked-out repository. */
  cwd: string;
  event: EventSpec;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** Extra environment of the runner machine (lowest precedence, under workflow env). */
  env?: Record<string, string>;
  /** Replace steps (matched by name, display name or id) with a shell script; the step keeps its if/env/id/
   *  working-directory. The script is used as is (no ${{ }} evaluation). Unknown keys throw. */
  replaceSteps?: Record<string, string>;
  /** Folders put in front of PATH (after GITHUB_PATH additions), e.g. a stub's binDir. */
  pathPrepend?: string[];
  /** Results of the jobs this job needs (default: each 'success' with no outputs). */
  needs?: Record<string, { result?: Conclusion | "cancelled"; outputs?: Record<string, string> }>;
  /** One matrix combination to run (default: every combination). */
  matrix?: Dict;
  /** Actions taken as satisfied besides actions/checkout, actions/setup-node, actions/cache (e.g. 'actions/upload-artifact'). */
  satisfiedActions?: string[];
  /** Which variables of this process the steps inherit: true = all; default = PATH, HOME, USER, SHELL, LANG, LC_*,
   *  TERM, TMPDIR, TZ, proxy and CA variables (NODE_EXTRA_CA_CERTS, SSL_CERT_*). */
  inheritEnv?: boolean;
  /** Kill a step after this long (default: the step's timeout-minutes, else none). */
  stepTimeoutMs?: number;
  /** Keep the RUNNER_TEMP folder (for debugging). */
  keepTemp?: boolean;
  /** GitHub environments: their variables and secrets override the repository's in a job that names them. A job
   *  naming an environment not listed here gets none (GitHub creates an empty environment on first use). */
  environments?: Record<string, { vars?: Record<string, string>; secrets?: Record<string, string> }>;
  /** Give the secrets to a fork's pull request anyway (what pull_request_target would do): for proving that a
   *  workflow's own conditions keep them away from fork code. Default false: withheld, as GitHub does. */
  exposeSecretsToForks?: boolean;
  /** Servers standing in for the job's `services:` containers, which the local runner does not start: for each
   *  service id, a function given the declared service (image, env, ports, options) that returns the host port
   *  each declared container port maps to, as `job.services.<id>.ports` shows them. A declared service without
   *  one is an error. */
  services?: Record<string, (declared: ServiceDeclaration) => { ports: Record<string, number> }>;
}

/** A job's `services.<id>` entry, as the workflow declares it (expressions left as written). */
export interface ServiceDeclaration {
  id: string;
  image: string;
  env: Record<string, string>;
  ports: string[];
  options?: string;
}

const SATISFIED_ACTIONS = ["actions/checkout", "actions/setup-node", "actions/cache"];
const INHERITED = /^(PATH|HOME|USER|LOGNAME|SHELL|LANG|LANGUAGE|LC_[A-Z]+|TERM|TMPDIR|TZ|NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|GIT_SSL_CAINFO|(https?|no|all)_proxy|(HTTPS?|NO|ALL)_PROXY|CONTAINERS_CONF|XDG_[A-Z_]+)$/;

function gitSha(cwd: string): string {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "ffac537e6cbbf934b08745a378932722df287a53";
  }
}

interface RunContext {
  wf: Workflow;
  opts: RunJobOptions;
  github: Dict;
  secrets: Dict;
  vars: Dict;
  eventPayload: Dict;
  /** A fork's pull request: GitHub gives it no secrets (GITHUB_TOKEN aside). */
  secretsWithheld: boolean;
}

function makeRunContext(wf: Workflow, opts: RunJobOptions): RunContext {
  const event = opts.event;
  const info = eventInfo(event);
  const sha = event.sha ?? gitSha(opts.cwd);
  const repository = event.repository ?? "shipyard-test/app";
  const [owner = "shipyard-test", repoName = "app"] = repository.split("/");
  const actor = event.actor ?? "octocat";
  const repoObj = {
    full_name: repository,
    name: repoName,
    owner: { login: owner },
    default_branch: "main",
    private: false,
    fork: false,
    html_url: `https://github.com/${repository}`,
    clone_url: `https://github.com/${repository}.git`,
  };
  const forkRepo = { ...repoObj, full_name: `fork-owner/${repoName}`, owner: { login: "fork-owner" }, fork: true, html_url: `https://github.com/fork-owner/${repoName}`, clone_url: `https://github.com/fork-owner/${repoName}.git` };
  const isFork = info.isPr && event.fork === true;
  let payload: Dict;
  if (info.isPr) {
    payload = {
      action: info.action,
      number: info.number,
      pull_request: {
        number: info.number,
        title: "Test pull request",
        draft: false,
        merged: false,
        head: { ref: info.headRef, sha, repo: isFork ? forkRepo : repoObj, label: `${isFork ? "fork-owner" : owner}:${info.headRef}` },
        base: { ref: info.baseRef, sha: "0000000000000000000000000000000000000001", repo: repoObj, label: `${owner}:${info.baseRef}` },
        user: { login: actor },
      },
      repository: repoObj,
      sender: { login: actor },
    };
  } else if (event.name === "push") {
    payload = {
      ref: info.ref,
      before: "0000000000000000000000000000000000000000",
      after: sha,
      created: false,
      deleted: false,
      forced: false,
      head_commit: { id: sha, message: "Test commit", author: { name: actor } },
      commits: [{ id: sha, message: "Test commit" }],
      pusher: { name: actor },
      repository: repoObj,
      sender: { login: actor },
    };
  } else if (info.isRelease) {
    payload = {
      action: info.action,
      release: {
        tag_name: info.tag,
        name: info.tag,
        target_commitish: "main",
        draft: false,
        prerelease: false,
        html_url: `https://github.com/${repository}/releases/tag/${info.tag}`,
        author: { login: actor },
      },
      repository: repoObj,
      sender: { login: actor },
    };
  } else if (event.name === "workflow_dispatch") {
    payload = { ref: info.ref, inputs: dispatchInputs(wf.on.workflow_dispatch ?? {}, event.inputs), repository: repoObj, sender: { login: actor }, workflow: wf.file };
  } else payload = { repository: repoObj, sender: { login: actor }, inputs: {} };
  if (event.payload) payload = deepMerge(payload, event.payload);
  const refName = info.ref.replace(/^refs\/(heads|tags|pull)\//, "");
  const github: Dict = {
    action: "",
    action_path: "",
    actor,
    actor_id: "1",
    api_url: "https://api.github.com",
    base_ref: info.isPr ? info.baseRef : "",
    head_ref: info.isPr ? info.headRef : "",
    event,
    event_name: event.name,
    event_path: "",
    graphql_url: "https://api.github.com/graphql",
    job: opts.job,
    ref: info.ref,
    ref_name: refName,
    ref_protected: false,
    ref_type: info.ref.startsWith("refs/tags/") ? "tag" : "branch",
    repository,
    repository_id: "1",
    repository_owner: owner,
    repository_owner_id: "1",
    repositoryUrl: `git://github.com/${repository}.git`,
    retention_days: "90",
    run_id: "1",
    run_number: "1",
    run_attempt: "1",
    secret_source: "Actions",
    server_url: "https://github.com",
    sha,
    token: opts.secrets?.GITHUB_TOKEN ?? "ghs_localrunnerfaketoken000000000000000",
    triggering_actor: actor,
    workflow: wf.name,
    workflow_ref: `${repository}/${path.relative(opts.cwd, wf.file) || path.basename(wf.file)}@${info.ref}`,
    workflow_sha: sha,
    workspace: opts.cwd,
  };
  github.event = payload;
  // A missing secret/var reads as '' (see getProp).
  const withheld = isFork && opts.exposeSecretsToForks !== true;
  const secrets: Dict = { GITHUB_TOKEN: github.token as string, ...(withheld ? {} : (opts.secrets ?? {})) };
  const vars: Dict = { ...(opts.vars ?? {}) };
  missingIsEmpty.add(secrets);
  missingIsEmpty.add(vars);
  return { wf, opts, github, secrets, vars, eventPayload: payload, secretsWithheld: withheld };
}

function expandMatrix(raw: unknown, evalOpts: EvalOptions): Dict[] {
  let m = raw;
  if (typeof m === "string") m = evaluateTemplate(m, evalOpts);
  if (!isDict(m)) return [{}];
  const keys = Object.keys(m).filter((k) => k !== "include" && k !== "exclude");
  let combos: Dict[] = [{}];
  for (const k of keys) {
    let values = m[k];
    if (typeof values === "string") values = evaluateTemplate(values, evalOpts);
    const list = Array.isArray(values) ? values : [values];
    combos = combos.flatMap((c) => list.map((v) => ({ ...c, [k]: v })));
  }
  const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const excludes = Array.isArray(m.exclude) ? (m.exclude as Dict[]) : [];
  combos = combos.filter((c) => !excludes.some((ex) => Object.entries(ex).every(([k, v]) => sameValue(c[k], v))));
  if (keys.length === 0) combos = [];
  const original = combos.map((c) => ({ ...c }));
  const includes = Array.isArray(m.include) ? (m.include as Dict[]) : [];
  for (const inc of includes) {
    let added = false;
    combos.forEach((c, idx) => {
      const orig = original[idx] ?? {};
      const conflicts = Object.entries(inc).some(([k, v]) => k in orig && !sameValue(orig[k], v));
      if (!conflicts) {
        Object.assign(c, inc);
        added = true;
      }
    });
    if (!added) {
      combos.push({ ...inc });
      original.push({ ...inc });
    }
  }
  return combos.length > 0 ? combos : [{}];
}

function parseFileCommands(file: string, kind: string): Array<[string, string]> {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, "utf8");
  if (!text) return [];
  const lines = text.split(/\r?\n/);
  const out: Array<[string, string]> = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === "") continue;
    const eq = line.indexOf("=");
    const hd = line.indexOf("<<");
    if (eq >= 0 && (hd < 0 || eq < hd)) {
      const key = line.slice(0, eq);
      if (!key) throw new Error(`Invalid format '${line}' in ${kind}: empty name`);
      out.push([key, line.slice(eq + 1)]);
    } else if (hd > 0) {
      const key = line.slice(0, hd);
      const delim = line.slice(hd + 2);
      if (!delim) throw new Error(`Invalid format '${line}' in ${kind}: empty delimiter`);
      const body: string[] = [];
      let closed = false;
      for (i++; i < lines.length; i++) {
        if (lines[i] === delim) {
          closed = true;
          break;
        }
        body.push(lines[i] as string);
      }
      if (!closed) throw new Error(`Invalid value in ${kind}: matching delimiter not found '${delim}'`);
      out.push([key, body.join("\n")]);
    } else throw new Error(`Invalid format '${line}' in ${kind}`);
  }
  return out;
}

const unescapeData = (s: string) => s.replace(/%0D/gi, "\r").replace(/%0A/gi, "\n").replace(/%25/g, "%");
const unescapeProp = (s: string) => unescapeData(s).replace(/%3A/gi, ":").replace(/%2C/gi, ",");

interface CommandOutcome {
  annotations: Annotation[];
  outputs: Array<[string, string]>;
  masks: string[];
  failed: string[];
}

function processWorkflowCommands(text: string, stepName: string): CommandOutcome {
  const res: CommandOutcome = { annotations: [], outputs: [], masks: [], failed: [] };
  let stopToken: string | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trimStart();
    if (stopToken !== undefined) {
      if (line === `::${stopToken}::`) stopToken = undefined;
      continue;
    }
    const m = /^::([A-Za-z][\w-]*)(?:\s+([^:]*))?::(.*)$/.exec(line);
    if (!m) continue;
    const cmd = (m[1] as string).toLowerCase();
    const props: Record<string, string> = {};
    for (const pair of (m[2] ?? "").split(",")) {
      const eq = pair.indexOf("=");
      if (eq > 0) props[pair.slice(0, eq).trim()] = unescapeProp(pair.slice(eq + 1));
    }
    const data = unescapeData(m[3] ?? "");
    switch (cmd) {
      case "notice":
      case "warning":
      case "error":
        res.annotations.push({ level: cmd, message: data, properties: props, step: stepName });
        break;
      case "set-output":
        if (props.name) res.outputs.push([props.name, data]);
        res.annotations.push({
          level: "warning",
          message: "The `set-output` command is deprecated and will be disabled soon. Please upgrade to using Environment Files.",
          properties: {},
          step: stepName,
        });
        break;
      case "add-mask":
        if (data) res.masks.push(data);
        break;
      case "stop-commands":
        stopToken = data;
        break;
      case "set-env":
      case "add-path":
        res.failed.push(
          `Unable to process command '${line}' successfully. The \`${cmd}\` command is disabled. Please upgrade to using Environment Files or opt into unsecure command execution by setting the \`ACTIONS_ALLOW_UNSECURE_COMMANDS\` environment variable to \`true\`.`,
        );
        break;
      default:
        break;
    }
  }
  return res;
}

function mask(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join("***");
  return out;
}

interface ProcResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  spawnError?: string;
}

function runProcess(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number | undefined, groups: Set<number>): Promise<ProcResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    if (child.pid) groups.add(child.pid);
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let done = false;
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          try {
            if (child.pid) process.kill(-child.pid, "SIGKILL");
          } catch {}
        }, timeoutMs)
      : undefined;
    const finish = (r: ProcResult) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      resolve(r);
    };
    child.on("error", (e) => finish({ code: 127, stdout, stderr, timedOut, spawnError: e.message }));
    let closed = 0;
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const settle = () => {
      if (!exited) return;
      child.stdout.destroy();
      child.stderr.destroy();
      finish({ code: exited.code ?? (exited.signal ? 128 + 9 : 1), stdout, stderr, timedOut });
    };
    const onClose = () => {
      if (++closed === 2) settle();
    };
    child.stdout.once("close", onClose);
    child.stderr.once("close", onClose);
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      // A background process started by the step (`server &`) may keep the pipes open: like the runner, finish
      // when the shell exits, after a short drain.
      if (closed === 2) settle();
      else setTimeout(settle, 200);
    });
  });
}

function shellCommand(shell: string | undefined, file: string): { cmd: string; args: string[]; ext: string; label: string } {
  if (shell === undefined) return { cmd: "bash", args: ["-e", file], ext: ".sh", label: "bash -e {0}" };
  const s = shell.trim();
  if (s === "bash") return { cmd: "bash", args: ["--noprofile", "--norc", "-eo", "pipefail", file], ext: ".sh", label: "bash --noprofile --norc -eo pipefail {0}" };
  if (s === "sh") return { cmd: "sh", args: ["-e", file], ext: ".sh", label: "sh -e {0}" };
  if (s === "python") return { cmd: "python3", args: [file], ext: ".py", label: "python {0}" };
  if (["pwsh", "powershell", "cmd"].includes(s)) throw new Error(`shell '${s}' is not supported by the local runner`);
  const parts = s.split(/\s+/);
  const hasFile = parts.some((p) => p.includes("{0}"));
  const args = parts.slice(1).map((p) => p.replace("{0}", file));
  if (!hasFile) args.push(file);
  return { cmd: parts[0] as string, args, ext: ".sh", label: s };
}

function stepMatchesReplacement(step: Dict, displayName: string, key: string): boolean {
  return key === step.name || key === displayName || (step.id !== undefined && key === String(step.id));
}

const emptyResult = (job: string, extra: Partial<JobResult> = {}): JobResult => ({
  job,
  status: "skipped",
  triggered: true,
  steps: [],
  notices: [],
  warnings: [],
  errors: [],
  annotations: [],
  outputs: {},
  summary: "",
  ...extra,
});

async function runSingleJob(rc: RunContext, jobId: string, matrix: Dict, matrixInfo: { index: number; total: number }): Promise<JobResult> {
  const { wf, opts } = rc;
  const job = wf.jobs[jobId] as Dict;
  const needsIds = jobNeeds(job);
  const needsCtx: Dict = {};
  for (const n of needsIds) {
    const given = opts.needs?.[n];
    needsCtx[n] = { result: given?.result ?? "success", outputs: { ...(given?.outputs ?? {}) } };
  }
  const needResults = needsIds.map((n) => (needsCtx[n] as Dict).result as string);
  const strategy = isDict(job.strategy) ? job.strategy : {};
  const strategyCtx = {
    "fail-fast": strategy["fail-fast"] ?? true,
    "job-index": matrixInfo.index,
    "job-total": matrixInfo.total,
    "max-parallel": strategy["max-parallel"] ?? matrixInfo.total,
  };
  const runnerTemp = mkdtempSync(path.join(tmpdir(), "gha-runner-"));
  const runnerCtx = { os: "Linux", arch: "X64", name: "GitHub Actions 1", temp: runnerTemp, tool_cache: path.join(runnerTemp, "_tool"), debug: "", environment: "github-hosted" };
  const github: Dict = { ...rc.github, job: jobId };
  const base = { github, secrets: rc.secrets, vars: rc.vars, inputs: isDict(rc.eventPayload.inputs) ? rc.eventPayload.inputs : {}, needs: needsCtx, matrix, strategy: strategyCtx };
  let envSecrets: Record<string, string> = {};
  const jobCtx: Dict = { status: "success", container: { network: "" }, services: {} };
  const result = emptyResult(jobId, Object.keys(matrix).length > 0 ? { matrix } : {});
  const groups = new Set<number>();
  try {
    // Job-level if
    const jobIf = conditionExpression(job.if);
    const jobCond = evaluateExpression(jobIf, {
      contexts: base,
      allowedContexts: CTX.jobIf,
      allowedFunctions: FN.jobIf,
      status: { success: needResults.every((r) => r === "success"), failure: needResults.some((r) => r === "failure"), cancelled: needResults.some((r) => r === "cancelled") },
    });
    if (!isTruthy(jobCond)) {
      result.skipReason = `job if evaluated to false: ${jobIf}`;
      return result;
    }
    if (job.uses !== undefined) throw new WorkflowError(`jobs.${jobId}: reusable workflows (uses: ${String(job.uses)}) are not supported by the local runner`);
    if (job.container !== undefined) {
      throw new WorkflowError(`jobs.${jobId}: 'container' is not supported by the local runner`);
    }
    if (job.services !== undefined) {
      if (!isDict(job.services)) throw new WorkflowError(`jobs.${jobId}.services must be a mapping`);
      const servicesCtx: Dict = {};
      for (const [id, raw] of Object.entries(job.services)) {
        if (!isDict(raw) || typeof raw.image !== "string") throw new WorkflowError(`jobs.${jobId}.services.${id} needs an image`);
        const provide = opts.services?.[id];
        if (!provide) throw new WorkflowError(`jobs.${jobId}.services.${id}: the local runner starts no containers; pass a stand-in in RunJobOptions.services`);
        const declared: ServiceDeclaration = {
          id,
          image: raw.image,
          env: Object.fromEntries(Object.entries(isDict(raw.env) ? raw.env : {}).map(([k, v]) => [k, toStr(v)])),
          ports: (Array.isArray(raw.ports) ? raw.ports : []).map(toStr),
          ...(raw.options === undefined ? {} : { options: toStr(raw.options) }),
        };
        const { ports } = provide(declared);
        // `- 5432` publishes container port 5432 on a free host port; `- 8080:5432` on 8080. Either way the job
        // reads the host port as job.services.<id>.ports['5432'].
        const mapped: Dict = {};
        for (const port of declared.ports) {
          const containerPort = port.split(":").pop() as string;
          if (ports[containerPort] === undefined) throw new WorkflowError(`jobs.${jobId}.services.${id}: no stand-in for port ${containerPort}`);
          mapped[containerPort] = String(ports[containerPort]);
        }
        servicesCtx[id] = { id: `local-${id}`, network: "", ports: mapped };
      }
      jobCtx.services = servicesCtx;
    }
    if (job.environment !== undefined) {
      const decl = isDict(job.environment) ? job.environment : { name: job.environment };
      const name = templateToString(decl.name, { contexts: base, allowedContexts: CTX.jobMisc });
      if (name === "") throw new WorkflowError(`jobs.${jobId}.environment: the name evaluated to ''`);
      result.environment = { name };
      // Environment names are case-insensitive on GitHub.
      const found = Object.entries(opts.environments ?? {}).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
      envSecrets = rc.secretsWithheld ? {} : { ...(found?.secrets ?? {}) };
      const vars: Dict = { ...rc.vars, ...(found?.vars ?? {}) };
      const secrets: Dict = { ...rc.secrets, ...envSecrets };
      missingIsEmpty.add(vars);
      missingIsEmpty.add(secrets);
      base.vars = vars;
      base.secrets = secrets;
    }
    const runsOn = evaluateTemplate(job["runs-on"], { contexts: base, allowedContexts: CTX.jobRunsOn });
    const labels = (Array.isArray(runsOn) ? runsOn : [runsOn]).map(toStr);
    if (!labels.some((l) => /^ubuntu-/.test(l))) {
      throw new WorkflowError(`jobs.${jobId}: runs-on ${JSON.stringify(runsOn)}: the local runner only emulates ubuntu-* runners`);
    }

    // Environment: runner machine < workflow env < job env < GITHUB_ENV < step env
    const wfEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(wf.env)) wfEnv[k] = templateToString(v, { contexts: base, allowedContexts: CTX.workflowEnv, allowedFunctions: FN.none });
    const jobEnvDecl = isDict(job.env) ? job.env : {};
    const globalEnv: Record<string, string> = { ...wfEnv };
    for (const [k, v] of Object.entries(jobEnvDecl)) globalEnv[k] = templateToString(v, { contexts: base, allowedContexts: CTX.jobEnv, allowedFunctions: FN.none });

    const envCtxOf = (e: Record<string, string>) => {
      const o = { ...e };
      caseSensitive.add(o);
      return o;
    };
    const wfDefaults = isDict(wf.defaults.run) ? (wf.defaults.run as Dict) : {};
    const jobDefaults = isDict(job.defaults) && isDict(job.defaults.run) ? (job.defaults.run as Dict) : {};
    const defaultsCtx = { ...base, env: envCtxOf(globalEnv) };
    const evalDefault = (v: unknown) => (v === undefined ? undefined : templateToString(v, { contexts: defaultsCtx, allowedContexts: CTX.jobDefaults }));
    const defaultShell = evalDefault(jobDefaults.shell ?? wfDefaults.shell);
    const defaultWd = evalDefault(jobDefaults["working-directory"] ?? wfDefaults["working-directory"]);

    const stepsCtx: Dict = {};
    const pathAdds: string[] = [];
    const masks = [...Object.values(opts.secrets ?? {}), ...Object.values(envSecrets)].filter((s) => s.length > 0);
    const replacements = new Map(Object.entries(opts.replaceSteps ?? {}));
    const usedReplacements = new Set<string>();
    const eventPath = path.join(runnerTemp, "_github_workflow", "event.json");
    mkdirSync(path.dirname(eventPath), { recursive: true });
    writeFileSync(eventPath, JSON.stringify(rc.eventPayload, null, 2));
    github.event_path = eventPath;
    const summaryParts: string[] = [];
    let jobFailed = false;
    let runCounter = 0;
    const actionCounters = new Map<string, number>();

    const baseProcessEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v === undefined) continue;
      if (opts.inheritEnv === true ? !/^(GITHUB_|RUNNER_)/.test(k) : INHERITED.test(k)) baseProcessEnv[k] = v;
    }
    Object.assign(baseProcessEnv, opts.env ?? {});
    // `npm install --global` goes into the runner's tool cache, whose bin is on PATH (see the top of this file).
    const npmGlobalPrefix = path.join(runnerCtx.tool_cache, "npm-global");
    const npmGlobalBin = path.join(npmGlobalPrefix, "bin");

    const steps = job.steps as Dict[];
    for (let index = 0; index < steps.length; index++) {
      const step = steps[index] as Dict;
      const stepId = step.id !== undefined ? String(step.id) : undefined;
      const jobStatus = jobFailed ? "failure" : "success";
      jobCtx.status = jobStatus;
      const stepBase = { ...base, job: jobCtx, runner: runnerCtx, steps: stepsCtx };
      const sr: StepResult = { name: stepDisplaySource(step), status: "skipped", outcome: "skipped", outputs: {}, stdout: "", stderr: "" };
      if (stepId) sr.id = stepId;
      const fail = (message: string) => {
        sr.stderr += `${sr.stderr && !sr.stderr.endsWith("\n") ? "\n" : ""}${message}\n`;
        result.annotations.push({ level: "error", message, properties: {}, step: sr.name });
        sr.outcome = "failure";
        sr.status = "failure";
      };
      try {
        sr.name = templateToString(stepDisplaySource(step), { contexts: { ...stepBase, env: envCtxOf(globalEnv) }, allowedContexts: CTX.step, workspace: opts.cwd });
      } catch {
        /* keep the raw name */
      }
      // GITHUB_ACTION
      let actionName: string;
      if (stepId) actionName = stepId;
      else if (typeof step.uses === "string") {
        const baseName = `__${step.uses.split("@")[0]?.replace(/[^A-Za-z0-9]/g, "")}`;
        const n = (actionCounters.get(baseName) ?? 0) + 1;
        actionCounters.set(baseName, n);
        actionName = n === 1 ? baseName : `${baseName}_${n}`;
      } else {
        runCounter++;
        actionName = runCounter === 1 ? "__run" : `__run_${runCounter}`;
      }
      github.action = actionName;

      // Step env (evaluated with env = global env), then the condition (which sees the step's env).
      const stepEnv: Record<string, string> = { ...globalEnv };
      let evalError: string | undefined;
      try {
        if (isDict(step.env)) {
          const ctxForEnv = { ...stepBase, env: envCtxOf(globalEnv) };
          for (const [k, v] of Object.entries(step.env)) stepEnv[k] = templateToString(v, { contexts: ctxForEnv, allowedContexts: CTX.step, allowedFunctions: FN.step, workspace: opts.cwd });
        }
      } catch (e) {
        evalError = `Error evaluating step env: ${(e as Error).message}`;
      }
      const stepCtx = { ...stepBase, env: envCtxOf(stepEnv) };
      const evalOpts = (allowed: readonly string[], fns: readonly string[]): EvalOptions => ({
        contexts: stepCtx,
        allowedContexts: allowed,
        allowedFunctions: fns,
        workspace: opts.cwd,
        status: { success: !jobFailed, failure: jobFailed },
      });

      const replacementKey = [...replacements.keys()].find((k) => stepMatchesReplacement(step, sr.name, k));
      if (replacementKey !== undefined) usedReplacements.add(replacementKey);

      let run = true;
      if (evalError) {
        fail(evalError);
        run = false;
      } else {
        try {
          run = isTruthy(evaluateExpression(conditionExpression(step.if), evalOpts(CTX.stepIf, FN.stepIf)));
        } catch (e) {
          fail(`Error evaluating 'if': ${(e as Error).message}`);
          run = false;
        }
      }

      if (run) {
        sr.env = Object.fromEntries(Object.entries(stepEnv).map(([k, v]) => [k, mask(v, masks)]));
        const outputs: Record<string, string> = {};
        try {
          if (replacementKey === undefined && typeof step.uses === "string") {
            const uses = step.uses;
            sr.uses = uses;
            const withInputs: Record<string, string> = {};
            if (isDict(step.with)) for (const [k, v] of Object.entries(step.with)) withInputs[k] = templateToString(v, evalOpts(CTX.step, FN.step));
            sr.with = withInputs;
            const [actionRef, version = ""] = uses.split("@");
            const satisfied = [...SATISFIED_ACTIONS, ...EMULATED_ACTIONS, ...(opts.satisfiedActions ?? [])];
            const stepPath = [...pathAdds, npmGlobalBin, ...(opts.pathPrepend ?? []), stepEnv.PATH ?? baseProcessEnv.PATH ?? "/usr/local/bin:/usr/bin:/bin"].join(":");
            const emulated =
              satisfied.includes(actionRef ?? "") && (EMULATED_ACTIONS as readonly string[]).includes(actionRef ?? "")
                ? runEmulatedAction(actionRef ?? "", withInputs, { workspace: opts.cwd, toolCache: runnerCtx.tool_cache, path: stepPath, env: { ...baseProcessEnv, ...stepEnv, PATH: stepPath } })
                : actionRef === "actions/setup-node"
                  ? { error: setupNodeCacheProblem(withInputs, stepPath) }
                  : {};
            if (!satisfied.includes(actionRef ?? "") || !/^(v\d+(\.\d+)*|[0-9a-f]{40})$/.test(version)) {
              fail(
                `The local workflow runner does not run the action '${uses}' (supported: ${satisfied.map((a) => `${a}@vN`).join(", ")}). Replace the step with opts.replaceSteps['${sr.name}'] or add it to satisfiedActions.`,
              );
            } else if (emulated.error) {
              fail(emulated.error);
            } else {
              sr.outcome = "success";
              sr.status = "success";
              for (const p of emulated.addPath ?? []) pathAdds.unshift(p);
              Object.assign(outputs, emulated.outputs ?? {});
              if (actionRef === "actions/cache") outputs["cache-hit"] = "false";
              if (actionRef === "actions/setup-node") outputs["node-version"] = process.version;
              if (actionRef === "actions/checkout") {
                outputs.ref = String(github.ref);
                outputs.commit = String(github.sha);
              }
            }
          } else {
            let script: string;
            if (replacementKey !== undefined) {
              script = replacements.get(replacementKey) as string;
              sr.replaced = true;
            } else script = templateToString(step.run, evalOpts(CTX.step, FN.step));
            sr.run = script;
            const shellRaw = step.shell !== undefined ? templateToString(step.shell, evalOpts(CTX.step, FN.step)) : defaultShell;
            const wdRaw = step["working-directory"] !== undefined ? templateToString(step["working-directory"], evalOpts(CTX.step, FN.step)) : defaultWd;
            const wd = wdRaw ? path.resolve(opts.cwd, wdRaw) : opts.cwd;
            sr.workingDirectory = wd;
            const scriptFile = path.join(runnerTemp, `${randomUUID()}`);
            const sh = shellCommand(shellRaw, `${scriptFile}${shellRaw === "python" ? ".py" : ".sh"}`);
            sr.shell = sh.label;
            writeFileSync(`${scriptFile}${sh.ext}`, script);
            const fileCmd = (name: string) => {
              const f = path.join(runnerTemp, "_runner_file_commands", `${name}_${randomUUID()}`);
              mkdirSync(path.dirname(f), { recursive: true });
              writeFileSync(f, "");
              return f;
            };
            const files = { GITHUB_OUTPUT: fileCmd("set_output"), GITHUB_ENV: fileCmd("set_env"), GITHUB_PATH: fileCmd("add_path"), GITHUB_STEP_SUMMARY: fileCmd("step_summary"), GITHUB_STATE: fileCmd("save_state") };
            const runnerVars: Record<string, string> = {
              CI: "true",
              GITHUB_ACTIONS: "true",
              GITHUB_ACTION: actionName,
              GITHUB_ACTION_REPOSITORY: "",
              GITHUB_ACTION_REF: "",
              GITHUB_ACTOR: String(github.actor),
              GITHUB_ACTOR_ID: String(github.actor_id),
              GITHUB_API_URL: String(github.api_url),
              GITHUB_BASE_REF: String(github.base_ref),
              GITHUB_EVENT_NAME: String(github.event_name),
              GITHUB_EVENT_PATH: eventPath,
              GITHUB_GRAPHQL_URL: String(github.graphql_url),
              GITHUB_HEAD_REF: String(github.head_ref),
              GITHUB_JOB: jobId,
              GITHUB_REF: String(github.ref),
              GITHUB_REF_NAME: String(github.ref_name),
              GITHUB_REF_PROTECTED: "false",
              GITHUB_REF_TYPE: String(github.ref_type),
              GITHUB_REPOSITORY: String(github.repository),
              GITHUB_REPOSITORY_ID: "1",
              GITHUB_REPOSITORY_OWNER: String(github.repository_owner),
              GITHUB_REPOSITORY_OWNER_ID: "1",
              GITHUB_RETENTION_DAYS: "90",
              GITHUB_RUN_ATTEMPT: "1",
              GITHUB_RUN_ID: "1",
              GITHUB_RUN_NUMBER: "1",
              GITHUB_SERVER_URL: String(github.server_url),
              GITHUB_SHA: String(github.sha),
              GITHUB_TRIGGERING_ACTOR: String(github.triggering_actor),
              GITHUB_WORKFLOW: wf.name,
              GITHUB_WORKFLOW_REF: String(github.workflow_ref),
              GITHUB_WORKFLOW_SHA: String(github.sha),
              GITHUB_WORKSPACE: opts.cwd,
              ...files,
              RUNNER_ARCH: "X64",
              RUNNER_ENVIRONMENT: "github-hosted",
              RUNNER_NAME: runnerCtx.name,
              RUNNER_OS: "Linux",
              RUNNER_TEMP: runnerTemp,
              RUNNER_TOOL_CACHE: runnerCtx.tool_cache,
              RUNNER_WORKSPACE: path.dirname(opts.cwd),
              ImageOS: "ubuntu24",
            };
            const procEnv: Record<string, string> = { ...baseProcessEnv, CI: "true", ...stepEnv };
            for (const [k, v] of Object.entries(runnerVars)) if (k !== "CI" || procEnv.CI === undefined) procEnv[k] = v;
            const basePath = stepEnv.PATH ?? baseProcessEnv.PATH ?? "/usr/local/bin:/usr/bin:/bin";
            procEnv.PATH = [...pathAdds, npmGlobalBin, ...(opts.pathPrepend ?? []), basePath].join(":");
            if (procEnv.npm_config_prefix === undefined && procEnv.NPM_CONFIG_PREFIX === undefined) procEnv.npm_config_prefix = npmGlobalPrefix;
            if (!existsSync(wd) || !lstatSync(wd).isDirectory()) {
              fail(`An error occurred trying to start process '${sh.cmd}' with working directory '${wd}'. No such file or directory`);
            } else {
              const minutes = step["timeout-minutes"] !== undefined ? toNumber(templateToString(step["timeout-minutes"], evalOpts(CTX.step, FN.step))) : undefined;
              const timeoutMs = opts.stepTimeoutMs ?? (minutes && minutes > 0 ? minutes * 60_000 : undefined);
              const proc = await runProcess(sh.cmd, sh.args, wd, procEnv, timeoutMs, groups);
              const cmds = processWorkflowCommands(`${proc.stdout}\n${proc.stderr}`, sr.name);
              masks.push(...cmds.masks);
              sr.stdout = mask(proc.stdout, masks);
              sr.stderr = mask(proc.stderr, masks);
              sr.exitCode = proc.code;
              for (const a of cmds.annotations) result.annotations.push({ ...a, message: mask(a.message, masks) });
              for (const [k, v] of cmds.outputs) outputs[k] = v;
              for (const [k, v] of parseFileCommands(files.GITHUB_OUTPUT, "GITHUB_OUTPUT")) outputs[k] = v;
              for (const [k, v] of parseFileCommands(files.GITHUB_ENV, "GITHUB_ENV")) {
                if (k === "NODE_OPTIONS") {
                  result.annotations.push({ level: "warning", message: "Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command.", properties: {}, step: sr.name });
                  continue;
                }
                globalEnv[k] = v;
              }
              const added = readFileSync(files.GITHUB_PATH, "utf8").split(/\r?\n/).filter((l) => l.trim() !== "");
              for (const p of added) pathAdds.unshift(p.trim());
              const summary = readFileSync(files.GITHUB_STEP_SUMMARY, "utf8");
              if (summary) summaryParts.push(summary);
              if (proc.spawnError) fail(`An error occurred trying to start process '${sh.cmd}': ${proc.spawnError}`);
              else if (proc.timedOut) fail("The action has timed out.");
              else if (proc.code !== 0) fail(`Process completed with exit code ${proc.code}.`);
              else if (cmds.failed.length > 0) cmds.failed.forEach(fail);
              else {
                sr.outcome = "success";
                sr.status = "success";
              }
            }
          }
        } catch (e) {
          fail((e as Error).message);
        }
        sr.outputs = outputs;
        if (sr.outcome === "failure" && step["continue-on-error"] !== undefined) {
          try {
            if (isTruthy(evaluateTemplate(step["continue-on-error"], evalOpts(CTX.step, FN.step)))) sr.status = "success";
          } catch (e) {
            sr.stderr += `continue-on-error: ${(e as Error).message}\n`;
          }
        }
      }
      if (sr.status === "failure") jobFailed = true;
      if (stepId) stepsCtx[stepId] = { outputs: { ...sr.outputs }, outcome: sr.outcome, conclusion: sr.status };
      result.steps.push(sr);
    }
    const unused = [...replacements.keys()].filter((k) => !usedReplacements.has(k));
    if (unused.length > 0) throw new WorkflowError(`replaceSteps: no step named ${unused.map((u) => `'${u}'`).join(", ")} in job '${jobId}'`);

    result.status = jobFailed ? "failure" : "success";
    jobCtx.status = result.status;
    // Job outputs
    if (isDict(job.outputs)) {
      const outCtx = { ...base, job: jobCtx, runner: runnerCtx, steps: stepsCtx, env: envCtxOf(globalEnv) };
      for (const [k, v] of Object.entries(job.outputs)) {
        try {
          const value = templateToString(v, { contexts: outCtx, allowedContexts: CTX.jobOutputs, allowedFunctions: FN.step, workspace: opts.cwd });
          if (masks.some((s) => s && value.includes(s))) {
            result.annotations.push({ level: "warning", message: `Skip output '${k}' since it may contain secret.`, properties: {} });
            continue;
          }
          result.outputs[k] = value;
        } catch (e) {
          result.annotations.push({ level: "error", message: `Error evaluating job output '${k}': ${(e as Error).message}`, properties: {} });
        }
      }
    }
    if (result.environment && isDict(job.environment) && job.environment.url !== undefined) {
      const urlCtx = { ...base, job: jobCtx, runner: runnerCtx, steps: stepsCtx, env: envCtxOf(globalEnv) };
      result.environment.url = templateToString(job.environment.url, { contexts: urlCtx, allowedContexts: CTX.environmentUrl, workspace: opts.cwd });
    }
    result.summary = summaryParts.join("");
    return result;
  } finally {
    // Like the runner at the end of a job: kill what the steps left running.
    for (const pid of groups) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {}
    }
    for (const a of result.annotations) {
      if (a.level === "notice") result.notices.push(a.message);
      else if (a.level === "warning") result.warnings.push(a.message);
      else result.errors.push(a.message);
    }
    if (!opts.keepTemp) rmSync(runnerTemp, { recursive: true, force: true });
  }
}

/** Runs one job of a workflow the way GitHub Actions would on ubuntu (see the notes at the top of this file). */
export async function runJob(opts: RunJobOptions): Promise<JobResult> {
  const wf = loadWorkflow(opts.workflowFile);
  const job = wf.jobs[opts.job];
  if (!job) throw new WorkflowError(`${opts.workflowFile}: no job '${opts.job}' (jobs: ${Object.keys(wf.jobs).join(", ")})`);
  for (const n of Object.keys(opts.needs ?? {})) {
    if (!jobNeeds(job).includes(n)) throw new WorkflowError(`runJob: needs '${n}' given, but job '${opts.job}' does not need it`);
  }
  const trig = isTriggered(wf, opts.event);
  if (!trig.triggered) return emptyResult(opts.job, { triggered: false, skipReason: trig.reason as string });
  const rc = makeRunContext(wf, opts);
  const stratCtx = { github: rc.github, needs: {}, vars: rc.vars, inputs: {} };
  const combos = opts.matrix ? [opts.matrix] : isDict(job.strategy) && job.strategy.matrix !== undefined
    ? expandMatrix(job.strategy.matrix, { contexts: stratCtx, allowedContexts: CTX.jobStrategy })
    : [{}];
  const runs: JobResult[] = [];
  for (const [i, combo] of combos.entries()) runs.push(await runSingleJob(rc, opts.job, combo, { index: i, total: combos.length }));
  if (runs.length === 1) return runs[0] as JobResult;
  const failed = runs.find((r) => r.status === "failure");
  const first = failed ?? (runs[0] as JobResult);
  const status: Conclusion = failed ? "failure" : runs.every((r) => r.status === "skipped") ? "skipped" : "success";
  const outputs = Object.assign({}, ...runs.map((r) => r.outputs)) as Record<string, string>;
  return { ...first, status, outputs, runs };
}

export interface WorkflowResult {
  status: Conclusion;
  triggered: boolean;
  skipReason?: string;
  /** Job ids in the order they ran. */
  order: string[];
  jobs: Record<string, JobResult>;
}

/** Runs every job of the workflow for the event, in `needs` order (one at a time). A job whose needs did not all
 *  succeed is skipped unless its `if` uses a status function (always(), failure(), …), as on GitHub. */
export async function runWorkflow(opts: Omit<RunJobOptions, "job" | "needs" | "matrix"> & { jobs?: string[] }): Promise<WorkflowResult> {
  const wf = loadWorkflow(opts.workflowFile);
  const trig = isTriggered(wf, opts.event);
  const result: WorkflowResult = { status: "skipped", triggered: trig.triggered, order: [], jobs: {} };
  if (!trig.triggered) {
    result.skipReason = trig.reason as string;
    return result;
  }
  const ids = Object.keys(wf.jobs);
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < ids.length) {
    const next = ids.find((id) => !done.has(id) && jobNeeds(wf.jobs[id] as Dict).every((n) => done.has(n)));
    if (!next) break;
    done.add(next);
    order.push(next);
  }
  const replaceLeft = new Set(Object.keys(opts.replaceSteps ?? {}));
  for (const id of order) {
    if (opts.jobs && !opts.jobs.includes(id)) continue;
    const needs: RunJobOptions["needs"] = {};
    for (const n of jobNeeds(wf.jobs[id] as Dict)) {
      const r = result.jobs[n];
      needs[n] = { result: r ? r.status : "skipped", outputs: r?.outputs ?? {} };
    }
    const job = wf.jobs[id] as Dict;
    const replaceSteps: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.replaceSteps ?? {})) {
      const steps = Array.isArray(job.steps) ? (job.steps as Dict[]) : [];
      if (steps.some((s) => k === s.name || k === s.id || k === stepDisplaySource(s))) {
        replaceSteps[k] = v;
        replaceLeft.delete(k);
      }
    }
    const r = await runJob({ ...opts, job: id, needs, replaceSteps });
    result.jobs[id] = r;
    result.order.push(id);
  }
  if (replaceLeft.size > 0) throw new WorkflowError(`replaceSteps: no step named ${[...replaceLeft].map((u) => `'${u}'`).join(", ")} in the workflow`);
  const all = Object.values(result.jobs);
  const failed = all.some((r) => r.status === "failure" && !isTruthy(wf.jobs[r.job]?.["continue-on-error"] ?? false));
  result.status = failed ? "failure" : all.some((r) => r.status === "success") ? "success" : "skipped";
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Run blocks for shellcheck
// ---------------------------------------------------------------------------------------------------------------

export interface RunBlock {
  job: string;
  stepIndex: number;
  name: string;
  id?: string;
  /** The effective shell keyword or template (undefined: GitHub's default `bash -e {0}`). */
  shell?: string;
  workingDirectory?: string;
  /** The run script with every `${{ … }}` replaced by a placeholder variable. */
  script: string;
  original: string;
  /** The expressions, in order: expressions[n-1] was replaced by placeholder n. */
  expressions: string[];
}

/**
 * Every `run:` block of a workflow, with each `${{ … }}` replaced by a placeholder shell variable
 * (default `${GHA_EXPR_<n>}`, numbered per block), for `shellcheck --shell=bash -`.
 */
export function extractRunBlocks(workflowFile: string, placeholder: (n: number, expression: string) => string = (n) => `\${GHA_EXPR_${n}}`): RunBlock[] {
  const raw = parseYaml(readFileSync(workflowFile, "utf8")) as Dict;
  const blocks: RunBlock[] = [];
  const wfDefaults = isDict(raw.defaults) && isDict(raw.defaults.run) ? (raw.defaults.run as Dict) : {};
  for (const [jobId, job] of Object.entries((raw.jobs ?? {}) as Record<string, Dict>)) {
    if (!isDict(job) || !Array.isArray(job.steps)) continue;
    const jobDefaults = isDict(job.defaults) && isDict(job.defaults.run) ? (job.defaults.run as Dict) : {};
    (job.steps as Dict[]).forEach((step, stepIndex) => {
      if (!isDict(step) || step.run === undefined) return;
      const original = String(step.run);
      const expressions: string[] = [];
      const script = splitTemplate(original)
        .map((p) => {
          if (!("expr" in p)) return p.text;
          expressions.push(p.expr);
          return placeholder(expressions.length, p.expr);
        })
        .join("");
      const block: RunBlock = { job: jobId, stepIndex, name: stepDisplaySource(step), script, original, expressions };
      if (step.id !== undefined) block.id = String(step.id);
      const shell = step.shell ?? jobDefaults.shell ?? wfDefaults.shell;
      if (shell !== undefined) block.shell = String(shell);
      const wd = step["working-directory"] ?? jobDefaults["working-directory"] ?? wfDefaults["working-directory"];
      if (wd !== undefined) block.workingDirectory = String(wd);
      blocks.push(block);
    });
  }
  return blocks;
}
