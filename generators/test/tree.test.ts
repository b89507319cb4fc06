// The Tree's confinement on a real folder: each folder is listed once and only links are resolved, so what a
// listing says must agree with what an lstat of each path would: links inside are followed, links outside are
// refused at any depth (also in a folder already listed for another path), and copies land byte for byte.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeChanges } from "../src/engine/transaction.js";
import { Tree } from "../src/engine/tree.js";

let root: string;
let outside: string;
const put = (path: string, content: string) => {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, content);
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "shipyard-tree-"));
  outside = mkdtempSync(join(tmpdir(), "shipyard-tree-outside-"));
  put(join(root, "packages/hello/README.md"), "hello\n");
  put(join(root, "docs/shared.md"), "shared\n");
  put(join(outside, "secret"), "secret\n");
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe("Tree confinement", () => {
  it("follows links that stay inside, to a file or a folder", () => {
    symlinkSync(join(root, "docs/shared.md"), join(root, "packages/hello/SHARED.md"));
    symlinkSync("../docs", join(root, "packages/docs"));
    const tree = new Tree(root);
    expect(tree.read("packages/hello/SHARED.md")).toBe("shared\n");
    expect(tree.read("packages/docs/shared.md")).toBe("shared\n");
    expect(tree.exists("packages/docs")).toBe(true);
    expect(tree.read("packages/docs/missing.md")).toBeNull();
  });

  it("refuses a link outside at any depth, also in a folder it already listed for a sibling", () => {
    symlinkSync(join(outside, "secret"), join(root, "packages/hello/clever.env"));
    symlinkSync(outside, join(root, "packages/evil"));
    const tree = new Tree(root);
    expect(tree.read("packages/hello/README.md")).toBe("hello\n"); // lists packages/hello
    expect(() => tree.read("packages/hello/clever.env", "a record")).toThrow(
      /^Refused path packages\/hello\/clever\.env from a record: packages\/hello\/clever\.env is a symbolic link leading outside/,
    );
    expect(() => tree.write("packages/evil/src/app.ts", "x")).toThrow(/packages\/evil is a symbolic link leading outside/);
    expect(() => tree.exists("packages/evil")).toThrow(/OUTSIDE|Refused/);
    symlinkSync(outside, join(root, "node_modules"));
    expect(() => new Tree(root).diskPath("node_modules/.cache/shipyard")).toThrow(/node_modules is a symbolic link leading outside/);
  });

  it("a dangling link or a path through a file: refused, or missing", () => {
    symlinkSync(join(root, "nowhere"), join(root, "packages/hello/gone"));
    const tree = new Tree(root);
    expect(() => tree.read("packages/hello/gone")).toThrow(/a target that does not resolve/);
    expect(tree.read("packages/hello/README.md/inner")).toBeNull();
    expect(tree.exists("packages/hello/README.md/inner")).toBe(false);
  });

  it("copy: listed as a change, read only when compared, committed byte for byte", () => {
    const source = join(outside, "payload.bin");
    const bytes = Buffer.from([0, 1, 2, 255, 10, 13]);
    writeFileSync(source, bytes);
    const tree = new Tree(root);
    tree.copy("generators/payload.bin", source);
    expect(tree.exists("generators/payload.bin")).toBe(true);
    const [change] = tree.listChanges();
    expect(change?.path).toBe("generators/payload.bin");
    expect(change?.source).toBe(source);
    writeChanges(tree, tree.listChanges(), "node_modules/.cache/shipyard", "test");
    expect(readFileSync(join(root, "generators/payload.bin")).equals(bytes)).toBe(true);
    // The same copy again is no change.
    const again = new Tree(root);
    again.copy("generators/payload.bin", source);
    expect(again.listChanges()).toEqual([]);
  });
});
