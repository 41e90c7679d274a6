// UdpPort: a kernel UDP socket as a DatagramTransport (Twisted's udp.Port).
//
// Listen() binds an IPv4 or IPv6 endpoint (port 0: the kernel picks one,
// and GetHost() shows it), attaches the DatagramProtocol (MakeConnection()
// → StartProtocol()) and starts reading. Each wakeup reads datagrams until
// the socket is empty (EAGAIN) or a per-wakeup cap is reached, and hands
// each one to DatagramReceived() with its sender as a binary Address, so a
// reply is transport()->Write(reply, from) and no text is made on the way.
// Write() sends one datagram now or fails with the errno (EAGAIN, ENOBUFS,
// EMSGSIZE, ...): nothing is buffered or retried later, as UDP promises.
//
// Connect() makes it Twisted's connected UDP: only the peer's datagrams are
// received, Write() goes to the peer alone, and an ICMP port unreachable
// from the peer reaches the protocol as ConnectionRefused().
//
// Example:
//
//   class Echo : public standin::DatagramProtocol {
//     void DatagramReceived(std::string_view data,
//                           const standin::Address& from) override {
//       (void)transport()->Write(data, from);  // UDP: a failed reply is lost
//     }
//   };
//
//   standin::EpollReactor reactor;
//   Echo echo;
//   absl::StatusOr<std::unique_ptr<standin::UdpPort>> port =
//       standin::UdpPort::Listen(standin::IPv4Address::Udp("127.0.0.1", 0),
//                                &echo, &reactor);
//   if (!port.ok()) return port.status();
//   std::cout << standin::ToString((*port)->GetHost());  // the chosen port
//   reactor.Run();
//
// UdpPort is a Selectable, not a FileDescriptor: FileDescriptor is the
// byte-stream machinery (write buffer, producers, half-close), none of which
// a datagram socket has; like StreamListener, it registers with the reactor
// itself, and its life (listening, stopping, stopped) is one PortLifecycle,
// as TuntapPort's is.
#ifndef STANDIN_TRANSPORT_UDP_PORT_H_
#define STANDIN_TRANSPORT_UDP_PORT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/base/attributes.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "standin/transport/address.h"
#include "standin/transport/interfaces.h"
#include "standin/transport/port_lifecycle.h"
#include "standin/transport/reactor.h"
#include "standin/transport/unique_fd.h"

namespace standin {

// How a UdpPort reads and sizes its socket.
struct UdpPortOptions {
  // One wakeup reads at most this many datagrams and stops once this many
  // bytes were read (Twisted's maxThroughput), so one busy port cannot
  // starve the reactor; what is left is read on the next turn.
  size_t max_reads_per_wakeup = 256;
  size_t max_bytes_per_wakeup = 256 * 1024;
  // SO_RCVBUF / SO_SNDBUF when non-zero (the kernel doubles and caps them).
  int receive_buffer = 0;
  int send_buffer = 0;
  // SO_REUSEADDR before bind().
  bool reuse_address = false;
};

class UdpPort : public Selectable, public Producer, public DatagramTransport {
 public:
  // The largest UDP payloads: 65535 less the IPv4 (20) and UDP (8) headers,
  // and less the UDP header alone for IPv6 (its length field excludes the
  // IPv6 header).
  static constexpr size_t kMaxIPv4Datagram = 65507;
  static constexpr size_t kMaxIPv6Datagram = 65527;

  // See UdpPortOptions (declared outside the class so that `Options = {}`
  // can be a default argument).
  using Options = UdpPortOptions;

  // Reports what has no caller to return to: a DatagramReceived() or
  // ConnectionRefused() that threw, or a read error other than EAGAIN.
  using ErrorHook = absl::AnyInvocable<void(const absl::Status&)>;

  // Binds `local` (an IPv4Address or IPv6Address; the kind is ignored, port
  // 0 picks one), then calls protocol->MakeConnection(this) and starts
  // reading. An IPv6 port is IPV6_V6ONLY: it neither receives from nor
  // sends to IPv4 endpoints. InvalidArgument for another kind of Address;
  // an errno status saying "cannot listen on" and naming `local` when the
  // socket cannot be made or bound (EADDRINUSE, EADDRNOTAVAIL, ...).
  // `protocol` and `reactor` must outlive the port.
  static absl::StatusOr<std::unique_ptr<UdpPort>> Listen(
      const Address& local, DatagramProtocol* protocol, Reactor* reactor,
      Options options = {});

  UdpPort(const UdpPort&) = delete;
  UdpPort& operator=(const UdpPort&) = delete;
  // Leaves the reactor and closes the socket without calling the protocol,
  // except that a StopProtocol() still pending from StopListening() runs
  // here, so the protocol hears it exactly once.
  ~UdpPort() override;

  // Connected UDP (Twisted's connect()): from now on only datagrams from
  // `peer` arrive, Write() sends only to `peer`, and the kernel's
  // ECONNREFUSED (the peer's ICMP port unreachable) becomes the protocol's
  // ConnectionRefused(). FailedPrecondition when already connected or not
  // listening; InvalidArgument for an endpoint of the other IP family or
  // not an IP endpoint; an errno status if connect() fails.
  ABSL_MUST_USE_RESULT absl::Status Connect(const Address& peer);

  // --- DatagramTransport ------------------------------------------------
  // Sends `datagram` to `to` in one non-blocking sendto() (EINTR retried);
  // never blocks, never queues. The errno rides on a failure: EMSGSIZE
  // above max_datagram_size(), EAGAIN/ENOBUFS when the socket has no room,
  // ECONNREFUSED on a connected port whose peer refused (the protocol also
  // hears ConnectionRefused(), as in Twisted). InvalidArgument, nothing
  // sent, for `to` of the other IP family, not an IP endpoint, or — once
  // connected — any endpoint but the peer (Twisted raises for that too);
  // FailedPrecondition after StopListening().
  ABSL_MUST_USE_RESULT absl::Status Write(std::string_view datagram,
                                          const Address& to) override;
  // The bound endpoint (kind kUdp), with the port the kernel chose.
  Address GetHost() const override { return host_; }
  // Stops reading and closes the socket now (so the port can be bound again
  // at once); nothing more is delivered, also from a read loop in progress.
  // The protocol hears StopProtocol() on the next reactor turn, never inside
  // this call (Twisted's stopProtocol scheduling). Idempotent.
  void StopListening() override;
  // kMaxIPv4Datagram or kMaxIPv6Datagram.
  size_t max_datagram_size() const override;

  // --- Selectable -------------------------------------------------------
  int fileno() const override { return fd_.get(); }
  // Reads until EAGAIN, the per-wakeup cap, or the port stops reading
  // (paused or stopped, also from inside DatagramReceived(): the next
  // datagram then waits in the socket). EINTR is retried; ECONNREFUSED on a
  // connected port calls ConnectionRefused() and reading goes on; other
  // read errors go to the error hook. A throwing protocol callback is
  // reported there too, and the port keeps reading (Twisted logs it).
  absl::Status DoRead() override;
  // The reactor gave up on the port: it stops as StopListening() does, and
  // `reason` goes to the error hook.
  void ConnectionLost(const absl::Status& reason) override;

  // --- Producer: the protocol applies back-pressure ---------------------
  // Stops reading at once; datagrams wait in the socket (and the kernel
  // drops what does not fit in its receive buffer, as UDP does).
  void PauseProducing() override;
  // Reads again if still listening; what waited arrives in order.
  void ResumeProducing() override;
  // StopListening().
  void StopProducing() override { StopListening(); }

  // --- State ------------------------------------------------------------
  bool listening() const { return life_.listening(); }
  // Listening and not paused.
  bool reading() const { return life_.reading(); }
  // The peer once Connect() succeeded.
  const std::optional<Address>& peer() const { return peer_; }
  DatagramProtocol* protocol() const { return protocol_; }
  const Options& options() const { return options_; }
  // "<UdpPort IPv4Address(UDP, '127.0.0.1', 5353) listening>".
  std::string DebugString() const;
  // gtest prints DebugString() (e.g. for ASSERT_NE(port, nullptr)).
  friend void PrintTo(const UdpPort& port, std::ostream* os) {
    *os << port.DebugString();
  }

  // Where failures with nowhere else to go are reported; by default they
  // are printed to stderr.
  void set_error_hook(ErrorHook hook) { error_hook_ = std::move(hook); }

 private:
  UdpPort(UniqueFd fd, bool ipv6, DatagramProtocol* protocol, Reactor* reactor,
          Options options);
  // Calls protocol_->DatagramReceived(), reporting what it throws.
  void Deliver(std::string_view data, const Address& from);
  // Tells the protocol ConnectionRefused(), reporting what it throws.
  void Refused();
  void ReportError(const absl::Status& status);
  // The family of the socket's endpoints matches `to`'s.
  bool SameFamily(const Address& to) const;

  UniqueFd fd_;
  DatagramProtocol* const protocol_;
  const Options options_;
  const bool ipv6_;
  Address host_;
  std::optional<Address> peer_;
  std::string read_buffer_;
  ErrorHook error_hook_;
  // Expires with this object: a read loop tells whether the protocol
  // destroyed the port from inside a callback.
  std::shared_ptr<char> alive_ = std::make_shared<char>();
  // Its finish is the protocol's StopProtocol().
  PortLifecycle life_;
};

}  // namespace standin

#endif  // STANDIN_TRANSPORT_UDP_PORT_H_
