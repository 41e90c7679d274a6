"""standin_library(): the cc_library of one standin header.

    standin_library(name = "stream_connection", deps = [...])

is <package>/stream_connection.h with <package>/stream_connection.cc,
included as "standin/<package>/stream_connection.h" by everyone, inside the
package or not. The include prefix comes from the package, so a consumer that
depends on @standin//transport:stream_connection writes the same #include line
as standin's own code.

Every such library is public (consumers and other packages' tests depend on
them), except in an internal/ package: there the BUILD file's
package(default_visibility = ["//<pkg>:__subpackages__"]) applies.
"""

load("@rules_cc//cc:defs.bzl", "cc_library")

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
