// Cookbook: a child process, scripted with FakeProcessTransport and then
// spawned for real.
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/process/fake_process_transport.h"
#include "standin/process/process.h"
#include "standin/process/process_protocol.h"
#include "standin/process/process_status.h"
#include "standin/process/process_transport.h"
#include "standin/transport/epoll_reactor.h"

namespace {

// [START cookbook]
// Feeds `sort` two lines and collects what it prints.
class Sort : public standin::ProcessProtocol {
 public:
  void ConnectionMade() override {
    transport()->Write("b\na\n");
    transport()->CloseStdin();
  }
  void OutReceived(std::string_view data) override { out.append(data); }
  void ProcessEnded(const absl::Status& status) override {
    code = standin::ExitCodeOf(status);
    ended = true;
  }
  std::string out;
  std::optional<int> code;
  bool ended = false;
};

TEST(Cookbook, ChildProcessFaked) {
  Sort sort;
  standin::FakeProcessTransport child(&sort);  // ConnectionMade() runs now
  EXPECT_EQ(child.Value(), "b\na\n");          // what the child read
  EXPECT_THAT(child.closed_child_fds(), testing::ElementsAre(0));
  child.ChildWrites(1, "a\nb\n");
  child.ChildExits(0);
  EXPECT_EQ(sort.out, "a\nb\n");
  EXPECT_EQ(sort.code, 0);
}
// [END cookbook]

// [START cookbook]
TEST(Cookbook, ChildProcessReal) {
  standin::EpollReactor reactor;
  Sort sort;
  auto child = standin::Process::Spawn(&reactor, &sort, {.argv = {"sort"}});
  ASSERT_TRUE(child.ok()) << child.status();
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (!sort.ended && absl::Now() < deadline) {
    ASSERT_TRUE(reactor.RunOnce(absl::Seconds(1)).ok());
  }
  EXPECT_EQ(sort.out, "a\nb\n");
  EXPECT_EQ(sort.code, 0);
}
// [END cookbook]

}  // namespace
