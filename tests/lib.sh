# Shared helpers for the shell integration tests (sourced, not run).
# Each check prints "ok - NAME", "not ok - NAME" or "skip - NAME: WHY".
: "${CTPROF_BUILD:?run through tests/run.sh}"
CTPROF="$CTPROF_BUILD/ctprof"

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1${2:+: $2}"; }
skip() { echo "skip - $1: $2"; }

# check_eq NAME EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected [$2] got [$3]"; fi
}

# check_match NAME REGEX TEXT
check_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then ok "$1"; else not_ok "$1" "[$3] !~ /$2/"; fi
}
