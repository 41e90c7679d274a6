#!/usr/bin/env bash
# check_test_tags.sh: every test that needs root, /dev/net/tun or a network
# namespace is tagged "requires-net-admin" and "no-remote-exec", and no other
# test is. CI runs it (.ci/run) after the tests, so a new real-device test
# cannot land untagged and a hermetic one cannot be filtered out by mistake.
#
#   tools/check_test_tags.sh    # from anywhere in the repository
#
# A test needs the privilege when a test-side source it builds from or runs
# (its own sources, a testonly library such as //testutil:private_network,
# a binary in its data) uses one of the facilities below, outside comments.
# Production libraries only offer the facility (//tuntap:real_io_system opens
# /dev/net/tun when asked to), so their own sources do not count: a test that
# really drives the kernel names RealIoSystem or the namespace itself.
# Bazel's query gives the dependency graph, through macros and data, exactly
# as the build sees it.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly TAGS=(requires-net-admin no-remote-exec)
# unshare(2), the TUN/TAP clone device, testutil's private namespace, and a
# RealIoSystem object (a pointer to one, as in a dynamic_cast, opens nothing).
readonly FACILITIES='\bunshare\s*\(|CLONE_NEWNET|/dev/net/tun|EnterPrivateNetworkNamespace|private_network\.h|\bip\s+netns\b|\bRealIoSystem\b(?!\s*\*)'

bazel_query() { bazel query --noshow_progress --output=label "$1" 2>/dev/null; }

# Source files (C++ and shell) using a facility, comments stripped.
users=()
while IFS= read -r file; do
  if sed -e 's#//.*##' -e 's/^\s*#[^!i].*//' "$file" | grep -qP "$FACILITIES"; then
    users+=("$file")
  fi
done < <(git ls-files '*.cc' '*.h' '*.sh' | grep -vE '^(examples/consumer|tools)/')

production='attr(testonly, 0, kind(cc_library, //...))'
used="set(${users[*]:-}) except labels(srcs, $production) except labels(hdrs, $production)"
needing=()
if ((${#users[@]})); then
  mapfile -t needing < <(bazel_query "tests(//...) intersect rdeps(//..., $used)" | sort)
fi
mapfile -t tagged < <(bazel_query "attr(tags, '\\b${TAGS[0]}\\b', tests(//...)) \
  intersect attr(tags, '\\b${TAGS[1]}\\b', tests(//...))" | sort)
mapfile -t tagged_any < <(bazel_query "attr(tags, '\\b(${TAGS[0]}|${TAGS[1]})\\b', \
  tests(//...))" | sort)

bad=0
# Needs the privilege but lacks a tag: say which file makes it so.
while IFS= read -r test; do
  [[ -z "$test" ]] && continue
  why=$(bazel_query "somepath($test, $used)" | tail -1)
  echo "check_test_tags: $test needs root/TUN/a netns (via ${why}) but lacks tags = [\"${TAGS[0]}\", \"${TAGS[1]}\"]"
  bad=$((bad + 1))
done < <(comm -23 <(printf '%s\n' "${needing[@]}") <(printf '%s\n' "${tagged[@]}"))
# Tagged but hermetic: it would be skipped for nothing.
while IFS= read -r test; do
  [[ -z "$test" ]] && continue
  echo "check_test_tags: $test is hermetic but tagged ${TAGS[0]}/${TAGS[1]}; drop the tags"
  bad=$((bad + 1))
done < <(comm -13 <(printf '%s\n' "${needing[@]}") <(printf '%s\n' "${tagged_any[@]}"))

echo "check_test_tags: ${#needing[@]} tests need root/TUN/a netns, ${bad} problems"
((bad == 0))
