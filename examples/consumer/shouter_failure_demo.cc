// A test that fails on purpose, to show what a consumer sees when an
// expectation on a standin double fails: the transport's state on one line
// and the byte diff, never a raw dump of the object. Tagged manual, so
// `bazel test //...` skips it; run it with
//
//   bazel test //:shouter_failure_demo --test_output=errors
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "shouter.h"
#include "standin/testutil/matchers.h"
#include "standin/transport/string_transport.h"

namespace {

using ::standin::testutil::HasWritten;

TEST(ShouterFailureDemo, ExpectsAnAnswerTheShouterDoesNotGive) {
  standin::StringTransport transport;
  Shouter shouter;
  shouter.MakeConnection(&transport);
  shouter.DataReceived("hello\r\n");
  // The shouter answers "HELLO\r\n"; this expects an exclamation mark.
  EXPECT_THAT(transport, HasWritten("HELLO!\r\n"));
}

}  // namespace
