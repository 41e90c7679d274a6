// AccumulatingProtocol: a Protocol that records everything it is told
// (Twisted's twisted.internet.testing.AccumulatingProtocol), for tests of
// transports rather than of protocols.
//
// Example:
//
//   standin::testutil::AccumulatingProtocol protocol;
//   protocol.set_on_connection_lost([&](const absl::Status&) { done = true; });
//   protocol.MakeConnection(&transport);
//   ... drive the transport ...
//   EXPECT_TRUE(protocol.made());
//   EXPECT_EQ(protocol.data(), "hello");
//   EXPECT_TRUE(standin::IsConnectionDone(protocol.closed_reason()));
//   EXPECT_EQ(protocol.connection_lost_calls(), 1);
#ifndef STANDIN_TESTUTIL_ACCUMULATING_PROTOCOL_H_
#define STANDIN_TESTUTIL_ACCUMULATING_PROTOCOL_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "standin/transport/interfaces.h"

namespace standin::testutil {

class AccumulatingProtocol : public Protocol {
 public:
  AccumulatingProtocol() = default;
  AccumulatingProtocol(const AccumulatingProtocol&) = delete;
  AccumulatingProtocol& operator=(const AccumulatingProtocol&) = delete;

  void ConnectionMade() override;
  void DataReceived(std::string_view data) override;
  void ConnectionLost(const absl::Status& reason) override;

  // ConnectionMade() was called.
  bool made() const { return made_; }
  // ConnectionLost() was called (at least once; see connection_lost_calls()).
  bool closed() const { return connection_lost_calls_ > 0; }
  // Every byte received, concatenated.
  const std::string& data() const { return data_; }
  // Each DataReceived() call's bytes, to check delivery boundaries.
  const std::vector<std::string>& chunks() const { return chunks_; }
  // The reason given to the last ConnectionLost(); OK until then.
  const absl::Status& closed_reason() const { return closed_reason_; }
  // A transport must call ConnectionLost() exactly once; tests assert it.
  int connection_lost_calls() const { return connection_lost_calls_; }

  // Called at the end of ConnectionMade() / ConnectionLost() (Twisted's
  // protocolConnectionMade and closedDeferred).
  void set_on_connection_made(absl::AnyInvocable<void()> callback) {
    on_connection_made_ = std::move(callback);
  }
  void set_on_connection_lost(
      absl::AnyInvocable<void(const absl::Status&)> callback) {
    on_connection_lost_ = std::move(callback);
  }
  // Called after each DataReceived() with the bytes of that call.
  void set_on_data(absl::AnyInvocable<void(std::string_view)> callback) {
    on_data_ = std::move(callback);
  }

 private:
  bool made_ = false;
  std::string data_;
  std::vector<std::string> chunks_;
  absl::Status closed_reason_;
  int connection_lost_calls_ = 0;
  absl::AnyInvocable<void()> on_connection_made_;
  absl::AnyInvocable<void(const absl::Status&)> on_connection_lost_;
  absl::AnyInvocable<void(std::string_view)> on_data_;
};

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_ACCUMULATING_PROTOCOL_H_
