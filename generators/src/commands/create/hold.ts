/**
 * Test hook for create's long steps, the asynchronous sibling of engine/pause.ts: with SHIPYARD_TEST_PAUSE_AT=<point>
 * the step says `paused at <point>` on stderr once it is under way (npm install spawned, `.git` made) and its outcome
 * waits up to 30 s, or until the run is interrupted, so a test can press Ctrl-C at exactly that point. The event loop
 * keeps running (a blocking pause would hold the signal back). Points: `install`, `git`.
 */
export function holdForTests(point: string, signal: AbortSignal): Promise<void> {
  if (process.env.SHIPYARD_TEST_PAUSE_AT !== point || signal.aborted) return Promise.resolve();
  process.stderr.write(`paused at ${point}\n`);
  return new Promise((resolveHold) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolveHold();
    };
    const timer = setTimeout(done, 30_000);
    signal.addEventListener("abort", done);
  });
}
