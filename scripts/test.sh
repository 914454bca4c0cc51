#!/usr/bin/env bash
# Builds everything and runs the whole test suite; ends with the line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
# --blame: a rare test-host crash (native, under libtorch; README "Native lifetimes") is then reported with the tests
# that were running (and their order in TestResults/*/Sequence_*.xml), not only as "Test host process crashed". No
# dump: even a mini dump of a host with libtorch loaded is ~770 MB.
dotnet test Flam.slnx -c Release --logger "console;verbosity=normal" --blame 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
# Formatting and code style as .editorconfig states them (the build already enforces the analyzers).
for check in whitespace style; do
  if ! dotnet format Flam.slnx "$check" --verify-no-changes --no-restore; then
    echo "dotnet format $check: files differ from .editorconfig (run: dotnet format Flam.slnx $check)"
    failed=$((failed + 1)); status=1
  fi
done
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
