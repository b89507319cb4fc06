/** Blocks the (single-threaded) process for `ms`: waiting for a lock, where there is nothing else to do. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Test hooks, inert unless one of two variables is set.
 *
 * SHIPYARD_TEST_PAUSE_AT=<point> makes the process say `paused at <point>` on stderr and stop there for 30 s, so a
 * test can kill it (or race it) at exactly that point. SHIPYARD_TEST_TRACE=1 makes it say `point <point> <ms>` at
 * every point it passes (ms since the process started): the timeline of a run, from which a test picks moments.
 *
 * Points, in the order a write passes them: `locked` (the repository lock taken), `staging:N` (N files staged),
 * `staged` (every new file staged, nothing changed yet), `journaled`, `swapped:N` (N files or folders moved into
 * place), `committed` (everything in place, the journal not yet removed), `cleaned` (journal and staging folder
 * removed), `released` (the lock file removed).
 */
export function testPointsOn(): boolean {
  return process.env.SHIPYARD_TEST_PAUSE_AT !== undefined || process.env.SHIPYARD_TEST_TRACE === "1";
}

export function pauseForTests(point: string): void {
  if (!testPointsOn()) return;
  if (process.env.SHIPYARD_TEST_TRACE === "1") process.stderr.write(`point ${point} ${performance.now().toFixed(1)}\n`);
  if (process.env.SHIPYARD_TEST_PAUSE_AT !== point) return;
  process.stderr.write(`paused at ${point}\n`);
  sleepSync(30_000);
}
