#!/usr/bin/env bash
# Conformance check of the embedded fake Okta, judged by Okta's own and certified client
# libraries (see check.mjs). Builds the CLI, starts `okta-fixtures fake` from the root
# fixtures.yaml with fresh keys in a temporary cache folder, installs the locked npm packages
# if needed, runs check.mjs against the fake, and stops it.
#
#   conformance/run.sh        (from any folder; needs cargo, node >= 20 and npm)
#
# Prints one line per check and, last, `N passed, M failed`; exits 1 if any check failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/okta-fixtures-conformance.XXXXXX")"
fake_pid=""
passed=0
failed=0

cleanup() {
  if [[ -n "$fake_pid" ]] && kill -0 "$fake_pid" 2>/dev/null; then
    kill -TERM "$fake_pid" 2>/dev/null || true
    wait "$fake_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }
ok() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }
finish() {
  echo "$passed passed, $failed failed"
  if ((failed > 0)); then exit 1; fi
  exit 0
}

# 1. Build, and take the binary's path from cargo itself (it knows the target folder).
t0=$(now_ms)
bin="$(
  set -o pipefail
  cargo build --manifest-path "$root/Cargo.toml" -p okta-fixtures --features cli \
    --bin okta-fixtures --message-format=json-render-diagnostics |
    node -e '
      let exe = "";
      require("readline").createInterface({ input: process.stdin }).on("line", (line) => {
        const m = JSON.parse(line);
        if (m.reason === "compiler-artifact" && m.target.name === "okta-fixtures" && m.executable) exe = m.executable;
      }).on("close", () => console.log(exe));
    '
)" || bin=""
if [[ -z "$bin" || ! -x "$bin" ]]; then
  fail "build: cargo build -p okta-fixtures --features cli --bin okta-fixtures failed (see above)"
  finish
fi
echo "# built $bin in $(($(now_ms) - t0)) ms"

# 2. Start the fake; its first stdout line is the org URL. A FIFO lets `read` wait for exactly
#    that line (or for end of file, should the fake exit first) without polling.
mkfifo "$tmp/stdout"
t0=$(now_ms)
OKTA_FIXTURES_CACHE_DIR="$tmp/cache" "$bin" fake --config "$root/fixtures.yaml" --fresh-key \
  >"$tmp/stdout" 2>"$tmp/fake.log" &
fake_pid=$!
exec 3<"$tmp/stdout"
org_url=""
if ! read -r -t 120 org_url <&3 || [[ ! "$org_url" =~ ^http://127\.0\.0\.1:[0-9]+$ ]]; then
  fail "fake: start and print its org URL on stdout (got '${org_url}'); its stderr:"
  sed 's/^/#   /' "$tmp/fake.log"
  finish
fi
ok "fake: started with fresh keys and printed its org URL $org_url ($(($(now_ms) - t0)) ms)"

# 3. The locked npm packages, then the checks; their summary line is folded into ours.
if [[ ! -d "$here/node_modules" ]]; then
  echo "# npm ci"
  (cd "$here" && npm ci --no-audit --no-fund >&2)
fi
t0=$(now_ms)
summary=""
while IFS= read -r line; do
  if [[ "$line" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    summary="$line"
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
  else
    echo "$line"
  fi
done < <(node "$here/check.mjs" "$org_url" 2>&1 || true)
if [[ -z "$summary" ]]; then
  fail "check.mjs: ended without its summary line"
fi
echo "# checks took $(($(now_ms) - t0)) ms"

# 4. Stop it: SIGTERM must end it cleanly (exit 0), and its log must name no secret.
t0=$(now_ms)
kill -TERM "$fake_pid"
status=0
wait "$fake_pid" || status=$?
fake_pid=""
if [[ "$status" -eq 0 ]]; then
  ok "fake: stopped cleanly on SIGTERM (exit 0, $(($(now_ms) - t0)) ms)"
else
  fail "fake: exit status $status after SIGTERM, expected 0"
fi
leaked=""
for secret in "${OKTA_WEB_CLIENT_SECRET:-web-secret}" "${OKTA_REPORTS_SECRET:-reports-secret}" \
  "${OKTA_ALICE_PASSWORD:-correct-horse}" "${OKTA_BOB_PASSWORD:-battery-staple}"; do
  if grep -qF -- "$secret" "$tmp/fake.log"; then leaked="$leaked ${secret:0:3}…"; fi
done
if [[ -z "$leaked" ]]; then
  ok "fake: its stderr names no password or client secret ($(wc -l <"$tmp/fake.log") lines)"
else
  fail "fake: its stderr contains secrets:$leaked"
fi
finish
