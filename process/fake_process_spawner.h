// FakeProcessSpawner: a ProcessSpawner that records each Spawn() and hands
// out FakeProcessTransports (Twisted's MemoryProcessReactor), so a test can
// check what would have been run and then play each child.
//
// Each fake gets the requested child_fds, so the script can write only to
// fds the real child would have. The caller owns the transports it gets;
// the spawner keeps raw pointers for the test (valid while the caller keeps
// them).
//
// Example:
//
//   standin::FakeProcessSpawner spawner;
//   Runner runner(&spawner);               // code under test
//   ASSERT_TRUE(runner.Run(&protocol).ok());
//   ASSERT_EQ(spawner.calls().size(), 1u);
//   EXPECT_THAT(spawner.calls()[0].options.argv, ElementsAre("make", "all"));
//   spawner.last()->ChildWrites(1, "done\n");
//   spawner.last()->ChildExits(0);
//   spawner.FailNextSpawn(absl::NotFoundError("no make"));  // next one fails
#ifndef STANDIN_PROCESS_FAKE_PROCESS_SPAWNER_H_
#define STANDIN_PROCESS_FAKE_PROCESS_SPAWNER_H_

#include <deque>
#include <memory>
#include <ostream>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "standin/process/fake_process_transport.h"
#include "standin/process/process.h"
#include "standin/process/process_spawner.h"

namespace standin {

class FakeProcessSpawner : public ProcessSpawner {
 public:
  // One Spawn() call as made.
  struct Call {
    ProcessProtocol* protocol = nullptr;
    Process::Options options;
    // The fake handed out; null when the call failed.
    FakeProcessTransport* transport = nullptr;

    // "Call{Process::Options{...}, spawned}" ("failed" when it did).
    friend void PrintTo(const Call& call, std::ostream* os) {
      *os << "Call{";
      PrintTo(call.options, os);
      *os << (call.transport != nullptr ? ", spawned}" : ", failed}");
    }
  };

  // `transport_options` configures every fake (pid, signals_end_child...);
  // its child_fds are replaced by each call's.
  explicit FakeProcessSpawner(
      FakeProcessTransport::Options transport_options = {})
      : transport_options_(std::move(transport_options)) {}

  absl::StatusOr<std::unique_ptr<ProcessTransport>> Spawn(
      ProcessProtocol* protocol, Process::Options options) override;

  // The next Spawn() returns `error` instead of a child (queued in order).
  void FailNextSpawn(absl::Status error) {
    failures_.push_back(std::move(error));
  }
  const std::vector<Call>& calls() const { return calls_; }
  // The most recent fake handed out, or null.
  FakeProcessTransport* last() const { return last_; }

 private:
  FakeProcessTransport::Options transport_options_;
  std::deque<absl::Status> failures_;
  std::vector<Call> calls_;
  FakeProcessTransport* last_ = nullptr;
};

}  // namespace standin

#endif  // STANDIN_PROCESS_FAKE_PROCESS_SPAWNER_H_
