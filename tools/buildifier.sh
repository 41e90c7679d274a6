#!/usr/bin/env bash
# buildifier.sh: runs buildifier, the formatter and linter for BUILD, .bzl,
# WORKSPACE and MODULE.bazel files, at a pinned version.
#
#   tools/buildifier.sh --mode=check --lint=warn -r .   # report, change nothing
#   tools/buildifier.sh --lint=fix -r .                 # rewrite in place
#   tools/buildifier.sh                                 # = the first line
#
# Buildifier ships as prebuilt binaries inside the npm package
# @bazel/buildifier; the first run installs that package (npm from the
# registry, nothing else downloaded) into a cache outside the repository,
# checks the binary's SHA-256 and reuses it afterwards. Arguments are passed
# to buildifier unchanged; paths are relative to the current directory.
# Set STANDIN_TOOLS_CACHE to put the cache elsewhere.
set -euo pipefail

version=8.2.1
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64)
    platform=linux_amd64
    sha256=6ceb7b0ab7cf66fceccc56a027d21d9cc557a7f34af37d2101edb56b92fcfa1a
    ;;
  Linux-aarch64 | Linux-arm64)
    platform=linux_arm64
    sha256=3baa1cf7eb41d51f462fdd1fff3a6a4d81d757275d05b2dd5f48671284e9a1a5
    ;;
  *)
    echo "buildifier.sh: no pinned buildifier for $(uname -s) $(uname -m)" >&2
    exit 1
    ;;
esac

cache="${STANDIN_TOOLS_CACHE:-/tmp/standin-tools}/buildifier-${version}"
binary="${cache}/node_modules/@bazel/buildifier/buildifier-${platform}"

verified() {
  [[ -x "$binary" ]] &&
    [[ "$(sha256sum "$binary" | cut -d' ' -f1)" == "$sha256" ]]
}

if ! verified; then
  if ! command -v npm >/dev/null; then
    echo "buildifier.sh: npm is needed to install @bazel/buildifier@${version}" >&2
    echo "  (Debian: apt-get install -y npm)" >&2
    exit 1
  fi
  echo "buildifier.sh: installing @bazel/buildifier@${version} into ${cache}" >&2
  # Install beside the cache and move it into place, so an interrupted run
  # never leaves a half-installed cache behind.
  mkdir -p "$(dirname "$cache")"
  staging="$(mktemp -d "${cache}.XXXXXX")"
  trap 'rm -rf "$staging"' EXIT
  npm install --prefix "$staging" --no-save --no-audit --no-fund \
    --ignore-scripts --loglevel=error "@bazel/buildifier@${version}" >&2
  rm -rf "$cache"
  mv "$staging" "$cache"
  trap - EXIT
  if ! verified; then
    echo "buildifier.sh: ${binary} does not have the pinned SHA-256 ${sha256}" >&2
    exit 1
  fi
fi

if (($# == 0)); then
  set -- --mode=check --lint=warn -r .
fi
exec "$binary" "$@"
