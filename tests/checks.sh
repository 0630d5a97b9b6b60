# Sourced by the script suites (tests/install/run.sh, tests/dist/run.sh):
# each check prints one line, and `checks_done NAME` prints the tally and
# fails the suite if any check failed.

passed=0
failed=0
ok() {
  echo "  ok: $*"
  passed=$((passed + 1))
}
bad() {
  echo "  FAILED: $*"
  failed=$((failed + 1))
}
check() { # description, command...
  local what=$1
  shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}
checks_done() { # suite name
  echo "$1: took $((SECONDS - started)) s"
  echo "$1: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

# The crate's version, from Cargo.toml's [package] table.
crate_version() {
  awk -F'"' '/^\[/ { p = ($0 == "[package]") } p && /^version *=/ { print $2; exit }' Cargo.toml
}
