#include "standin/process/fake_process_spawner.h"

#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/process/process_spawner.h"
#include "standin/process/process_status.h"
#include "standin/testutil/process_recorder.h"
#include "standin/transport/epoll_reactor.h"

namespace standin {
namespace {

using ::testing::ElementsAre;
using testutil::ProcessRecorder;

TEST(FakeProcessSpawnerTest, RecordsCallsAndHandsOutConnectedFakes) {
  FakeProcessSpawner spawner;
  ProcessRecorder recorder;
  Process::Options options{.argv = {"make", "all"}, .cwd = "/src"};
  options.child_fds[3] = ChildFdKind::kFromChild;
  auto child = spawner.Spawn(&recorder, options);
  ASSERT_TRUE(child.ok());
  ASSERT_EQ(spawner.calls().size(), 1u);
  const FakeProcessSpawner::Call& call = spawner.calls()[0];
  EXPECT_EQ(call.protocol, &recorder);
  EXPECT_THAT(call.options.argv, ElementsAre("make", "all"));
  EXPECT_EQ(call.options.cwd, "/src");
  EXPECT_EQ(call.transport, child->get());
  EXPECT_EQ(spawner.last(), child->get());
  EXPECT_EQ(recorder.transport(), child->get());
  // The fake has the requested fds: fd 3 can be written by the script.
  spawner.last()->ChildWrites(3, "three");
  spawner.last()->ChildExits(0);
  EXPECT_EQ(recorder.data(3), "three");
  EXPECT_TRUE(IsProcessDone(*recorder.ended()));
}

TEST(FakeProcessSpawnerTest, FailuresAreQueued) {
  FakeProcessSpawner spawner;
  spawner.FailNextSpawn(absl::NotFoundError("no make"));
  ProcessRecorder recorder;
  auto failed = spawner.Spawn(&recorder, {.argv = {"make"}});
  EXPECT_EQ(failed.status(), absl::NotFoundError("no make"));
  EXPECT_EQ(spawner.calls().back().transport, nullptr);
  EXPECT_TRUE(recorder.calls().empty());
  auto child = spawner.Spawn(&recorder, {.argv = {"make"}});
  EXPECT_TRUE(child.ok());
  EXPECT_EQ(spawner.calls().size(), 2u);
}

TEST(FakeProcessSpawnerTest, TransportOptionsApplyToEveryFake) {
  FakeProcessTransport::Options options;
  options.pid = 77;
  options.signals_end_child = true;
  FakeProcessSpawner spawner(options);
  ProcessRecorder recorder;
  auto child = spawner.Spawn(&recorder, {.argv = {"x"}});
  ASSERT_TRUE(child.ok());
  EXPECT_EQ((*child)->pid(), 77);
  ASSERT_TRUE((*child)->SignalProcess("TERM").ok());
  EXPECT_EQ(SignalOf(*recorder.ended()), SIGTERM);
}

TEST(RealProcessSpawnerTest, SpawnsARealChild) {
  EpollReactor reactor;
  RealProcessSpawner spawner(&reactor);
  ProcessRecorder recorder;
  auto child =
      spawner.Spawn(&recorder, {.argv = {"/bin/sh", "-c", "echo real"}});
  ASSERT_TRUE(child.ok()) << child.status();
  while (!recorder.ended().has_value()) {
    ASSERT_TRUE(reactor.RunOnce(absl::Seconds(1)).ok());
  }
  EXPECT_EQ(recorder.out(), "real\n");
  EXPECT_EQ(spawner.Spawn(&recorder, {.argv = {"/no/such"}}).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace standin
