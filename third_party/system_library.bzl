"""Repository rules that wrap Debian's system libraries and the offline shims.

Bazel 4.2.3 from Debian has no network here, so nothing is downloaded: the
headers live in /usr/include (already on the toolchain's builtin include path)
and the libraries in the multiarch lib directory. Each repository below only
writes BUILD files whose targets carry the right link flags, under the labels
the upstream projects use, so a consumer can swap in the real repositories.
"""

_LIBDIR = "/usr/lib/x86_64-linux-gnu"

def _debian_library_impl(ctx):
    ctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % ctx.name)
    ctx.symlink(ctx.attr.build_file, "BUILD.bazel")
    for header in ctx.attr.required_headers:
        if not ctx.path(header).exists:
            fail("standin: %s is missing; install it with: apt-get install %s" %
                 (header, ctx.attr.debian_package))

debian_library = repository_rule(
    implementation = _debian_library_impl,
    attrs = {
        "build_file": attr.label(allow_single_file = True),
        "required_headers": attr.string_list(),
        "debian_package": attr.string(),
    },
    local = True,
)

# Every public Abseil package we (or a consumer) may name, with its targets.
# All of them alias one library that links every libabsl_*.so.
_ABSL_PACKAGES = {
    "absl/algorithm": ["algorithm", "container"],
    "absl/base": ["base", "core_headers", "config", "log_severity"],
    "absl/cleanup": ["cleanup"],
    "absl/container": [
        "btree",
        "fixed_array",
        "flat_hash_map",
        "flat_hash_set",
        "inlined_vector",
        "node_hash_map",
        "node_hash_set",
    ],
    "absl/functional": ["any_invocable", "bind_front", "function_ref"],
    "absl/hash": ["hash"],
    "absl/memory": ["memory"],
    "absl/meta": ["type_traits"],
    "absl/numeric": ["bits", "int128"],
    "absl/random": ["random", "distributions", "bit_gen_ref"],
    "absl/status": ["status", "statusor"],
    "absl/strings": ["strings", "str_format", "cord"],
    "absl/synchronization": ["synchronization"],
    "absl/time": ["time"],
    "absl/types": ["any", "optional", "span", "variant"],
    "absl/utility": ["utility"],
}

def _debian_abseil_impl(ctx):
    ctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % ctx.name)
    if not ctx.path("/usr/include/absl/status/status.h").exists:
        fail("standin: Abseil is missing; install it with: apt-get install libabsl-dev")
    libs = sorted([
        f.basename[len("lib"):-len(".so")]
        for f in ctx.path(_LIBDIR).readdir()
        if f.basename.startswith("libabsl_") and f.basename.endswith(".so")
    ])

    # Not --as-needed: with Bazel's dynamic test linking the references come
    # from our own shared objects, which the final link cannot see.
    linkopts = ["-l" + lib for lib in libs]
    ctx.file("BUILD.bazel", """# Generated: Debian's libabsl-dev as one library.
cc_library(
    name = "absl",
    linkopts = {linkopts},
    visibility = ["//visibility:public"],
)
""".format(linkopts = repr(linkopts)))
    for package, targets in _ABSL_PACKAGES.items():
        body = "# Generated: aliases onto //:absl.\n"
        for target in targets:
            body += "alias(name = \"%s\", actual = \"//:absl\", visibility = [\"//visibility:public\"])\n" % target
        ctx.file(package + "/BUILD.bazel", body)

debian_abseil = repository_rule(
    implementation = _debian_abseil_impl,
    local = True,
)

def _source_shim_impl(ctx):
    # Copies (symlinks) a shim directory that ships inside this repository, so
    # consumers get it without knowing where standin is checked out.
    root = ctx.path(ctx.attr.anchor).dirname
    shim = root.get_child("third_party").get_child(ctx.attr.shim)
    for child in shim.readdir():
        ctx.symlink(child, child.basename)

source_shim = repository_rule(
    implementation = _source_shim_impl,
    attrs = {
        "anchor": attr.label(allow_single_file = True),
        "shim": attr.string(),
    },
    local = True,
)
