"""standin_dependencies(): everything a workspace needs to build standin.

Usage in a consumer's WORKSPACE:

    local_repository(name = "standin", path = "/path/to/standin")
    load("@standin//:repositories.bzl", "standin_dependencies")
    standin_dependencies()

Repositories the consumer already declared (e.g. a real Abseil fetched with
http_archive) are left alone; the rest are wrapped from Debian's packages.
"""

load(
    "//third_party:system_library.bzl",
    "debian_abseil",
    "debian_library",
    "source_shim",
)

def _declare(name, rule, **kwargs):
    if not native.existing_rule(name):
        rule(name = name, **kwargs)

def standin_dependencies():
    """Declares every repository standin needs that the workspace lacks."""

    # Bazel 4.2.3 would download these; offline shims stand in.
    for shim in ["rules_cc", "rules_java", "rules_shell", "remote_coverage_tools"]:
        _declare(shim, source_shim, anchor = Label("//:WORKSPACE"), shim = shim)
    _declare("com_google_absl", debian_abseil)
    _declare(
        "com_google_googletest",
        debian_library,
        build_file = Label("//third_party:googletest.BUILD"),
        required_headers = ["/usr/include/gtest/gtest.h", "/usr/include/gmock/gmock.h"],
        debian_package = "libgtest-dev libgmock-dev",
    )
    _declare(
        "com_github_google_benchmark",
        debian_library,
        build_file = Label("//third_party:benchmark.BUILD"),
        required_headers = ["/usr/include/benchmark/benchmark.h"],
        debian_package = "libbenchmark-dev",
    )
