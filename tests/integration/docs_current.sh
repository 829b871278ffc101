#!/usr/bin/env bash
# docs_current.sh - docs/metrics.md is exactly what the field table generates.
set -u
. "$CTPROF_TOP/tests/lib.sh"
if diff -u "$CTPROF_TOP/docs/metrics.md" <("$CTPROF" fields) >/tmp/docs-diff.$$ 2>&1; then
	ok "docs/metrics.md matches 'ctprof fields' (run 'make docs' after changing the table)"
else
	not_ok "docs/metrics.md is stale; run 'make docs'" "$(head -20 /tmp/docs-diff.$$)"
fi
rm -f /tmp/docs-diff.$$
check_eq "the table lists 98 fields" 98 "$("$CTPROF" fields | grep -c '^| [0-9]')"
