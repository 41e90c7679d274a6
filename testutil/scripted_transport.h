// ScriptedTransport: a conversation script played against a Protocol under
// test (tokio-test's io::Builder idea). The test writes down, in order, what
// the peer sends and what the protocol must answer; the transport delivers
// the one and checks the other, and the first deviation fails the test with
// the step's number, what it expected and a byte diff (bytes_diff.h).
//
// Steps are of two kinds. The transport's own steps happen during Play():
// Deliver() bytes, DeliverEof() (the peer half-closes),
// DeliverConnectionLost(), Advance() a Clock (timers fire), Do() something.
// Expectations are met by the protocol: ExpectWrite(), ExpectLoseConnection(),
// ExpectLoseWriteConnection(). Every expectation must be met before the next
// step of the transport's runs; expectations at the end of the script may
// also be met after Play() returns (by the test calling the protocol).
//
// Example:
//
//   standin::testutil::Clock clock;
//   PingServer server(&clock);  // answers PING, hangs up after 30 s idle
//   standin::testutil::ScriptedTransport script;
//   script.Deliver("PING\r\n")
//       .ExpectWrite("PONG\r\n")
//       .Advance(clock, absl::Seconds(30))
//       .ExpectWrite(testing::MatchesRegex("BYE [0-9]+\r\n"))
//       .ExpectLoseConnection();
//   script.Play(&server);  // MakeConnection(), then the steps in order
//   // A failure reads: "ScriptedTransport: step 2 of 5, ExpectWrite(...):
//   // the protocol wrote ..." with the diff and the script listed.
//
// Writes are compared as a byte stream: the protocol may split an expected
// write into several calls or answer two steps in one call, and the script
// still passes. ExpectWriteCall() asks for exact call boundaries instead.
// A matcher step (ExpectWrite(testing::MatchesRegex(...))) ends at the first
// byte at which the bytes written during it satisfy the matcher, so it too
// is indifferent to how the writes are split; anchor its end (EndsWith,
// MatchesRegex), since HasSubstr("OK") is satisfied right after "OK".
//
// Only the first deviation is reported; the script then stops (the
// transport still records writes and still closes). Steps left unmet fail
// in Finish(), which the destructor calls if the test did not; Finish()
// never touches the protocol, so the protocol may be destroyed first.
//
// As a transport it behaves like a real one, minus the I/O: after
// LoseConnection() (or both half-closes) the protocol hears ConnectionLost()
// once; DeliverEof() gives a HalfCloseableProtocol ReadConnectionLost() and
// any other protocol ConnectionLost(ConnectionDone()). Callbacks never nest:
// what the protocol starts from inside a callback (closing) completes after
// that callback returns. A registered producer is only stored (the script
// does not pause or resume it) and is stopped when the connection closes.
#ifndef STANDIN_TESTUTIL_SCRIPTED_TRANSPORT_H_
#define STANDIN_TESTUTIL_SCRIPTED_TRANSPORT_H_

#include <cstddef>
#include <deque>
#include <optional>
#include <ostream>
#include <source_location>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "standin/testutil/clock.h"
#include "standin/transport/address.h"
#include "standin/transport/interfaces.h"

namespace standin::testutil {

class ScriptedTransport : public HalfCloseableTransport {
 public:
  // Where a step was written: failures point at the script's line.
  using Location = std::source_location;

  struct Options {
    // GetHost(); default IPv4Address(kTcp, "10.0.0.1", 12345).
    std::optional<Address> host;
    // GetPeer(); default IPv4Address(kTcp, "192.168.1.1", 54321).
    std::optional<Address> peer;
  };

  ScriptedTransport() : ScriptedTransport(Options{}) {}
  explicit ScriptedTransport(Options options);
  ScriptedTransport(const ScriptedTransport&) = delete;
  ScriptedTransport& operator=(const ScriptedTransport&) = delete;
  // Calls Finish().
  ~ScriptedTransport() override;

  // --- The transport's steps (performed by Play(), in order) -------------

  // The peer sends `bytes`: one DataReceived(bytes).
  ScriptedTransport& Deliver(std::string_view bytes,
                             Location where = Location::current());
  // The peer finished sending (EOF): ReadConnectionLost() for a
  // HalfCloseableProtocol (then ConnectionLost(ConnectionDone()) if our
  // write side is already shut), ConnectionLost(ConnectionDone()) otherwise.
  ScriptedTransport& DeliverEof(Location where = Location::current());
  // The connection breaks: ConnectionLost(reason) (e.g. ConnectionLost()
  // for a reset). `reason` must be a non-OK status.
  ScriptedTransport& DeliverConnectionLost(
      absl::Status reason, Location where = Location::current());
  // `clock`.Advance(amount): the protocol's due timers fire. `clock` must
  // outlive Play().
  ScriptedTransport& Advance(Clock& clock, absl::Duration amount,
                             Location where = Location::current());
  // Runs `action` (e.g. a client's request method); `what` names it in
  // failure messages.
  ScriptedTransport& Do(std::string_view what,
                        absl::AnyInvocable<void()> action,
                        Location where = Location::current());

  // --- Expectations (met by the protocol) ---------------------------------

  // The protocol writes `bytes` (a string) next, in as many calls as it
  // likes, or writes bytes that satisfy a string matcher such as
  // testing::MatchesRegex("TIME [0-9]+\r\n") (see the file comment).
  template <typename M>
  ScriptedTransport& ExpectWrite(M&& bytes_or_matcher,
                                 Location where = Location::current()) {
    if constexpr (std::is_convertible_v<M, std::string_view>) {
      return ExpectBytes(std::string_view(bytes_or_matcher), false, where);
    } else {
      return ExpectMatching(testing::SafeMatcherCast<std::string_view>(
                                std::forward<M>(bytes_or_matcher)),
                            false, where);
    }
  }
  // Like ExpectWrite(), but exactly one Write() call (or one
  // WriteSequence(), its chunks joined) carries the bytes, starting a call:
  // for protocols whose call boundaries matter (e.g. one datagram-like
  // record per write).
  template <typename M>
  ScriptedTransport& ExpectWriteCall(M&& bytes_or_matcher,
                                     Location where = Location::current()) {
    if constexpr (std::is_convertible_v<M, std::string_view>) {
      return ExpectBytes(std::string_view(bytes_or_matcher), true, where);
    } else {
      return ExpectMatching(testing::SafeMatcherCast<std::string_view>(
                                std::forward<M>(bytes_or_matcher)),
                            true, where);
    }
  }
  // The protocol calls LoseConnection().
  ScriptedTransport& ExpectLoseConnection(Location where = Location::current());
  // The protocol calls LoseWriteConnection() (half-close).
  ScriptedTransport& ExpectLoseWriteConnection(
      Location where = Location::current());

  // --- Playing ----------------------------------------------------------

  // Connects `protocol` (MakeConnection(this), unless it is already
  // connected to this transport) and performs the transport's steps in
  // order until the script ends, a deviation, or an expectation that is
  // still unmet at the end of the script. Steps may be appended afterwards
  // and Play() called again with the same protocol to go on. The protocol
  // must outlive the last Play() (and any call it makes to this transport).
  void Play(Protocol* protocol);

  // Fails the test (once) if steps are left unmet, naming the first and
  // listing the script; a no-op after a deviation was reported or a second
  // time. No step may be added afterwards. Never calls the protocol.
  void Finish();

  // --- Test-side state ---------------------------------------------------

  // Every byte the protocol wrote, in order.
  std::string_view written() const { return written_; }
  // Steps completed so far, and in the script.
  size_t steps_done() const { return next_; }
  size_t step_count() const { return steps_.size(); }
  // A deviation has been reported.
  bool deviated() const { return deviated_; }
  // ConnectionLost() has been delivered.
  bool closed() const { return closed_; }
  bool disconnecting() const { return disconnecting_; }
  bool write_disconnected() const { return write_closed_; }
  Producer* producer() const { return producer_; }
  bool streaming() const { return streaming_; }
  // "step 2 of 5, ... (done)" lines, one per step, as failures show them.
  std::string DescribeScript() const;

  // --- Transport -------------------------------------------------------
  void Write(std::string_view data) override;
  void WriteSequence(absl::Span<const std::string_view> chunks) override;
  void LoseConnection() override;
  void LoseWriteConnection() override;
  Address GetPeer() const override { return peer_; }
  Address GetHost() const override { return host_; }
  // FailedPrecondition "Cannot register two producers" if one is registered.
  absl::Status RegisterProducer(Producer* producer, bool streaming) override;
  // A no-op without a producer.
  void UnregisterProducer() override;

  friend void PrintTo(const ScriptedTransport& transport, std::ostream* os);

 private:
  struct Step {
    enum class Kind {
      kDeliver,
      kDeliverEof,
      kDeliverConnectionLost,
      kAdvance,
      kDo,
      kExpectBytes,
      kExpectMatching,
      kExpectLoseConnection,
      kExpectLoseWriteConnection,
    };
    Kind kind;
    Location where;
    bool whole_call = false;  // kExpectBytes/kExpectMatching.
    std::string bytes;        // kDeliver, kExpectBytes; kDo: `what`.
    std::optional<testing::Matcher<std::string_view>> matcher;
    absl::Status reason;  // kDeliverConnectionLost.
    Clock* clock = nullptr;
    absl::Duration amount;
    absl::AnyInvocable<void()> action;

    bool IsExpectation() const { return kind >= Kind::kExpectBytes; }
    bool IsWrite() const {
      return kind == Kind::kExpectBytes || kind == Kind::kExpectMatching;
    }
    std::string ToString() const;
  };

  ScriptedTransport& ExpectBytes(std::string_view bytes, bool whole_call,
                                 Location where);
  ScriptedTransport& ExpectMatching(testing::Matcher<std::string_view> matcher,
                                    bool whole_call, Location where);
  ScriptedTransport& Add(Step step);

  // The protocol's write of `data` (one call), checked against the script.
  void CheckWrite(std::string_view data);
  // A matcher step that is satisfied by what was written so far completes
  // now that the protocol did something else (or the script moved on).
  void SettleMatcherSteps();
  // The protocol did `what` (LoseConnection()...), which meets the current
  // step if it is of `kind`.
  void Meet(Step::Kind kind, std::string_view what);
  void CompleteStep();
  // Reports the first deviation at the current step; later ones are quiet.
  void Deviate(std::string_view what_happened, std::string_view detail = "");
  // What the current step got so far, for a message about it.
  std::string ProgressDetail(const Step& step) const;
  std::string StepTitle(size_t index) const;

  void Perform(Step& step);
  void Run();
  // Runs `callback` into the protocol now, or after the callback in
  // progress returns (callbacks never nest).
  void Post(absl::AnyInvocable<void()> callback);
  void Drain();
  void Close(const absl::Status& reason);

  Address host_;
  Address peer_;
  std::deque<Step> steps_;  // A deque: Do() may add steps while one runs.
  size_t next_ = 0;         // The current step.
  std::string progress_;    // Bytes written toward the current step.
  std::string written_;     // Everything written.
  Protocol* protocol_ = nullptr;
  HalfCloseableProtocol* half_closeable_ = nullptr;
  bool deviated_ = false;
  bool finished_ = false;
  bool disconnecting_ = false;
  bool read_closed_ = false;
  bool write_closed_ = false;
  bool write_lost_ = false;  // WriteConnectionLost() delivered.
  bool closed_ = false;
  size_t closed_after_ = 0;  // Steps done when it closed.
  Producer* producer_ = nullptr;
  bool streaming_ = false;
  int depth_ = 0;  // Callbacks into the protocol in progress.
  bool draining_ = false;
  std::deque<absl::AnyInvocable<void()>> posted_;
};

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_SCRIPTED_TRANSPORT_H_
