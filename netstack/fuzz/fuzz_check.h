// FUZZ_CHECK: an invariant check for fuzz targets that aborts with the failed
// condition, so libFuzzer (and the corpus test) reports it as a crash. Not
// assert(): it must stay on in optimised builds.
//
//   FUZZ_CHECK(packet->payload().size() <= bytes.size());
#ifndef STANDIN_NETSTACK_FUZZ_FUZZ_CHECK_H_
#define STANDIN_NETSTACK_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                          \
  do {                                                                 \
    if (!(condition)) {                                                \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, \
                   __LINE__, #condition);                              \
      std::abort();                                                    \
    }                                                                  \
  } while (0)

#endif  // STANDIN_NETSTACK_FUZZ_FUZZ_CHECK_H_
