#!/usr/bin/env bash
# docs_current.sh - docs/metrics.md is exactly what the registry generates.
set -u
. "$CTPROF_TOP/tests/lib.sh"
list=$("$CTPROF" metric-list)
if diff -u "$CTPROF_TOP/docs/metrics.md" <(printf '%s\n' "$list") >/tmp/docs-diff.$$ 2>&1; then
	ok "docs/metrics.md matches 'ctprof metric-list' (run 'make docs' after changing a table)"
else
	not_ok "docs/metrics.md is stale; run 'make docs'" "$(head -20 /tmp/docs-diff.$$)"
fi
rm -f /tmp/docs-diff.$$
check_eq "the field table lists 98 fields" 98 \
	"$(printf '%s\n' "$list" | sed -n '/^## Snapshot fields/,$p' | grep -c '^| [0-9]')"
check_eq "the registry lists 87 thread metrics" 87 \
	"$(printf '%s\n' "$list" | sed -n '/^## Per-thread/,/^## Host/p' | grep -c '^| `ctprof_')"
