"""fuzz_test(): a libFuzzer target that `bazel test` runs over its seed corpus.

The target `<name>` compiles `<name>.cc` (which defines LLVMFuzzerTestOneInput)
with g++ together with fuzz/corpus_main.cc, which replays every file of
fuzz/corpus/<corpus>/, its truncations and deterministic mutations.
tools/run_fuzzers.sh builds the same source with clang's -fsanitize=fuzzer for
real fuzzing.
"""

load("@rules_cc//cc:defs.bzl", "cc_test")

def fuzz_test(name, corpus, deps):
    cc_test(
        name = name,
        size = "small",
        srcs = [name + ".cc", "fuzz/corpus_main.cc"],
        args = ["netstack/fuzz/corpus/" + corpus],
        data = native.glob(["fuzz/corpus/%s/*" % corpus]),
        deps = deps + [":fuzz_check"],
    )
