import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertCleverFlagsExist } from "./support/clever-cli.js";
import { ensureCliBuilt, makeTempRepo, repoRoot, runCommand, type TempRepo, userEnv } from "./support/repo.js";

/*
 * The docs cannot rot: every ```sh test block of docs/**\/*.md (English and Spanish) runs, in order per file, in a
 * temporary copy of this repository (one `npm ci`, shared by every file; before each file the copy is reset to its
 * first commit and its installed packages, so files do not depend on each other). Each block runs with `bash -euo pipefail` at the
 * repository root and must exit 0. Blocks that need GitHub, Clever Cloud or a container engine stay plain ```sh,
 * but their `clever …` and `npm run shipyard -- …` commands are still checked against the real CLIs' --help.
 * Also: every English doc has its Spanish translation (same file name under docs/es/) with the same tested
 * commands, and every relative link (and #anchor) resolves.
 */
const docsDir = join(repoRoot, "docs");

interface Block {
  info: string;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** Fenced code blocks of a Markdown file (``` or ~~~, any length; a closing fence has no info string). */
function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*(.*)$/.exec(lines[index] as string);
    if (!open) continue;
    const fence = open[1] as string;
    const body: string[] = [];
    let end = index + 1;
    for (; end < lines.length; end++) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(lines[end] as string);
      if (close && (close[1] as string)[0] === fence[0] && (close[1] as string).length >= fence.length) break;
      body.push(lines[end] as string);
    }
    blocks.push({ info: (open[2] as string).trim(), code: body.join("\n"), line: index + 1 });
    index = end;
  }
  return blocks;
}

/** Every Markdown file under docs/, relative to it, with forward slashes, sorted (English first, then es/). */
function listDocs(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".md")) found.push(relative(docsDir, full).split(sep).join("/"));
    }
  };
  walk(docsDir);
  return found.sort((a, b) => Number(a.startsWith("es/")) - Number(b.startsWith("es/")) || a.localeCompare(b));
}

const read = (doc: string) => readFileSync(join(docsDir, doc), "utf8");
const isShell = (info: string) => /^(sh|bash|shell|console|zsh)\b/.test(info);
const isTested = (block: Block) => block.info === "sh test";

/** Splits shell source into words and operators, without expanding anything (enough for documented commands). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] as string;
    if (char === "'" || char === '"') {
      const end = line.indexOf(char, i + 1);
      word += line.slice(i + 1, end === -1 ? line.length : end);
      started = true;
      i = end === -1 ? line.length : end;
    } else if (char === "\\" && i + 1 < line.length) {
      word += line[++i];
      started = true;
    } else if (/\s/.test(char) || char === ";" || char === "|" || char === "&" || char === "(" || char === ")") {
      if (started) words.push(word);
      word = "";
      started = false;
      if (!/\s/.test(char)) words.push(char);
    } else if (char === "#" && !started) {
      break; // a comment
    } else {
      word += char;
      started = true;
    }
  }
  if (started) words.push(word);
  return words;
}

/** The simple commands of a shell block: each a list of words (continuation lines joined, operators split). */
function shellCommands(code: string): string[][] {
  const commands: string[][] = [];
  for (const line of code.replace(/\\\n/g, " ").split("\n")) {
    let current: string[] = [];
    for (const word of shellWords(line)) {
      if ([";", "|", "&", "(", ")"].includes(word)) {
        if (current.length) commands.push(current);
        current = [];
      } else current.push(word);
    }
    if (current.length) commands.push(current);
  }
  // Leading variable assignments (PORT=3100 node …) are not the command.
  return commands.map((words) => words.slice(words.findIndex((word) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)))).filter((words) => words.length > 0);
}

/** A tested block with comments and blank lines removed: what must be identical in both languages. */
const commandsOf = (code: string) =>
  code
    .split("\n")
    .map((line) => shellWords(line).join(" "))
    .filter(Boolean)
    .join("\n");

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces to dashes, duplicates numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  const withoutCode = markdown.replace(/^ {0,3}(`{3,}|~{3,})[\s\S]*?^ {0,3}\1\s*$/gm, "");
  for (const match of withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = (match[1] as string).replace(/\[([^\]]*)\]\([^)]*\)/g, "$1");
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

/** Relative links and images of a Markdown file, outside code. */
function relativeLinks(markdown: string): Array<{ target: string; line: number }> {
  const links: Array<{ target: string; line: number }> = [];
  let inFence = false;
  markdown.split("\n").forEach((raw, index) => {
    if (/^ {0,3}(`{3,}|~{3,})/.test(raw)) inFence = !inFence;
    if (inFence) return;
    const line = raw.replace(/`[^`]*`/g, "");
    for (const match of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = match[1] as string;
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) links.push({ target, line: index + 1 });
    }
  });
  return links;
}

const docs = listDocs();
/** Engineering notes for the project's developers, not course material: English only. */
const ENGLISH_ONLY = new Set(["performance.md"]);
const english = docs.filter((doc) => !doc.startsWith("es/") && !ENGLISH_ONLY.has(doc));
const spanish = docs.filter((doc) => doc.startsWith("es/"));

describe("docs: structure", () => {
  it("has docs to check", () => {
    expect(english.length).toBeGreaterThan(0);
    expect(docs.some((doc) => codeBlocks(read(doc)).some(isTested))).toBe(true);
  });

  it("every English doc has a Spanish translation with the same name under docs/es/, and the other way round", () => {
    expect(spanish.map((doc) => doc.slice("es/".length))).toEqual(english);
  });

  it("a translation runs exactly the same tested commands as the original", () => {
    for (const doc of english) {
      const tested = (name: string) => codeBlocks(read(name)).filter(isTested).map((block) => commandsOf(block.code));
      expect(tested(`es/${doc}`), `es/${doc} vs ${doc}`).toEqual(tested(doc));
    }
  });

  it("shell blocks are marked either `sh` or `sh test` (anything else would silently not run)", () => {
    const odd = docs.flatMap((doc) =>
      codeBlocks(read(doc))
        .filter((block) => isShell(block.info) && block.info !== "sh" && block.info !== "sh test")
        .map((block) => `${doc}:${block.line}: \`\`\`${block.info}`),
    );
    expect(odd).toEqual([]);
  });

  it("relative links resolve, #anchors included, and each language links to its own docs", () => {
    const broken: string[] = [];
    for (const doc of docs) {
      const here = dirname(join(docsDir, doc));
      for (const { target, line } of relativeLinks(read(doc))) {
        const [path = "", anchor] = target.split("#");
        const file = path === "" ? join(docsDir, doc) : resolve(here, decodeURIComponent(path));
        const where = `${doc}:${line}: ${target}`;
        if (!existsSync(file)) {
          broken.push(`${where} (no such file)`);
          continue;
        }
        if (anchor && file.endsWith(".md") && !anchors(readFileSync(file, "utf8")).has(decodeURIComponent(anchor))) {
          broken.push(`${where} (no heading with that anchor)`);
        }
        const linked = relative(docsDir, file).split(sep).join("/");
        if (file.endsWith(".md") && !linked.startsWith("..") && linked !== doc) {
          const sameLanguage = linked.startsWith("es/") === doc.startsWith("es/");
          const counterpart = linked.replace(/^es\//, "") === doc.replace(/^es\//, "");
          if (!sameLanguage && !counterpart) broken.push(`${where} (links to the other language's docs)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});

describe("docs: clever commands exist in the real clever-tools", () => {
  const invocations = docs.flatMap((doc) =>
    codeBlocks(read(doc))
      .filter((block) => isShell(block.info))
      .flatMap((block) =>
        shellCommands(block.code)
          .map((words) => {
            const at = words.findIndex((word) => word === "clever" || /^clever-tools(@.*)?$/.test(word));
            const launcher = at === 0 || (at > 0 && words[0] === "npx" && words.slice(1, at).every((word) => word.startsWith("-")));
            return launcher ? { doc, line: block.line, argv: words.slice(at + 1) } : undefined;
          })
          .filter((invocation) => invocation !== undefined),
      ),
  );

  it.each(invocations.map((invocation) => [`${invocation.doc}:${invocation.line} clever ${invocation.argv.join(" ")}`, invocation] as const))(
    "%s",
    async (_label, invocation) => {
      await assertCleverFlagsExist(invocation.argv);
    },
  );
});

describe("docs: the commands run", () => {
  let repo: TempRepo;
  let base: string;
  let kept: string[];
  /** node_modules/.package-lock.json as `npm ci` wrote it: what the installed tree is. */
  let installed: string;
  let started: number;
  const env = userEnv({
    GIT_AUTHOR_NAME: "Docs Test",
    GIT_AUTHOR_EMAIL: "docs@shipyard.invalid",
    GIT_COMMITTER_NAME: "Docs Test",
    GIT_COMMITTER_EMAIL: "docs@shipyard.invalid",
    // A developer's signing setup must not make `git commit` in a doc fail.
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "commit.gpgsign",
    GIT_CONFIG_VALUE_0: "false",
    NO_COLOR: "1",
    FORCE_COLOR: "0",
    TURBO_TELEMETRY_DISABLED: "1",
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
    // The reader follows the tutorial on the services' Node.js (`nvm use`: .nvmrc says 24), installed by
    // scripts/setup/service-node.sh; on an older Node.js, `doctor` rightly fails (it cannot run `npm run dev`).
    PATH: `${join(process.env.SHIPYARD_NODE_PREFIX ?? "/opt/shipyard", "node-24", "bin")}:${process.env.PATH}`,
  });

  beforeAll(async () => {
    started = performance.now();
    repo = makeTempRepo();
    const install = await runCommand("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"], repo.dir, { timeoutMs: 600_000 });
    expect(install.code, install.stderr).toBe(0);
    const git = (...args: string[]) => execFileSync("git", args, { cwd: repo.dir, encoding: "utf8" });
    base = git("rev-parse", "HEAD").trim();
    // What `npm ci` made (node_modules, the built generator) survives a reset; whatever a doc adds does not.
    kept = [...git("ls-files", "--others", "--ignored", "--exclude-standard", "--directory").split("\n").filter(Boolean), ".turbo/"];
    installed = readFileSync(join(repo.dir, "node_modules/.package-lock.json"), "utf8");
  }, 900_000);

  afterAll(() => {
    repo?.remove();
    if (started) process.stdout.write(`docs: commands ran in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  });

  /** Back to the repository as `npm ci` left it: same commit, same files, same installed packages. */
  async function reset(): Promise<void> {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: repo.dir, stdio: "pipe" });
    git("reset", "--hard", "--quiet", base);
    git("clean", "-ffdxq", ...kept.flatMap((path) => ["-e", `/${path}`]));
    // A previous doc installed packages (a new service's link, a dependency): back to the lockfile's tree.
    if (readFileSync(join(repo.dir, "node_modules/.package-lock.json"), "utf8") !== installed) {
      const install = await runCommand("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], repo.dir, { timeoutMs: 600_000 });
      expect(install.code, install.stderr).toBe(0);
      installed = readFileSync(join(repo.dir, "node_modules/.package-lock.json"), "utf8");
    }
  }

  /** One block under `bash -euo pipefail`; whatever it leaves running (a server) is stopped with it. */
  function runBlock(code: string): Promise<{ code: number | null; output: string; ms: number }> {
    const begin = performance.now();
    return new Promise((resolvePromise, reject) => {
      const child = spawn("bash", ["--noprofile", "--norc", "-euo", "pipefail", "-c", code], { cwd: repo.dir, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      const collect = (chunk: Buffer) => {
        output = (output + chunk.toString("utf8")).slice(-20_000);
      };
      child.stdout.on("data", collect);
      child.stderr.on("data", collect);
      const killGroup = () => {
        try {
          process.kill(-(child.pid as number), "SIGKILL");
        } catch {
          // already gone
        }
      };
      const timer = setTimeout(killGroup, 600_000);
      let exitCode: number | null = null;
      child.on("error", reject);
      child.on("exit", (status) => {
        exitCode = status;
        killGroup();
      });
      child.on("close", () => {
        clearTimeout(timer);
        resolvePromise({ code: exitCode, output, ms: performance.now() - begin });
      });
    });
  }

  for (const doc of docs) {
    const blocks = codeBlocks(read(doc)).filter(isTested);
    if (blocks.length === 0) continue;
    describe(doc, () => {
      beforeAll(() => reset(), 600_000);
      for (const block of blocks) {
        it(`block at line ${block.line}`, async () => {
          const result = await runBlock(block.code);
          expect(result.code, `${doc}:${block.line} failed:\n${block.code}\n--- output (last 20 kB) ---\n${result.output}`).toBe(0);
        });
      }
    });
  }
});

interface CliUse {
  doc: string;
  line: number;
  cli: "shipyard" | "create";
  argv: string[];
}

describe("docs: shipyard commands use flags the CLI has", () => {
  const bin = { shipyard: join(repoRoot, "generators/dist/cli/shipyard.js"), create: join(repoRoot, "generators/dist/cli/create-shipyard.js") };
  const uses = docs.flatMap((doc) =>
    codeBlocks(read(doc))
      .filter((block) => isShell(block.info))
      .flatMap((block) =>
        shellCommands(block.code).flatMap((words): CliUse[] => {
          if (words[0] === "npx" && words[1] === "shipyard") return [{ doc, line: block.line, cli: "shipyard", argv: words.slice(2) }];
          // `npm run [--silent] shipyard -- <args>`: the root script that runs the installed bin.
          const script = words[0] === "npm" && words[1] === "run" ? words.findIndex((word, i) => i > 1 && !word.startsWith("-")) : -1;
          if (script > 0 && words[script] === "shipyard") {
            return [{ doc, line: block.line, cli: "shipyard", argv: words[script + 1] === "--" ? words.slice(script + 2) : words.slice(script + 1) }];
          }
          if (words[0] === "npx" && words[1] === "create-shipyard") return [{ doc, line: block.line, cli: "create", argv: words.slice(2) }];
          if (words[0] === "npm" && ["create", "init"].includes(words[1] as string) && /^shipyard(@|$)/.test(words.find((word, i) => i > 1 && !word.startsWith("-")) ?? "")) {
            const dash = words.indexOf("--");
            return [{ doc, line: block.line, cli: "create", argv: dash === -1 ? [] : words.slice(dash + 1) }];
          }
          return [];
        }),
      ),
  );

  /** Commands and long/short options listed by commander's --help. */
  function help(cli: "shipyard" | "create", path: string[]): { commands: string[]; options: string[] } {
    const text = execFileSync(process.execPath, [bin[cli], ...path, "--help"], { cwd: repoRoot, encoding: "utf8" });
    const section = (name: string) => text.split(`\n${name}:\n`)[1]?.split(/\n\n/)[0] ?? "";
    return {
      commands: section("Commands")
        .split("\n")
        .map((line) => /^ {2}(\S+)/.exec(line)?.[1])
        .filter((word): word is string => Boolean(word)),
      options: [...section("Options").matchAll(/(?:^|[\s,])(--?[a-zA-Z][\w-]*)/gm)].map((match) => match[1] as string),
    };
  }

  beforeAll(() => ensureCliBuilt());

  it.each(uses.map((use) => [`${use.doc}:${use.line} ${use.cli} ${use.argv.join(" ")}`, use] as const))("%s", (_label, use) => {
    const path: string[] = [];
    let current = help(use.cli, path);
    let index = 0;
    for (; index < use.argv.length; index++) {
      const word = use.argv[index] as string;
      if (word.startsWith("-") || !current.commands.includes(word)) break;
      path.push(word);
      current = help(use.cli, path);
    }
    // `add <kind>` of a template the docs create themselves (their tested blocks run it): nothing to compare with.
    if (path.length === 1 && path[0] === "add" && index < use.argv.length && !(use.argv[index] as string).startsWith("-")) return;
    const unknown = use.argv
      .slice(index)
      .filter((word) => word.startsWith("-") && word !== "--")
      .map((word) => word.split("=")[0] as string)
      .filter((flag) => !current.options.includes(flag));
    expect(unknown, `${use.cli} ${path.join(" ")}: options are ${current.options.join(" ")}`).toEqual([]);
  });
});

/*
 * A bare `npx shipyard` where the dependencies are not installed downloads and runs whatever package is called
 * `shipyard` on the registry. Nothing a newcomer reads or is told to run may say it: the docs (English and Spanish),
 * the READMEs, what templates render (generated READMEs, comments in generated files) and every message the CLI
 * prints (its sources). They say `npm run shipyard -- …`, the root script, which only runs the installed bin.
 * Workflows are left out: they run after `npm ci`, where npx finds the installed bin.
 */
describe("no bare npx shipyard", () => {
  const tracked = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repoRoot, encoding: "utf8" })
    .split("\0")
    .filter((path) => path && existsSync(join(repoRoot, path)));
  const scanned = tracked.filter(
    (path) =>
      /^(README\.md|docs\/.*\.md|generators\/README\.md|generators\/src\/.*\.ts|\.shipyard\/README\.md)$/.test(path) ||
      (/^(templates\/[^/]+\/files|packages)\//.test(path) && !/\/\.github\//.test(path)),
  );

  it("covers the docs, the READMEs, the templates and the CLI's sources", () => {
    for (const expected of ["README.md", "docs/tutorial.md", "docs/es/tutorial.md", "generators/src/cli/report.ts", "templates/monorepo/files/README.md"]) {
      expect(scanned).toContain(expected);
    }
  });

  it("none of them runs `npx shipyard` (or `npx create-shipyard`)", () => {
    const found = scanned.flatMap((path) =>
      readFileSync(join(repoRoot, path), "utf8")
        .split("\n")
        .flatMap((line, index) => (/\bnpx\s+(?:-\S+\s+)*(shipyard|create-shipyard)(?![\w-])/.test(line) ? [`${path}:${index + 1}: ${line.trim()}`] : [])),
    );
    expect(found).toEqual([]);
  });

  it("the printed next steps of create and the root script they rely on", async () => {
    ensureCliBuilt();
    const dir = mkdtempSync(join(tmpdir(), "shipyard-npx-"));
    try {
      const created = await runCommand(process.execPath, [join(repoRoot, "generators/dist/cli/create-shipyard.js"), "repo", "--yes", "--no-install", "--no-git"], dir);
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout).toContain("npm run shipyard -- add service <name>");
      expect(created.stdout + created.stderr).not.toMatch(/\bnpx\s+shipyard\b/);
      const rootPackage = JSON.parse(readFileSync(join(dir, "repo/package.json"), "utf8")) as { scripts: Record<string, string> };
      expect(rootPackage.scripts.shipyard).toBe("shipyard");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/*
 * podman builds images in the OCI format by default, which has no HEALTHCHECK: the generated Dockerfile's health
 * check silently disappears. Wherever the docs build with podman, they say --format docker.
 */
describe("podman builds keep the HEALTHCHECK", () => {
  const files = ["docs/tutorial.md", "docs/es/tutorial.md", "templates/service/files/packages/__name__/README.md"];
  it.each(files)("%s gives the podman form with --format docker", (path) => {
    expect(readFileSync(join(repoRoot, path), "utf8")).toMatch(/podman build [^\n`]*--format docker/);
  });
  it("no doc or template runs podman build without --format docker", () => {
    const tracked = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "*.md"], { cwd: repoRoot, encoding: "utf8" })
      .split("\0")
      .filter((path) => path && existsSync(join(repoRoot, path)));
    const without = tracked.flatMap((path) =>
      readFileSync(join(repoRoot, path), "utf8")
        .split("\n")
        .flatMap((line, index) => (/podman build\b/.test(line) && !/--format docker/.test(line) ? [`${path}:${index + 1}: ${line.trim()}`] : [])),
    );
    expect(without).toEqual([]);
  });
});

/* Spanish: a library is a "biblioteca" ("librería" is a bookshop), one word throughout. */
describe("Spanish wording", () => {
  it("docs/es says biblioteca, never librería", () => {
    const found = listDocs()
      .filter((doc) => doc.startsWith("es/"))
      .flatMap((doc) =>
        read(doc)
          .split("\n")
          .flatMap((line, index) => (/librer[ií]as?\b/i.test(line) ? [`${doc}:${index + 1}: ${line.trim()}`] : [])),
      );
    expect(found).toEqual([]);
  });
});
