"""standin_library(), standin_test(), standin_demo(), standin_benchmark(): the shapes of standin's targets.

    standin_library(name = "stream_connection", deps = [...])

is <package>/stream_connection.h with <package>/stream_connection.cc,
included as "standin/<package>/stream_connection.h" by everyone, inside the
package or not. The include prefix comes from the package, so a consumer that
depends on @standin//transport:stream_connection writes the same #include line
as standin's own code.

Every such library is public (consumers and other packages' tests depend on
them), except in an internal/ package: there the BUILD file's
package(default_visibility = ["//<pkg>:__subpackages__"]) applies.

    standin_test(name = "stream_connection_test", deps = [...])

is the cc_test of <package>/stream_connection_test.cc, small unless it says
otherwise (Bazel warns when a test's size is too big for what it measured;
--test_verbose_timeout_warnings shows it).

    standin_demo(name = "kv_demo", srcs = ["kv_demo.cc"], deps = [...])

is the demo binary and kv_demo_test, which runs it through the package's
run_demo_test.sh (that checks its transcript).

    standin_benchmark(name = "stack_benchmark", deps = [...])

is the testonly Google Benchmark binary of <package>/stack_benchmark.cc.
"""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_library", "cc_test")
load("@rules_shell//shell:sh_test.bzl", "sh_test")

# The tags of a test that needs root, /dev/net/tun or a network namespace:
# a remote executor can route or skip it, and
# --test_tag_filters=-requires-net-admin leaves it out on a machine without
# the privilege (tools/check_test_tags.sh keeps them on exactly those tests).
REQUIRES_NET_ADMIN = [
    "no-remote-exec",
    "requires-net-admin",
]

def standin_library(name, deps = [], header_only = False, extra_srcs = [], **kwargs):
    """The library of `name`.h (and `name`.cc).

    Args:
      name: the header's base name, which is also the target's.
      deps: as for cc_library.
      header_only: there is no `name`.cc.
      extra_srcs: more .cc files of the same header, when one would grow too
        long.
      **kwargs: any other cc_library attribute (testonly, alwayslink, ...).
        A `visibility` given here wins over the default above.
    """
    if "visibility" not in kwargs and "internal" not in native.package_name().split("/"):
        kwargs["visibility"] = ["//visibility:public"]
    cc_library(
        name = name,
        srcs = ([] if header_only else [name + ".cc"]) + extra_srcs,
        hdrs = [name + ".h"],
        include_prefix = "standin/" + native.package_name(),
        deps = deps,
        **kwargs
    )

def standin_test(name, deps, size = "small", **kwargs):
    """The test in `name`.cc.

    Args:
      name: the test file's base name, which is also the target's.
      deps: as for cc_test (the test's main, gtest_main or its own, included).
      size: as for cc_test; most of standin's tests are small.
      **kwargs: any other cc_test attribute (args, data, tags, ...).
    """
    cc_test(
        name = name,
        size = size,
        srcs = [name + ".cc"],
        deps = deps,
        **kwargs
    )

def standin_demo(name, srcs, deps, test_tags = [], **kwargs):
    """A demo binary, and `name`_test that runs it to completion.

    Every demo is also a test (run through run_demo_test.sh, which gets the
    demo's path as $1), so the README's demos cannot rot.

    Args:
      name: the binary's name (`bazel run //pkg:name`).
      srcs: the binary's sources.
      deps: as for cc_binary.
      test_tags: tags for the test only (e.g. requires-net-admin).
      **kwargs: any other attribute of both (testonly, ...).
    """
    cc_binary(
        name = name,
        srcs = srcs,
        deps = deps,
        **kwargs
    )
    sh_test(
        name = name + "_test",
        size = "small",
        srcs = ["run_demo_test.sh"],
        args = ["$(location :%s)" % name],
        data = [":" + name],
        tags = test_tags,
        **kwargs
    )

def standin_benchmark(name, deps = [], **kwargs):
    """The Google Benchmark binary of `name`.cc, run with `bazel run`.

    testonly, like the tests: benchmarks may link testutil (a clock, a
    MemoryReactor), and nothing in production depends on them.

    Args:
      name: the source's base name, which is also the target's.
      deps: as for cc_binary; benchmark_main is added.
      **kwargs: any other cc_binary attribute (linkopts, ...).
    """
    cc_binary(
        name = name,
        testonly = True,
        srcs = [name + ".cc"],
        deps = deps + ["@com_github_google_benchmark//:benchmark_main"],
        **kwargs
    )
