#!/usr/bin/env bash
# The whole test suite, as CI runs it: set-up, then one vitest run over the generator's unit tests and the
# end-to-end tests (which build images, run workflows and start their own servers), then one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh || { echo "set-up failed"; echo "0 passed, 1 failed"; exit 1; }
npm run build --silent -w create-shipyard

report=$(mktemp)
npx vitest run --config test/vitest.config.ts --reporter=default --reporter=json --outputFile.json="$report" "$@"
status=$?
# Image builds leave untagged intermediate stages behind; drop them so repeated runs do not fill the disk.
CONTAINERS_CONF=/etc/shipyard/containers.conf podman image prune --force >/dev/null 2>&1 || true
# A file whose set-up (beforeAll) fails has no failed test of its own, only skipped ones: count it as a failure.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const brokenFiles = r.testResults.filter((file) => file.status === "failed" && !file.assertionResults.some((test) => test.status === "failed")).length;
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$report" || echo "0 passed, 1 failed"
exit $status
