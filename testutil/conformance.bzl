"""conformance_suite(): the library of one conformance suite.

Every suite in testutil/ is a value-parameterised gtest suite over
HarnessFactory<Harness> (harness_factory.h): `<name>.h` declares the harness
interface and the fixture, `<name>.cc` holds the TEST_Ps, and each
implementation's own test instantiates it. The TEST_Ps register at
static-initialisation time, so the library is alwayslink; like all test
support it is testonly.
"""

load("//tools:build_defs.bzl", "standin_library")

def conformance_suite(name, deps, parts = []):
    """The suite declared in `name`.h, its TEST_Ps in `name`.cc.

    Args:
      name: the suite's header base name and target.
      deps: what the suite's sources use, beyond the harness factory and gtest.
      parts: more .cc files of the suite, when one would grow too long.
    """
    standin_library(
        name = name,
        testonly = True,
        alwayslink = True,
        extra_srcs = parts,
        deps = deps + [
            ":harness_factory",
            "@com_google_googletest//:gtest",
        ],
    )
