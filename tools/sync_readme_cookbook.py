#!/usr/bin/env python3
"""Rewrites README.md's Cookbook blocks from examples/cookbook/ (the files are
the truth; //examples/cookbook:readme_sync_test fails when the two drift).

The n-th ```cpp block whose first line is "// examples/cookbook/<file>" gets
the n-th region between "// [START cookbook]" and "// [END cookbook]" of that
file.
Run from the repository root: tools/sync_readme_cookbook.py
"""
import re
import sys


def regions(path):
    """Every cookbook region of `path`, in order."""
    out, current = [], None
    for line in open(path).read().split("\n"):
        if line == "// [START cookbook]":
            current = []
        elif line == "// [END cookbook]":
            out.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    return out


def main():
    readme = open("README.md").read()

    used = {}  # file -> regions handed out so far

    def replace(match):
        path = match.group(1)
        index = used.get(path, 0)
        used[path] = index + 1
        return "```cpp\n// %s\n%s\n```" % (path, regions(path)[index])

    updated = re.sub(r"```cpp\n// (examples/cookbook/[\w./]+)\n.*?\n```",
                     replace, readme, flags=re.S)
    if updated != readme:
        open("README.md", "w").write(updated)
        print("README.md: cookbook blocks updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
