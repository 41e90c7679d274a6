// FakeDatagramTransport: the datagram double, StringTransport's counterpart
// for DatagramProtocols. It performs no I/O: Write(data, to) is recorded in
// written() (and, with failures, in events()); the test plays the network
// with Deliver(data, from) and ConnectionRefused(), and can script write
// failures ("the 3rd write fails with EMSGSIZE", "every write to X fails
// with ECONNREFUSED"). The datagram conformance suite holds it to UdpPort's
// behaviour, so a protocol tested here behaves the same on a real socket.
//
// Example:
//
//   Echo echo;                                     // a DatagramProtocol
//   standin::FakeDatagramTransport transport(&echo);  // StartProtocol()
//   const auto peer = standin::IPv4Address::Udp("192.0.2.7", 4000);
//   transport.Deliver("ping", peer);               // DatagramReceived()
//   EXPECT_THAT(transport.written(),
//               ElementsAre(FakeDatagramTransport::Sent{"ping", peer}));
//   transport.AddWriteFailure(standin::DatagramWriteFailure::To(peer, EAGAIN));
//   transport.Deliver("again", peer);              // the echo is lost
//   EXPECT_EQ(transport.written().size(), 1u);
//
// Where it differs from UdpPort: there is no reactor, so StopListening()
// calls StopProtocol() inside the call (UdpPort does it on the next turn),
// and nothing is ever dropped that the test did not script. Misuse by the
// test or the protocol (delivering after StopListening(), from a non-IP
// endpoint, attaching two protocols) aborts with a message saying what was
// wrong, as StringTransport does.
#ifndef STANDIN_TRANSPORT_FAKE_DATAGRAM_TRANSPORT_H_
#define STANDIN_TRANSPORT_FAKE_DATAGRAM_TRANSPORT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/status/status.h"
#include "standin/transport/address.h"
#include "standin/transport/interfaces.h"

namespace standin {

// A scripted failure of FakeDatagramTransport::Write(): the write returns
// ErrnoStatus(err, ...) and sends nothing. ECONNREFUSED also tells the
// protocol ConnectionRefused(), as a connected UdpPort does.
struct DatagramWriteFailure {
  // The `n`-th Write() (1-based, counting every call) fails.
  static DatagramWriteFailure Nth(int n, int err) {
    return DatagramWriteFailure{n, std::nullopt, err};
  }
  // Every Write() to `to` fails (compared as host and port).
  static DatagramWriteFailure To(const Address& to, int err) {
    return DatagramWriteFailure{0, to, err};
  }
  // Every Write() fails (e.g. ENOBUFS: the socket has no room).
  static DatagramWriteFailure Always(int err) {
    return DatagramWriteFailure{0, std::nullopt, err};
  }

  int nth = 0;                // 0: any position.
  std::optional<Address> to;  // nullopt: any destination.
  int err = 0;
};

// See FakeDatagramTransport::Options.
struct FakeDatagramTransportOptions {
  // GetHost(); the kind is UDP. Its family is the transport's: writes to
  // the other family fail with InvalidArgument, as on a UdpPort.
  Address host = IPv4Address::Udp("10.0.0.1", 12345);
  // max_datagram_size(); larger writes fail with EMSGSIZE. UdpPort's IPv4
  // value by default.
  size_t max_datagram_size = 65507;
  // Checked in order; the first that matches a write decides it.
  std::vector<DatagramWriteFailure> failures;
};

class FakeDatagramTransport : public DatagramTransport {
 public:
  using Options = FakeDatagramTransportOptions;

  // One datagram the protocol sent.
  struct Sent {
    std::string data;
    Address to;

    friend bool operator==(const Sent&, const Sent&) = default;
    // `"ping" to IPv4Address(UDP, '192.0.2.7', 4000)`.
    std::string ToString() const;
    friend std::ostream& operator<<(std::ostream& os, const Sent& s) {
      return os << s.ToString();
    }
  };

  // One call the protocol made, in order: every Write() (with its result)
  // and StopListening().
  struct Event {
    enum class Kind { kWrite, kStopListening };
    Kind kind = Kind::kWrite;
    std::string data;           // kWrite only.
    std::optional<Address> to;  // kWrite only.
    absl::Status result;        // kWrite only: OK when sent.

    static Event Write(std::string_view data, const Address& to,
                       absl::Status result = absl::OkStatus()) {
      return Event{Kind::kWrite, std::string(data), to, std::move(result)};
    }
    static Event StopListening() { return Event{Kind::kStopListening}; }

    friend bool operator==(const Event&, const Event&) = default;
    // `Write("ping" to ...)`, `Write("x" to ...) -> <status>`,
    // `StopListening`.
    std::string ToString() const;
    friend std::ostream& operator<<(std::ostream& os, const Event& e) {
      return os << e.ToString();
    }
  };

  // With a protocol: attaches it at once (MakeConnection() →
  // StartProtocol()).
  explicit FakeDatagramTransport(DatagramProtocol* protocol = nullptr,
                                 Options options = {});
  // An identity (the protocol points at it): never copied or moved.
  FakeDatagramTransport(const FakeDatagramTransport&) = delete;
  FakeDatagramTransport& operator=(const FakeDatagramTransport&) = delete;
  ~FakeDatagramTransport() override = default;

  // Attaches `protocol` (MakeConnection() → StartProtocol()). Dies if one
  // is attached already.
  void Attach(DatagramProtocol* protocol);

  // --- DatagramTransport (what the protocol calls) ----------------------
  // In order: FailedPrecondition after StopListening(); InvalidArgument for
  // `to` not an IP endpoint or of the other family than host(); EMSGSIZE
  // above max_datagram_size(); then the first scripted failure that
  // matches. Otherwise the datagram is appended to written(). Every call is
  // in events().
  ABSL_MUST_USE_RESULT absl::Status Write(std::string_view datagram,
                                          const Address& to) override;
  Address GetHost() const override { return options_.host; }
  // Records the call; the first one calls StopProtocol() (inside this
  // call). Idempotent.
  void StopListening() override;
  size_t max_datagram_size() const override {
    return options_.max_datagram_size;
  }

  // --- Test side: the network -------------------------------------------
  // A datagram from `from` arrives: the protocol's DatagramReceived().
  // Dies with no protocol, after StopListening(), or for `from` not an IP
  // endpoint.
  void Deliver(std::string_view data, const Address& from);
  // The kernel reported the connected peer's refusal (ICMP port
  // unreachable): the protocol's ConnectionRefused(). Dies as Deliver().
  void ConnectionRefused();
  // Scripts more failures (after those in Options).
  void AddWriteFailure(DatagramWriteFailure failure);
  void ClearWriteFailures() { options_.failures.clear(); }

  // --- Test side: what happened -----------------------------------------
  // The datagrams sent, in order, since construction or Clear().
  const std::vector<Sent>& written() const { return written_; }
  // Every Write() and StopListening(), in order, since construction or
  // Clear().
  const std::vector<Event>& events() const { return events_; }
  // Forgets written() and events() (not the Write() count).
  void Clear();
  // Write() calls since construction, failed ones included (what
  // DatagramWriteFailure::Nth counts).
  uint64_t write_calls() const { return write_calls_; }
  bool listening() const { return listening_; }
  DatagramProtocol* protocol() const { return protocol_; }

  // gtest printing: host, state and what was sent, never a raw dump.
  friend void PrintTo(const FakeDatagramTransport& t, std::ostream* os);

 private:
  // The first failure scripted for this write (write_calls_ already
  // counts it), if any.
  const DatagramWriteFailure* MatchFailure(const Address& to) const;
  void CheckCanDeliver(const char* what, const Address* from) const;

  Options options_;
  DatagramProtocol* protocol_ = nullptr;
  bool listening_ = true;
  uint64_t write_calls_ = 0;
  std::vector<Sent> written_;
  std::vector<Event> events_;
};

}  // namespace standin

#endif  // STANDIN_TRANSPORT_FAKE_DATAGRAM_TRANSPORT_H_
