// npm's EBADENGINE warnings, and the ones docs/troubleshooting.md tells users to expect:
//
//   const warned = engineWarnings(install.stderr);        // [{ name: "cookie", version: "2.0.2", required: ">=22" }]
//   expect(undocumentedEngineWarnings(warned, dir)).toEqual([]);
//
// Only Node builtins.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./repo.js";

export interface EngineWarning {
  name: string;
  version: string;
  /** The Node.js range the package declares, e.g. "24.x". */
  required: string;
}

/** The packages npm warned about (`npm warn EBADENGINE Unsupported engine { package: …, required: … }`), once each. */
export function engineWarnings(output: string): EngineWarning[] {
  const found = new Map<string, EngineWarning>();
  const block = /EBADENGINE\s+package: '((?:@[^/']+\/)?[^@']+)@([^']+)',\s*\n[^\n]*EBADENGINE\s+required: \{ node: '([^']+)'/g;
  for (const [, name = "", version = "", required = ""] of output.matchAll(block)) found.set(`${name}@${version}`, { name, version, required });
  return [...found.values()];
}

/** The `name@major` packages the troubleshooting entry "npm install warns EBADENGINE" lists as expected. */
export function documentedEngineWarnings(): string[] {
  const doc = readFileSync(join(repoRoot, "docs/troubleshooting.md"), "utf8");
  const start = doc.indexOf("\n### npm install warns EBADENGINE");
  if (start < 0) throw new Error("docs/troubleshooting.md has no entry '### npm install warns EBADENGINE'");
  const end = doc.indexOf("\n### ", start + 1);
  const entry = doc.slice(start, end < 0 ? undefined : end);
  return [...new Set([...entry.matchAll(/`((?:@[\w.-]+\/)?[\w.-]+@\d+)`/g)].map((match) => match[1] ?? ""))];
}

/**
 * The warnings the docs do not explain: any other than a workspace package of `dir` declaring the repository's Node.js
 * (`<.nvmrc>.x`), or a package the troubleshooting entry names (same name, same major).
 */
export function undocumentedEngineWarnings(warnings: EngineWarning[], dir: string): EngineWarning[] {
  const major = readFileSync(join(dir, ".nvmrc"), "utf8").trim();
  const documented = documentedEngineWarnings();
  const workspaces = new Map<string, string | undefined>();
  const lock = JSON.parse(readFileSync(join(dir, "package-lock.json"), "utf8")) as { packages: Record<string, { name?: string; link?: boolean }> };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path.startsWith("node_modules/") || !entry.name) continue;
    const manifest = JSON.parse(readFileSync(join(dir, path, "package.json"), "utf8")) as { engines?: { node?: string } };
    workspaces.set(entry.name, manifest.engines?.node);
  }
  return warnings.filter((warning) => {
    if (workspaces.has(warning.name)) return !(workspaces.get(warning.name) === `${major}.x` && warning.required === `${major}.x`);
    return !documented.includes(`${warning.name}@${warning.version.split(".")[0]}`);
  });
}
