import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageManagerFields, renderTemplate } from "../src/engine/render.js";
import { loadTemplate, readPackageManagerTable } from "../src/engine/template.js";
import { ShipyardError } from "../src/errors.js";
import { chooseManager, commandsOf, startedFrom } from "../src/package-managers.js";

/*
 * templates/package-managers.json is the model every template reads: each manager must give every field (a missing
 * one would be a strict-mode render error in one manager's repositories only), the monorepo's answer must offer
 * exactly its managers, and `packageManager` must pin an exact version from templates/versions.json.
 */
const templatesDir = join(import.meta.dirname, "..", "..", "templates");
const table = readPackageManagerTable(templatesDir);
if (!table) throw new Error("templates/package-managers.json is missing");
const names = Object.keys(table.managers);

describe("the package-manager table", () => {
  it("lists npm, pnpm, yarn and bun, npm the default, each with the same fields", () => {
    expect(names).toEqual(["npm", "pnpm", "yarn", "bun"]);
    expect(table.default).toBe("npm");
    const fields = Object.keys(table.managers.npm ?? {}).sort();
    for (const name of names) expect(Object.keys(table.managers[name] ?? {}).sort(), name).toEqual(fields);
  });

  it("the monorepo's packageManager answer offers exactly the table's managers, defaulting to the table's default", () => {
    const answer = loadTemplate(templatesDir, "monorepo").answers.find((spec) => spec.name === "packageManager");
    expect(answer).toMatchObject({ type: "choice", choices: names, default: table.default });
  });

  it("packageManager pins an exact version of templates/versions.json; every template renders for every manager", () => {
    const monorepo = loadTemplate(templatesDir, "monorepo");
    for (const name of names) {
      const fields = packageManagerFields(monorepo, name) as Record<string, string>;
      expect(fields.packageManager).toBe(`${name}@${monorepo.versions[name]}`);
      expect(fields.packageManager).toMatch(/^[a-z]+@\d+\.\d+\.\d+$/);
      // Rendered: no {{versions.…}} left (GitHub's own ${{ … }} expressions stay).
      for (const [field, value] of Object.entries(fields)) expect(value.replaceAll("${{", ""), `${name}.${field}`).not.toContain("{{");
    }
    for (const template of ["monorepo", "service", "library"]) {
      const loaded = loadTemplate(templatesDir, template);
      const answers = { name: "x", description: "d", port: 8080, runtime: "node", node: 24, uses: ["lib"], database: "postgres" };
      for (const name of names) {
        const files = renderTemplate(loaded, { ...answers, packageManager: name }, { scope: "acme", shipyardVersion: "0.1.0", packageManager: name });
        expect(files.length, `${template} for ${name}`).toBeGreaterThan(0);
      }
    }
  });

  it("the documents of every template give the chosen manager's commands, never npm's in another manager's repository", () => {
    const answers = { name: "orders", description: "d", port: 8080, runtime: "node", node: 24, uses: [], database: "postgres" };
    for (const name of names) {
      const fields = table.managers[name] as Record<string, string>;
      const docs = ["monorepo", "service", "library"].flatMap((template) =>
        renderTemplate(
          loadTemplate(templatesDir, template),
          { ...answers, packageManager: name },
          { scope: "acme", shipyardVersion: "0.1.0", packageManager: name },
        ).filter((file) => /(README\.md|compose\.yaml)$/.test(file.path)),
      );
      expect(docs.map((file) => file.path).sort()).toEqual([
        "README.md",
        "packages/orders/README.md",
        "packages/orders/README.md",
        "packages/orders/compose.yaml",
      ]);
      const text = docs.map((file) => file.content).join("\n");
      const dev = (fields.runIn as string).replace("<script>", "dev").replace("<package>", "@acme/orders");
      expect(text, `${name}: how a service runs in dev`).toContain(dev);
      expect(text, name).toContain(`${fields.exec} turbo run build test --filter=@acme/orders`);
      if (name !== "npm") expect(text.match(/^.*\b(npm (install|run|test|ci)|npx)\b.*$/gm) ?? [], name).toEqual([]);
    }
  });

  it("an unknown manager recorded in a repository is one clear error, not an empty string in its files", () => {
    const service = loadTemplate(templatesDir, "service");
    const render = () =>
      renderTemplate(
        service,
        { name: "x", description: "d", port: 8080, runtime: "node", node: 24, uses: [], database: "none" },
        { scope: "acme", shipyardVersion: "0.1.0", packageManager: "pnpx" },
      );
    expect(render).toThrow(ShipyardError);
    expect(render).toThrow('Unknown package manager "pnpx".');
  });
});

describe("which manager create chooses", () => {
  const agents: Array<[string | undefined, string]> = [
    ["pnpm/10.34.9 npm/? node/v20.20.2 linux x64", "pnpm"],
    ["yarn/4.18.1 npm/? node/v20.20.2 linux x64", "yarn"],
    ["bun/1.4.5 npm/? node/v20.20.2 linux x64", "bun"],
    ["npm/11.19.1 node/v20.20.2 linux x64 workspaces/false", "npm"],
    ["deno/2.5.0 npm/? deno/2.5.0 linux x86_64", "npm"],
    ["", "npm"],
    [undefined, "npm"],
  ];
  it.each(agents)("npm_config_user_agent %j -> %s", (agent, expected) => {
    expect(chooseManager(table, undefined, agent)).toBe(expected);
  });

  it("the flag wins over the agent; an unknown flag is UNKNOWN_PACKAGE_MANAGER naming the choices", () => {
    expect(chooseManager(table, "bun", "pnpm/10.34.9 npm/? node/v20")).toBe("bun");
    expect(() => chooseManager(table, "Yarn", undefined)).toThrow(
      expect.objectContaining({
        code: "UNKNOWN_PACKAGE_MANAGER",
        message: 'Unknown package manager "Yarn" (--package-manager): choose one of npm, pnpm, yarn, bun.',
      }),
    );
    expect(startedFrom("pnpm/10.34.9 npm/? node/v20")).toBe("pnpm");
  });

  it("the generator's own commands per manager: never one that fetches a package", () => {
    for (const name of names) {
      const commands = commandsOf(table, name);
      expect(commands.install).toMatch(new RegExp(`^${name} install$`));
      // npm keeps `npx` (its repositories render byte for byte as before; npx runs the installed bin first).
      if (name !== "npm") expect(`${commands.shipyard} ${commands.exec} ${commands.runIn}`).not.toMatch(/\b(dlx|bunx|npx)\b/);
    }
    expect(commandsOf(undefined, undefined)).toMatchObject({ name: "npm", lockfile: "package-lock.json", install: "npm install" });
  });
});
