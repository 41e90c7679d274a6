#!/usr/bin/env bash
# Runs a demo binary and checks that it succeeds and prints its transcript.
set -euo pipefail
output="$("$1")"
echo "$output"
grep -q 'S< +BYE' <<<"$output"
grep -q 'over real TCP' <<<"$output"
