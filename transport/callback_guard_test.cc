#include "standin/transport/callback_guard.h"

#include <stdexcept>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace standin {
namespace {

TEST(CallbackGuardTest, PassesTheStatusThrough) {
  CallbackGuard guard("test");
  EXPECT_TRUE(guard.Call("DoRead", [] { return absl::OkStatus(); }).ok());
  EXPECT_EQ(guard.Call("DoRead", [] { return absl::DataLossError("x"); }),
            absl::DataLossError("x"));
  EXPECT_EQ(guard.unhandled_errors(), 0u);
}

TEST(CallbackGuardTest, TurnsAnExceptionIntoAnInternalStatusAndCountsIt) {
  CallbackGuard guard("test");
  absl::Status status = guard.Call(
      "DoRead", []() -> absl::Status { throw std::runtime_error("boom"); });
  EXPECT_EQ(status, absl::InternalError("DoRead threw: boom"));
  EXPECT_EQ(guard.Call("DoWrite", []() -> absl::Status { throw 7; }),
            absl::InternalError("DoWrite threw"));
  guard.Run("timed call", [] { throw std::logic_error("late"); });
  guard.Run("timed call", [] {});
  guard.Report("epoll_ctl failed");
  EXPECT_EQ(guard.unhandled_errors(), 4u);
}

}  // namespace
}  // namespace standin
