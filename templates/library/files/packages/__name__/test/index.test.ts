import { describe, expect, it } from "vitest";
import { formatCents } from "../src/index.ts";

describe("formatCents", () => {
  it.each([
    [1999, "19.99"],
    [5, "0.05"],
    [0, "0.00"],
    [-250, "-2.50"],
  ])("formats %i as %s", (cents, expected) => {
    expect(formatCents(cents)).toBe(expected);
  });

  it("refuses fractions of a cent", () => {
    expect(() => formatCents(1.5)).toThrow(RangeError);
  });
});
