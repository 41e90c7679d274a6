// ProcessRecorder: a ProcessProtocol that records every callback, in
// order, with each child fd's bytes; and CheckCallbackOrder(), which says
// whether a recorded sequence is one a real child can produce. The process
// conformance suite is built on them; tests of process code use them too.
//
// Example:
//
//   standin::testutil::ProcessRecorder recorder;
//   standin::FakeProcessTransport child(&recorder);
//   child.ChildWrites(1, "hi");
//   child.ChildExits(0);
//   EXPECT_EQ(recorder.out(), "hi");
//   EXPECT_EQ(standin::testutil::CheckCallbackOrder(recorder.calls(),
//                                                   {0, 1, 2}),
//             "");
//   EXPECT_TRUE(standin::IsProcessDone(*recorder.ended()));
#ifndef STANDIN_TESTUTIL_PROCESS_RECORDER_H_
#define STANDIN_TESTUTIL_PROCESS_RECORDER_H_

#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "standin/process/process_protocol.h"
#include "standin/transport/status.h"

namespace standin::testutil {

// A ProcessProtocol that records everything it is told, in order.
class ProcessRecorder : public ProcessProtocol {
 public:
  struct Call {
    enum class Kind { kConnectionMade, kData, kLost, kExited, kEnded };
    Kind kind;
    int fd = -1;  // kData and kLost.
    friend bool operator==(const Call&, const Call&) = default;
    // "ConnectionMade", "Data(1)", "Lost(2)", "Exited", "Ended".
    friend void PrintTo(const Call& call, std::ostream* os) {
      switch (call.kind) {
        case Kind::kConnectionMade:
          *os << "ConnectionMade";
          return;
        case Kind::kData:
          *os << "Data(" << call.fd << ")";
          return;
        case Kind::kLost:
          *os << "Lost(" << call.fd << ")";
          return;
        case Kind::kExited:
          *os << "Exited";
          return;
        case Kind::kEnded:
          *os << "Ended";
          return;
      }
    }
  };

  void ConnectionMade() override {
    calls_.push_back({Call::Kind::kConnectionMade});
    if (on_connection_made) on_connection_made();
  }
  void ChildDataReceived(int fd, std::string_view data) override {
    // Consecutive chunks on one fd are one call: how a real pipe splits
    // bytes into reads is not part of the contract.
    if (calls_.empty() || !(calls_.back() == Call{Call::Kind::kData, fd})) {
      calls_.push_back({Call::Kind::kData, fd});
    }
    data_[fd].append(data);
    if (on_data) on_data(fd, data);
  }
  void ChildConnectionLost(int fd) override {
    calls_.push_back({Call::Kind::kLost, fd});
    lost_.push_back(fd);
  }
  void ProcessExited(const absl::Status& status) override {
    calls_.push_back({Call::Kind::kExited});
    exited_ = status;
  }
  void ProcessEnded(const absl::Status& status) override {
    calls_.push_back({Call::Kind::kEnded});
    ended_ = status;
    if (on_ended) on_ended(status);
  }

  // Bytes received on `fd` so far.
  std::string data(int fd) const {
    auto it = data_.find(fd);
    return it == data_.end() ? std::string() : it->second;
  }
  std::string out() const { return data(1); }
  std::string err() const { return data(2); }
  // Fds in the order ChildConnectionLost() named them.
  const std::vector<int>& lost() const { return lost_; }
  bool has_lost(int fd) const {
    for (int f : lost_) {
      if (f == fd) return true;
    }
    return false;
  }
  const std::optional<absl::Status>& exited() const { return exited_; }
  const std::optional<absl::Status>& ended() const { return ended_; }
  const std::vector<Call>& calls() const { return calls_; }

  // One line for gtest: the calls in order, each fd's bytes, the statuses.
  friend void PrintTo(const ProcessRecorder& recorder, std::ostream* os) {
    *os << "ProcessRecorder{calls [";
    for (size_t i = 0; i < recorder.calls_.size(); ++i) {
      *os << (i == 0 ? "" : ", ");
      PrintTo(recorder.calls_[i], os);
    }
    *os << "]";
    for (const auto& [fd, bytes] : recorder.data_) {
      *os << "; fd " << fd << " " << QuotedBytes(bytes);
    }
    if (recorder.exited_.has_value()) {
      *os << "; exited \"" << recorder.exited_->message() << "\"";
    }
    if (recorder.ended_.has_value()) {
      *os << "; ended \"" << recorder.ended_->message() << "\"";
    }
    *os << "}";
  }

  // Hooks a test can set to act from inside the callbacks.
  std::function<void()> on_connection_made;
  std::function<void(int fd, std::string_view data)> on_data;
  std::function<void(const absl::Status&)> on_ended;

 private:
  std::vector<Call> calls_;
  std::map<int, std::string> data_;
  std::vector<int> lost_;
  std::optional<absl::Status> exited_;
  std::optional<absl::Status> ended_;
};

// Checks the order a real child produces: ConnectionMade first; per fd, no
// data after its ChildConnectionLost and at most one of those; exactly one
// ProcessExited and one ProcessEnded, ended last, after the exit and after
// every fd in `fds` was lost. Returns "" when all hold, else what broke.
inline std::string CheckCallbackOrder(
    const std::vector<ProcessRecorder::Call>& calls, const std::set<int>& fds) {
  using Kind = ProcessRecorder::Call::Kind;
  if (calls.empty() || calls.front().kind != Kind::kConnectionMade) {
    return "ConnectionMade() is not the first callback";
  }
  std::set<int> lost;
  int exited = 0;
  int ended = 0;
  for (size_t i = 1; i < calls.size(); ++i) {
    const auto& call = calls[i];
    const std::string where = "callback #" + std::to_string(i) + ": ";
    if (ended > 0) return where + "a callback after ProcessEnded()";
    switch (call.kind) {
      case Kind::kConnectionMade:
        return where + "ConnectionMade() twice";
      case Kind::kData:
        if (lost.count(call.fd) != 0) {
          return where + "data on fd " + std::to_string(call.fd) +
                 " after ChildConnectionLost(" + std::to_string(call.fd) + ")";
        }
        break;
      case Kind::kLost:
        if (!lost.insert(call.fd).second) {
          return where + "ChildConnectionLost(" + std::to_string(call.fd) +
                 ") twice";
        }
        break;
      case Kind::kExited:
        if (++exited > 1) return where + "ProcessExited() twice";
        break;
      case Kind::kEnded:
        ++ended;
        if (exited == 0) return where + "ProcessEnded() before ProcessExited()";
        for (int fd : fds) {
          if (lost.count(fd) == 0) {
            return where + "ProcessEnded() before ChildConnectionLost(" +
                   std::to_string(fd) + ")";
          }
        }
        break;
    }
  }
  if (ended == 0) return "ProcessEnded() never came";
  return "";
}

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_PROCESS_RECORDER_H_
