"""standin_library(), standin_test(), demo_test(): the shapes of standin's targets.

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

    demo_test(name = "kv_demo_test", demo = ":kv_demo")

runs the demo binary through the package's run_demo_test.sh, which checks
its transcript.
"""

load("@rules_cc//cc:defs.bzl", "cc_library", "cc_test")
load("@rules_shell//shell:sh_test.bzl", "sh_test")

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

def demo_test(name, demo, **kwargs):
    """Runs `demo` through run_demo_test.sh, which gets its path as $1.

    Args:
      name: the test's name.
      demo: the label of the demo binary.
      **kwargs: any other sh_test attribute (tags, ...).
    """
    sh_test(
        name = name,
        size = "small",
        srcs = ["run_demo_test.sh"],
        args = ["$(location %s)" % demo],
        data = [demo],
        **kwargs
    )
