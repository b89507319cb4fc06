#!/usr/bin/env bash
# The whole test suite, as CI runs it: set-up, then one vitest run over the generator's unit tests and the
# end-to-end tests (which build images, run workflows and start their own servers), then one summary line.
#
# It runs against a pristine clone of the committed HEAD, never the caller's working tree: a service scaffolded
# by the README's main job, a stale lockfile or an edit in progress cannot change the result (commit to test a
# change). The clone is kept in $SHIPYARD_SUITE_DIR (default: $TMPDIR/shipyard-suite) and reset to HEAD on every
# run, git-ignored files included, except the test tools' installed node_modules (stamped by scripts/setup/tools.sh).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

summary_failed() { echo "$1"; echo "0 passed, 1 failed"; exit 1; }

suite="${SHIPYARD_SUITE_DIR:-${TMPDIR:-/tmp}/shipyard-suite}"
head="$(git -C "$root" rev-parse HEAD)" || summary_failed "not a git checkout with a commit: $root"
mkdir -p "$suite" || summary_failed "cannot create $suite"
# One suite at a time in this clone.
exec 9>"$suite.lock"
flock 9
{
  [ -d "$suite/.git" ] || git init --quiet "$suite"
  git -C "$suite" fetch --quiet --no-tags "$root" HEAD
  git -C "$suite" checkout --quiet --force --detach FETCH_HEAD
  git -C "$suite" clean -ffdxq -e '/scripts/tools/*/node_modules/'
} || summary_failed "could not make a clean copy of $head in $suite"
if [ -n "$(git -C "$root" status --porcelain --untracked-files=normal)" ]; then
  echo "note: testing the committed HEAD ($(git -C "$root" rev-parse --short HEAD)); uncommitted changes in $root are not included"
fi
cd "$suite" || exit 1

bash scripts/setup.sh || summary_failed "set-up failed"
npm run build --silent -w create-shipyard

report=$(mktemp)
npx vitest run --config test/vitest.config.ts --reporter=default --reporter=json --outputFile.json="$report" "$@"
status=$?
# Image builds leave untagged intermediate stages behind; drop them so repeated runs do not fill the disk.
CONTAINERS_CONF=/etc/shipyard/containers.conf podman image prune --force >/dev/null 2>&1 || true
# A file whose set-up (beforeAll) fails has no failed test of its own, only skipped ones: count it as a failure.
# shellcheck disable=SC2016 # the JavaScript is single-quoted on purpose
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const brokenFiles = r.testResults.filter((file) => file.status === "failed" && !file.assertionResults.some((test) => test.status === "failed")).length;
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$report" || echo "0 passed, 1 failed"
rm -f "$report"
exit $status
