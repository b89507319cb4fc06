/**
 * The public API of @{{scope}}/{{name}}: what services import. Keep it small; everything exported here is a
 * promise to every package that depends on it.
 */

/** Formats an amount of cents as a price, e.g. 1999 -> "19.99". An example to replace with your own code. */
export function formatCents(cents: number): string {
  if (!Number.isInteger(cents)) throw new RangeError(`cents must be a whole number, got ${cents}`);
  const sign = cents < 0 ? "-" : "";
  const absolute = Math.abs(cents);
  return `${sign}${Math.floor(absolute / 100)}.${String(absolute % 100).padStart(2, "0")}`;
}
