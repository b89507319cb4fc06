/** Blocks the (single-threaded) process for `ms`: waiting for a lock, where there is nothing else to do. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Test hook: SHIPYARD_TEST_PAUSE_AT=<point> makes the process say `paused at <point>` on stderr and stop there for
 * 30 s, so a test can kill it (or race it) at exactly that point. Points: `locked` (the repository lock taken),
 * `staged` (every new file staged, nothing changed yet), `journaled`, `swapped:N` (N files moved into place),
 * `committed` (everything in place, the journal not yet removed).
 */
export function pauseForTests(point: string): void {
  if (process.env.SHIPYARD_TEST_PAUSE_AT !== point) return;
  process.stderr.write(`paused at ${point}\n`);
  sleepSync(30_000);
}
