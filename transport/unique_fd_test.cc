#include "standin/transport/unique_fd.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <utility>

#include "gtest/gtest.h"

namespace standin {
namespace {

bool IsOpen(int fd) { return ::fcntl(fd, F_GETFD) >= 0; }

int OpenNull() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

TEST(UniqueFdTest, ClosesWhenDestroyed) {
  int raw = OpenNull();
  ASSERT_GE(raw, 0);
  {
    UniqueFd fd(raw);
    EXPECT_TRUE(fd.valid());
    EXPECT_EQ(fd.get(), raw);
    EXPECT_TRUE(IsOpen(raw));
  }
  EXPECT_FALSE(IsOpen(raw));
}

TEST(UniqueFdTest, EmptyOwnsNothing) {
  UniqueFd fd;
  EXPECT_FALSE(fd.valid());
  EXPECT_FALSE(static_cast<bool>(fd));
  EXPECT_EQ(fd.get(), -1);
  fd.reset();  // Harmless.
  EXPECT_EQ(UniqueFd(-5).release(), -5);
}

TEST(UniqueFdTest, MoveTransfersOwnership) {
  int raw = OpenNull();
  UniqueFd a(raw);
  UniqueFd b(std::move(a));
  EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): the point.
  EXPECT_EQ(b.get(), raw);
  UniqueFd c;
  c = std::move(b);
  EXPECT_EQ(c.get(), raw);
  EXPECT_TRUE(IsOpen(raw));
  c = UniqueFd();  // Move-assigning closes what was owned.
  EXPECT_FALSE(IsOpen(raw));
}

TEST(UniqueFdTest, ReleaseKeepsItOpen) {
  int raw = OpenNull();
  int released;
  {
    UniqueFd fd(raw);
    released = fd.release();
    EXPECT_FALSE(fd.valid());
  }
  EXPECT_EQ(released, raw);
  EXPECT_TRUE(IsOpen(raw));
  UniqueFd(raw).reset();
  EXPECT_FALSE(IsOpen(raw));
}

TEST(UniqueFdTest, ResetClosesTheOldAndOwnsTheNew) {
  int first = OpenNull();
  int second = OpenNull();
  UniqueFd fd(first);
  fd.reset(second);
  EXPECT_FALSE(IsOpen(first));
  EXPECT_TRUE(IsOpen(second));
  EXPECT_EQ(fd.get(), second);
  fd.reset(second);  // Resetting to the same fd keeps it.
  EXPECT_TRUE(IsOpen(second));
}

TEST(UniqueFdTest, CloseReportsTheResultAndOwnsNothing) {
  int raw = OpenNull();
  UniqueFd fd(raw);
  EXPECT_EQ(fd.Close(), 0);
  EXPECT_FALSE(fd.valid());
  EXPECT_FALSE(IsOpen(raw));
  EXPECT_EQ(fd.Close(), EBADF);  // Nothing owned.
}

TEST(UniqueFdTest, CloseReportsTheErrnoOfAFailedClose) {
  int raw = OpenNull();
  ASSERT_EQ(::close(raw), 0);  // Someone else closed it behind our back.
  UniqueFd fd(raw);
  EXPECT_EQ(fd.Close(), EBADF);
  EXPECT_FALSE(fd.valid());
}

}  // namespace
}  // namespace standin
