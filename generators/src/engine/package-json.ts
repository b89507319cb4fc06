/*
 * A rendered package.json in the form the package managers write one: Yarn rewrites every workspace's manifest at
 * each install (dependency maps sorted by name, empty ones dropped, two-space JSON with one array item per line),
 * npm, pnpm and bun whenever they add a dependency. Rendered any other way, a plain `yarn install` left every
 * generated package.json modified and `shipyard update` reporting them "customized"; in this form an install
 * leaves them byte for byte as Shipyard wrote them.
 */
const DEPENDENCY_FIELDS = ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"] as const;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
// Code-point order, as Yarn sorts (npm's localeCompare agrees on lowercase package names).
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** `text` in the managers' form; text that is not a JSON object is returned as it is (the render reports it). */
export function canonicalPackageJson(text: string): string {
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    return text;
  }
  if (!isRecord(manifest)) return text;
  for (const field of DEPENDENCY_FIELDS) {
    const dependencies = manifest[field];
    if (!isRecord(dependencies)) continue;
    const names = Object.keys(dependencies);
    if (names.length === 0) delete manifest[field];
    else manifest[field] = Object.fromEntries(names.sort(byName).map((name) => [name, dependencies[name]]));
  }
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
