// Names that npm accepts but that another tool reads differently, or that two packages would share once
// normalized, are refused by `shipyard add` before anything is written.
import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { add } from "../src/commands/add.js";
import { checkNewName, unportableReason } from "../src/engine/names.js";
import { type Fixture, makeFixture } from "./fixture.js";

let fixture: Fixture | undefined;
afterEach(() => fixture?.dispose());

/** Every file of the fixture with its content, and git's view of it: "nothing written" means both unchanged. */
/** What git sees changed, less the repository lock an in-process command holds until the test process exits. */
function snapshot(root: string): string {
  return execFileSync("git", ["status", "--porcelain", "--untracked-files=all"], { cwd: root, encoding: "utf8" })
    .split("\n")
    .filter((line) => line && !line.includes("node_modules/.cache/shipyard/"))
    .join("\n");
}

async function refusal(root: string, template: string, name: string) {
  return add({ cwd: root, template, given: { name }, yes: true, interactive: false, dryRun: false }).then(
    () => undefined,
    (error: Error & { code?: string }) => ({ code: error.code, message: error.message }),
  );
}

describe("shipyard add refuses names that clash after normalization", () => {
  it.each(["a.b", "a_b", "a--b"])("a-b exists, then %s is refused: it would share CLEVER_APP_ID_A_B; nothing written", async (second) => {
    fixture = await makeFixture(["a-b"]);
    const before = snapshot(fixture.root);
    expect(before).toBe("");
    const result = await refusal(fixture.root, "service", second);
    expect(result).toEqual({ code: "NAME_CLASH", message: `${second} would share CLEVER_APP_ID_A_B with a-b.` });
    expect(snapshot(fixture.root)).toBe(before);
  });

  it("a library that clashes with a service is refused too (one constant per package)", async () => {
    fixture = await makeFixture(["a-b"]);
    expect(await refusal(fixture.root, "library", "a.b")).toMatchObject({
      code: "NAME_CLASH",
      message: "a.b would share CLEVER_APP_ID_A_B with a-b.",
    });
    expect(snapshot(fixture.root)).toBe("");
  });

  it.each([
    ["a-b-staging", "a-b", "a-b-staging would share CLEVER_APP_ID_A_B_STAGING with a-b: it is the staging variable of a-b."],
    ["a", "a-staging", "a would share CLEVER_APP_ID_A_STAGING with a-staging: it is the staging variable of a."],
  ])("%s next to %s is refused: one's production variable is the other's staging variable; nothing written", async (second, first, message) => {
    fixture = await makeFixture([first]);
    expect(await refusal(fixture.root, "service", second)).toEqual({ code: "NAME_CLASH", message });
    expect(snapshot(fixture.root)).toBe("");
  });

  it("a folder under packages/ that Shipyard did not make counts as existing", () => {
    expect(() => checkNewName("pay_ments", ["pay-ments"])).toThrow("pay_ments would share CLEVER_APP_ID_PAY_MENTS with pay-ments.");
    expect(() => checkNewName("orders", ["Orders"])).toThrow(/would share packages\/orders, its workflow and its image with Orders/);
    expect(() => checkNewName("orders-api", ["orders", "api", "ordersapi"])).not.toThrow();
  });
});

describe("shipyard add refuses names that turbo, a shell or Docker would read differently", () => {
  it.each([
    ["dots...", /turbo reads "\.\.\." in a filter as "and its dependencies"/],
    ["trailing.", /start and end with a letter or a digit/],
    ["trailing_", /start and end with a letter or a digit/],
    ["trailing-", /start and end with a letter or a digit/],
    ["a..b", /one dot or underscore at a time/],
    ["a._b", /one dot or underscore at a time/],
  ])("%s is refused with nothing written", async (name, why) => {
    fixture = await makeFixture([]);
    const result = await refusal(fixture.root, "service", name);
    expect(result?.code).toBe("INVALID_ANSWER");
    expect(result?.message).toMatch(why);
    expect(result?.message).toContain(`"${name}"`);
    expect(snapshot(fixture.root)).toBe("");
  });

  it("keeps the names people use", () => {
    for (const name of ["orders", "orders-api", "v2", "a.b", "snake_case", "double__under", "x--y"])
      expect(unportableReason(name), name).toBeUndefined();
    for (const name of ["Orders", ".hidden", "_private", "^orders", "a b", "dots..."]) expect(unportableReason(name), name).toBeDefined();
  });
});
