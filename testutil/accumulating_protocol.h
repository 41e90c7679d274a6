// AccumulatingProtocol: a Protocol that records everything it is told
// (Twisted's twisted.internet.testing.AccumulatingProtocol), for tests of
// transports rather than of protocols; and HalfCloseableAccumulatingProtocol,
// the same recorder as a HalfCloseableProtocol (Twisted's MyHCProtocol), which
// also counts ReadConnectionLost() and WriteConnectionLost().
//
// A transport treats the two differently on EOF: a plain protocol hears
// ConnectionLost(ConnectionDone()), a half-closeable one ReadConnectionLost()
// and the connection stays open for writing.
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
//
//   standin::testutil::HalfCloseableAccumulatingProtocol upload;
//   upload.set_on_read_connection_lost(
//       [&] { upload.transport()->Write("ok"); });
//   ... the peer half-closes ...
//   EXPECT_EQ(upload.read_connection_lost_calls(), 1);
//   EXPECT_FALSE(upload.closed());
//   EXPECT_THAT(upload.events(), ElementsAre("made", "read-lost"));
#ifndef STANDIN_TESTUTIL_ACCUMULATING_PROTOCOL_H_
#define STANDIN_TESTUTIL_ACCUMULATING_PROTOCOL_H_

#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "standin/transport/interfaces.h"
#include "standin/transport/status.h"

namespace standin::testutil {

// The recorder both classes below share; `Base` is Protocol or
// HalfCloseableProtocol. Use the two named classes, not this.
template <typename Base>
class BasicAccumulatingProtocol : public Base {
 public:
  BasicAccumulatingProtocol() = default;
  BasicAccumulatingProtocol(const BasicAccumulatingProtocol&) = delete;
  BasicAccumulatingProtocol& operator=(const BasicAccumulatingProtocol&) =
      delete;

  void ConnectionMade() override {
    made_ = true;
    RecordEvent("made");
    if (on_connection_made_) on_connection_made_();
  }
  void DataReceived(std::string_view data) override {
    data_.append(data);
    chunks_.emplace_back(data);
    if (on_data_) on_data_(data);
  }
  void ConnectionLost(const absl::Status& reason) override {
    ++connection_lost_calls_;
    closed_reason_ = reason;
    RecordEvent("lost");
    if (on_connection_lost_) on_connection_lost_(reason);
  }

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
  // The connection callbacks heard, in order: "made", "lost" and, for a
  // HalfCloseableAccumulatingProtocol, "read-lost" and "write-lost" (bytes
  // are in data(), not here). Each is recorded before its on_* callback runs.
  const std::vector<std::string>& events() const { return events_; }

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

  // One line for gtest: "AccumulatingProtocol{made; received "hello" in 2
  // chunks; lost 1 time: OUT_OF_RANGE: ...}". An operator<< (not PrintTo)
  // so that it serves the classes derived from this one.
  friend std::ostream& operator<<(std::ostream& os,
                                  const BasicAccumulatingProtocol& p) {
    os << "AccumulatingProtocol{";
    p.PrintState(os);
    return os << "}";
  }

 protected:
  void RecordEvent(const char* event) { events_.emplace_back(event); }
  void PrintState(std::ostream& os) const {
    os << (made_ ? "made" : "not made") << "; received " << QuotedBytes(data_)
       << " in " << chunks_.size()
       << (chunks_.size() == 1 ? " chunk" : " chunks");
    if (connection_lost_calls_ == 0) {
      os << "; not lost";
    } else {
      os << "; lost " << connection_lost_calls_
         << (connection_lost_calls_ == 1 ? " time: " : " times, last: ")
         << closed_reason_;
    }
  }

 private:
  bool made_ = false;
  std::string data_;
  std::vector<std::string> chunks_;
  absl::Status closed_reason_;
  int connection_lost_calls_ = 0;
  std::vector<std::string> events_;
  absl::AnyInvocable<void()> on_connection_made_;
  absl::AnyInvocable<void(const absl::Status&)> on_connection_lost_;
  absl::AnyInvocable<void(std::string_view)> on_data_;
};

// A plain Protocol: the peer's EOF ends the connection.
class AccumulatingProtocol : public BasicAccumulatingProtocol<Protocol> {};

// A HalfCloseableProtocol: the peer's EOF is ReadConnectionLost(), and our
// LoseWriteConnection() ends in WriteConnectionLost().
class HalfCloseableAccumulatingProtocol
    : public BasicAccumulatingProtocol<HalfCloseableProtocol> {
 public:
  void ReadConnectionLost() override;
  void WriteConnectionLost() override;

  // ReadConnectionLost() / WriteConnectionLost() was called (at least once).
  bool read_lost() const { return read_connection_lost_calls_ > 0; }
  bool write_lost() const { return write_connection_lost_calls_ > 0; }
  // Each must be called at most once per connection; tests assert it.
  int read_connection_lost_calls() const { return read_connection_lost_calls_; }
  int write_connection_lost_calls() const {
    return write_connection_lost_calls_;
  }
  // ReadConnectionLost() came while the connection was still up (never
  // after ConnectionLost()).
  bool read_lost_before_connection_lost() const {
    return read_lost_before_connection_lost_;
  }

  // Called at the end of ReadConnectionLost() / WriteConnectionLost().
  void set_on_read_connection_lost(absl::AnyInvocable<void()> callback) {
    on_read_connection_lost_ = std::move(callback);
  }
  void set_on_write_connection_lost(absl::AnyInvocable<void()> callback) {
    on_write_connection_lost_ = std::move(callback);
  }

  // As AccumulatingProtocol's, plus the half-close callbacks counted.
  friend std::ostream& operator<<(std::ostream& os,
                                  const HalfCloseableAccumulatingProtocol& p) {
    os << "HalfCloseableAccumulatingProtocol{";
    p.PrintState(os);
    return os << "; read side lost " << p.read_connection_lost_calls_
              << ", write side lost " << p.write_connection_lost_calls_ << "}";
  }

 private:
  int read_connection_lost_calls_ = 0;
  int write_connection_lost_calls_ = 0;
  bool read_lost_before_connection_lost_ = false;
  absl::AnyInvocable<void()> on_read_connection_lost_;
  absl::AnyInvocable<void()> on_write_connection_lost_;
};

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_ACCUMULATING_PROTOCOL_H_
