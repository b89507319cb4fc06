import { describe, expect, it } from "vitest";
import { canonicalPackageJson } from "../src/engine/package-json.js";

// What Yarn Berry writes back at every install (and npm, pnpm and bun when they add a dependency): a rendered
// package.json already in that form is left alone by an install.
describe("a rendered package.json in the package managers' form", () => {
  it("sorts each dependency map by name, drops empty ones, writes two-space JSON with one array item per line", () => {
    const rendered =
      '{"name":"@acme/orders","files": ["dist"],"dependencies": {"@zed/lib": "workspace:*", "fastify": "^5.0.0", "@acme/money": "*"},"devDependencies": {\n  },"scripts":{"b":"x"}}';
    expect(canonicalPackageJson(rendered)).toBe(
      `${JSON.stringify(
        {
          name: "@acme/orders",
          files: ["dist"],
          dependencies: { "@acme/money": "*", "@zed/lib": "workspace:*", fastify: "^5.0.0" },
          scripts: { b: "x" },
        },
        null,
        2,
      )}\n`,
    );
  });

  it("keeps the order of every other field, and a form already canonical is a fixed point", () => {
    const text = `${JSON.stringify({ version: "1.0.0", name: "x", scripts: { z: "1", a: "2" }, dependencies: { a: "1", b: "2" } }, null, 2)}\n`;
    expect(canonicalPackageJson(text)).toBe(text);
    expect(canonicalPackageJson(canonicalPackageJson(text))).toBe(text);
  });

  it("leaves text that is not a JSON object as it is, for the render to report", () => {
    for (const text of ['{"name": ', "[1, 2]", "null", ""]) expect(canonicalPackageJson(text)).toBe(text);
  });
});
