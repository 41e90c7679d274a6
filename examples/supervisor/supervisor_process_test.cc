// The Supervisor with real children on an EpollReactor: the flaky worker
// fails twice, is restarted, and succeeds; no child or descriptor is left.
#include <dirent.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/examples/supervisor/flaky_worker.h"
#include "standin/examples/supervisor/supervisor.h"
#include "standin/process/process.h"
#include "standin/process/process_spawner.h"
#include "standin/testutil/process_matchers.h"
#include "standin/transport/epoll_reactor.h"

namespace standin::examples {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> Containing(const std::vector<std::string>& lines,
                                    std::string_view part) {
  std::vector<std::string> out;
  for (const std::string& line : lines) {
    if (line.find(part) != std::string::npos) out.push_back(line);
  }
  return out;
}

TEST(SupervisorProcessTest, RestartsTheFlakyWorkerUntilItSucceeds) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir =
      std::string(tmp != nullptr ? tmp : "/tmp") + "/supervisor_test.XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  const std::string counter = dir + "/attempts";

  EpollReactor reactor;
  std::vector<std::string> lines;
  RealProcessSpawner spawner(&reactor);
  Supervisor supervisor(
      &reactor, &spawner,
      {.name = "flaky",
       .child = FlakyWorkerOptions(counter),
       .max_restarts = 3,
       .restart_delay = absl::Milliseconds(10)},
      [&](std::string_view line) { lines.emplace_back(line); });
  supervisor.Start();
  const absl::Time deadline = reactor.Now() + absl::Seconds(60);
  while (!supervisor.finished() && reactor.Now() < deadline) {
    ASSERT_TRUE(reactor.RunOnce(absl::Seconds(1)).ok());
  }
  ASSERT_EQ(supervisor.state(), Supervisor::State::kSucceeded);
  EXPECT_EQ(supervisor.restarts(), 2);
  EXPECT_THAT(supervisor.last_status(), testutil::ExitedWithCode(0));
  // stdout and stderr are separate pipes, so only each one's order is fixed.
  EXPECT_THAT(Containing(lines, "out:"),
              ElementsAre("[flaky] out: attempt 1 starting",
                          "[flaky] out: attempt 2 starting",
                          "[flaky] out: attempt 3 starting",
                          "[flaky] out: attempt 3 succeeded"));
  EXPECT_THAT(Containing(lines, "err:"),
              ElementsAre("[flaky] err: attempt 1 failed",
                          "[flaky] err: attempt 2 failed"));
  EXPECT_THAT(Containing(lines, "exited"),
              ElementsAre("[flaky] exited with code 1; restart 1 of 3 in 10ms",
                          "[flaky] exited with code 2; restart 2 of 3 in 10ms",
                          "[flaky] exited with code 0; done"));
  ::unlink(counter.c_str());
  ::rmdir(dir.c_str());
  int status;
  EXPECT_EQ(::waitpid(-1, &status, WNOHANG), -1);
}

}  // namespace
}  // namespace standin::examples
