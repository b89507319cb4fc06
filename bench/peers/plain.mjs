// The floor: start node, read the already-rendered files (a JSON fixture: path -> content), write them.
// usage: node plain.mjs <fixture.json> <destination>
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const [fixture, destination] = process.argv.slice(2);
const files = JSON.parse(readFileSync(fixture, "utf8"));
for (const [path, content] of Object.entries(files)) {
  const target = join(destination, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content, { flag: "wx" });
}
