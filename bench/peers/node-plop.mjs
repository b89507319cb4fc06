// node-plop's API with the shared plopfile: load it, run the service generator's actions with every answer given.
// usage: node node-plop.mjs <destination>
import { join } from "node:path";
import nodePlop from "node-plop";

const destination = process.argv[2];
const plop = await nodePlop(join(import.meta.dirname, "plopfile.mjs"), { destBasePath: destination, force: false });
const result = await plop
  .getGenerator("service")
  .runActions({ name: "orders", description: "A Shipyard service.", port: "8080", runtime: "node", node: "24", database: "none" });
if (result.failures.length > 0) {
  console.error(result.failures);
  process.exit(1);
}
