// `shipyard add` at a terminal, as a person answers it: every answer is checked as it is given (a taken name is
// refused at its own question, not after all the others), and `uses` is a checkbox of the repository's libraries.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureCliBuilt, git, makeTempRepo, runShipyard, shipyardBin, type TempRepo } from "./support/repo.js";
import { onTerminal as runOnTerminal } from "./support/terminal.js";

let repo: TempRepo;

/** The CLI on a 120-column pseudo-terminal (support/terminal.ts), each key sequence sent once the text before it appears. */
const onTerminal = (cwd: string, args: string[], dialogue: Array<[text: string, keys: string]>) =>
  runOnTerminal(cwd, [process.execPath, shipyardBin, ...args], dialogue, { cols: 120, rows: 40 });

beforeAll(async () => {
  ensureCliBuilt();
  repo = makeTempRepo();
  for (const name of ["money", "auth"]) {
    const added = await runShipyard(repo.dir, ["add", "library", name, "--yes"]);
    expect(added.code, added.stderr).toBe(0);
  }
  await git(repo.dir, "add", "--all");
  await git(repo.dir, "commit", "--quiet", "--message", "two libraries");
}, 120_000);

afterAll(() => repo?.remove());

describe("shipyard add at a terminal", () => {
  it("refuses a taken name at its own question, before asking anything else", async () => {
    const run = await onTerminal(repo.dir, ["add", "service"], [
      ["the service's name", "hello\r"],
      ["packages/hello already exists: choose another name.", "\x03"],
    ]);
    expect(run.code, run.output).toBe(130);
    expect(run.output).not.toContain("a one-line description");
  });

  it("offers the repository's libraries as a checkbox", async () => {
    const run = await onTerminal(repo.dir, ["add", "service"], [
      ["the service's name", "orders\r"],
      ["a one-line description", "\r"],
      ["the port it listens on", "\r"],
      ["the Clever Cloud runtime", "\r"],
      ["the Node.js major version", "\r"],
      // auth, money (sorted): move to money, select it, confirm.
      ["workspace libraries it uses", "\x1b[B \r"],
      ["its database", "\r"],
    ]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/auth[\s\S]*money/);
    const record = JSON.parse(readFileSync(join(repo.dir, ".shipyard/units/orders.json"), "utf8")) as { answers: { uses: string[] } };
    expect(record.answers.uses).toEqual(["money"]);
  });
});
