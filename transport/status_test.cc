#include "standin/transport/status.h"

#include <errno.h>

#include "gtest/gtest.h"

namespace standin {
namespace {

TEST(ErrnoStatusTest, CarriesErrnoCodeAndContext) {
  absl::Status status = ErrnoStatus(EPIPE, "write to peer");
  EXPECT_EQ(ErrnoOf(status), EPIPE);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "write to peer: Broken pipe [EPIPE]");
}

TEST(ErrnoStatusTest, EagainAndEintrStayDistinguishable) {
  absl::Status again = ErrnoStatus(EAGAIN, "read");
  absl::Status interrupted = ErrnoStatus(EINTR, "read");
  EXPECT_EQ(ErrnoOf(again), EAGAIN);
  EXPECT_EQ(ErrnoOf(interrupted), EINTR);
  EXPECT_NE(again, interrupted);
}

TEST(ErrnoStatusTest, ZeroIsOk) { EXPECT_TRUE(ErrnoStatus(0, "nothing").ok()); }

TEST(ErrnoStatusTest, PlainStatusHasNoErrno) {
  EXPECT_EQ(ErrnoOf(absl::InternalError("x")), 0);
  EXPECT_EQ(ErrnoOf(absl::OkStatus()), 0);
}

TEST(ConnectionEndingTest, DoneIsOutOfRange) {
  absl::Status done = ConnectionDone();
  EXPECT_EQ(done.code(), absl::StatusCode::kOutOfRange);
  EXPECT_TRUE(IsConnectionDone(done));
  EXPECT_FALSE(IsConnectionLost(done));
  EXPECT_FALSE(IsConnectionAborted(done));
}

TEST(ConnectionEndingTest, LostCarriesErrno) {
  absl::Status lost = ConnectionLost("read from peer", ECONNRESET);
  EXPECT_TRUE(IsConnectionLost(lost));
  EXPECT_FALSE(IsConnectionDone(lost));
  EXPECT_EQ(ErrnoOf(lost), ECONNRESET);
  EXPECT_EQ(lost.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(lost.message().find("Connection reset by peer"),
            absl::string_view::npos);
}

TEST(ConnectionEndingTest, LostWithoutErrno) {
  absl::Status lost = ConnectionLost();
  EXPECT_TRUE(IsConnectionLost(lost));
  EXPECT_EQ(ErrnoOf(lost), 0);
  EXPECT_FALSE(lost.ok());
}

TEST(ConnectionEndingTest, AbortedIsAborted) {
  absl::Status aborted = ConnectionAborted();
  EXPECT_EQ(aborted.code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(IsConnectionAborted(aborted));
  EXPECT_FALSE(IsConnectionDone(aborted));
}

TEST(ConnectionEndingTest, OrdinaryStatusesAreNoEnding) {
  EXPECT_FALSE(IsConnectionDone(absl::OutOfRangeError("eof")));
  EXPECT_FALSE(IsConnectionAborted(absl::AbortedError("x")));
  EXPECT_FALSE(IsConnectionLost(absl::OkStatus()));
}

}  // namespace
}  // namespace standin
