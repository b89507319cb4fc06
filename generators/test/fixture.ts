import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { add } from "../src/commands/add.js";

/** A small Shipyard repository in a temporary folder: this checkout's templates, committed, no installs. */
export interface Fixture {
  root: string;
  read(path: string): string;
  write(path: string, content: string): void;
  git(...args: string[]): string;
  commitAll(): void;
  addService(name: string, answers?: Record<string, unknown>): Promise<void>;
  dispose(): void;
}

const repoTemplates = join(import.meta.dirname, "..", "..", "templates");

export async function makeFixture(services: string[] = ["orders"]): Promise<Fixture> {
  const root = mkdtempSync(join(tmpdir(), "shipyard-fixture-"));
  const fixture: Fixture = {
    root,
    read: (path) => readFileSync(join(root, path), "utf8"),
    write: (path, content) => {
      mkdirSync(join(root, path, ".."), { recursive: true });
      writeFileSync(join(root, path), content);
    },
    git: (...args) => execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }),
    commitAll: () => {
      fixture.git("add", "-A");
      fixture.git("commit", "-qm", "change", "--allow-empty");
    },
    addService: async (name, answers = {}) => {
      await add({ cwd: root, template: "service", given: { name, ...answers }, yes: true, interactive: false, dryRun: false });
    },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
  cpSync(repoTemplates, join(root, "templates"), { recursive: true });
  fixture.write(".shipyard/config.json", JSON.stringify({ shipyard: "0.1.0", scope: "acme", migrations: [] }));
  fixture.write("package.json", JSON.stringify({ name: "acme", private: true, workspaces: ["packages/*"], engines: { npm: ">=10" } }));
  fixture.git("init", "-q", "-b", "main");
  for (const name of services) await fixture.addService(name);
  fixture.commitAll();
  return fixture;
}
