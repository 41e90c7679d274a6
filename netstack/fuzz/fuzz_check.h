// FUZZ_CHECK: an invariant check for fuzz targets that aborts with the failed
// condition, so libFuzzer (and the corpus test) reports it as a crash. Not
// assert(): it must stay on in optimised builds.
//
//   FUZZ_CHECK(packet->payload().size() <= bytes.size());
#ifndef STANDIN_NETSTACK_FUZZ_FUZZ_CHECK_H_
#define STANDIN_NETSTACK_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#include "absl/status/statusor.h"
#include "standin/netstack/drop_reason.h"

#define FUZZ_CHECK(condition)                                          \
  do {                                                                 \
    if (!(condition)) {                                                \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, \
                   __LINE__, #condition);                              \
      std::abort();                                                    \
    }                                                                  \
  } while (0)

// The invariant every parser fuzzer starts with: Parse() and the
// allocation-free Check() agree on the input, and a refusal says why.
// Returns whether the input parsed.
template <typename T>
bool ParseAgreesWithCheck(const absl::StatusOr<T>& parsed,
                          standin::netstack::DropReason reason) {
  FUZZ_CHECK(parsed.ok() == (reason == standin::netstack::DropReason::kNone));
  if (!parsed.ok()) FUZZ_CHECK(!parsed.status().message().empty());
  return parsed.ok();
}

#endif  // STANDIN_NETSTACK_FUZZ_FUZZ_CHECK_H_
