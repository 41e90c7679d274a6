"""conformance_suite(): the library of one conformance suite.

Every suite in testutil/ is a value-parameterised gtest suite over
HarnessFactory<Harness> (harness_factory.h): `<name>.h` declares the harness
interface and the fixture, `<name>.cc` holds the TEST_Ps, and each
implementation's own test instantiates it. The TEST_Ps register at
static-initialisation time, so the library is alwayslink; like all test
support it is testonly.
"""

def conformance_suite(name, deps, parts = []):
    """`parts`: more .cc files of the suite, when one would grow too long."""
    native.cc_library(
        name = name,
        testonly = True,
        srcs = [name + ".cc"] + parts,
        hdrs = [name + ".h"],
        include_prefix = "standin/testutil",
        alwayslink = True,
        deps = deps + [
            ":harness_factory",
            "@com_google_googletest//:gtest",
        ],
    )
