#!/usr/bin/env bash
# mutants.sh -- shows that the Check suites of src/ catch every deliberately wrong implementation
# of tests/mutants.c: for each mutant, runs all suites with DP_MUTANT=name and requires that they
# fail, and that the test case the table names is among the failing ones.
# Usage: bash tests/mutants.sh [path/to/check_src]   (default: build/tests/check_src)
set -u

bin=${1:-build/tests/check_src}
if [ ! -x "$bin" ]; then
    echo "mutants.sh: no executable $bin (build it first: make)" >&2
    exit 2
fi

# Every suite, forked (a mutant may crash or loop: Check reports that as an error of its test),
# with Check's usual report: one "file:line:F|E:tcase:test:iteration: message" line per failure.
unset CK_RUN_SUITE CK_RUN_CASE CK_INCLUDE_TAGS CK_EXCLUDE_TAGS
export CK_FORK=yes CK_VERBOSITY=normal

list=$("$bin" --list-mutants) || { echo "mutants.sh: $bin --list-mutants failed" >&2; exit 2; }
passed=0
failed=0
while read -r name tcase; do
    [ -n "$name" ] || continue
    out=$(DP_MUTANT=$name "$bin" 2>&1 </dev/null)
    rc=$?
    failing=$(printf '%s\n' "$out" | awk -F: '$3 == "F" || $3 == "E" { print $4 }' | sort -u |
              tr '\n' ' ')
    failing=${failing% }
    if [ "$rc" -eq 0 ]; then
        echo "$name: NOT CAUGHT (every test passes; expected $tcase to fail)"
        failed=$((failed + 1))
    elif [ "$rc" -ne 1 ]; then
        echo "$name: ERROR (check_src exited with status $rc)"
        printf '%s\n' "$out" | tail -n 3 | sed 's/^/    /'
        failed=$((failed + 1))
    elif [[ " $failing " != *" $tcase "* ]]; then
        echo "$name: NOT CAUGHT by $tcase (failing: ${failing:-none})"
        failed=$((failed + 1))
    else
        echo "$name: caught by $failing"
        passed=$((passed + 1))
    fi
done <<EOF
$list
EOF

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
