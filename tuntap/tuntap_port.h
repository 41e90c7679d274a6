// TuntapPort: a listening port on a TUN or TAP device (Twisted's
// twisted.pair.tuntap.TuntapPort).
//
// Give it an EthernetProtocol and it opens a TAP (whole Ethernet frames);
// give it a RawPacketProtocol such as IpProtocol and it opens a TUN (bare
// IP packets). StartListening() opens /dev/net/tun non-blocking and
// close-on-exec with IFF_NO_PI, and the reactor calls DoRead() when
// datagrams wait: each one goes to the protocol, up to kMaxThroughput bytes
// per wakeup. Writes are whole datagrams, written at once (a tunnel never
// takes part of one). The IoSystem is the OS by default; tests pass a
// MemoryIoSystem and drive the same code without root.
//
// Example (receiving UDP on a TUN; to answer too, hand the port a
// netstack::Host's ip() as examples/udp_echo_tun does):
//
//   standin::netstack::IpProtocol ip;
//   standin::netstack::RawUdpProtocol udp;
//   Counter counter;                             // a DatagramProtocol
//   (void)udp.AddProto(7, &counter);
//   (void)ip.AddProto(standin::netstack::kIpProtocolUdp, &udp);
//   standin::EpollReactor reactor;
//   standin::TuntapPort port("tun0", &ip,
//       standin::TuntapPort::kDefaultMaxPacketSize, &reactor);
//   if (absl::Status s = port.StartListening(); !s.ok()) return s;
//   port.set_error_hook([](const absl::Status& s) { std::cerr << s; });
//   reactor.Run();                               // counter hears each one
//
// TuntapPort is a Selectable, not a FileDescriptor (Twisted's is an
// abstract.FileDescriptor): FileDescriptor is the byte-stream machinery
// (write buffer, producers, half-close), none of which a tunnel has — a
// datagram is written whole at once or not at all. Like UdpPort it registers
// with the reactor itself, and its life (idle, listening, stopping, stopped)
// is one PortLifecycle.
#ifndef STANDIN_TUNTAP_TUNTAP_PORT_H_
#define STANDIN_TUNTAP_TUNTAP_PORT_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "standin/netstack/ethernet_protocol.h"
#include "standin/netstack/packet_link.h"
#include "standin/netstack/raw.h"
#include "standin/transport/address.h"
#include "standin/transport/interfaces.h"
#include "standin/transport/port_lifecycle.h"
#include "standin/transport/reactor.h"
#include "standin/tuntap/io_system.h"
#include "standin/tuntap/tunnel_flags.h"

namespace standin {

class TuntapPort : public Selectable,
                   public Producer,
                   public Transport,
                   public netstack::PacketLink {
 public:
  // Datagrams longer than this are cut to it (and delivered as partial).
  static constexpr size_t kDefaultMaxPacketSize = 8192;
  // At most this many bytes are read per DoRead(), so one busy tunnel does
  // not starve the rest of the reactor (Twisted's maxThroughput).
  static constexpr size_t kMaxThroughput = 256 * 1024;
  // Consecutive EINTRs a DoRead() retries before it yields to the reactor
  // (which calls again while the device stays readable).
  static constexpr int kMaxInterruptedReads = 16;

  // Reports a failure the caller cannot see as a return value: a Write()
  // that failed, or a protocol callback that threw.
  using ErrorHook = absl::AnyInvocable<void(const absl::Status&)>;

  // A TUN port delivering IP packets to `protocol` (not owned). `system`
  // null means the OS (a RealIoSystem owned by the port).
  TuntapPort(std::string interface, netstack::RawPacketProtocol* protocol,
             size_t max_packet_size, Reactor* reactor,
             IoSystem* system = nullptr);
  // A TAP port delivering Ethernet frames to `protocol` (not owned).
  TuntapPort(std::string interface, netstack::EthernetProtocol* protocol,
             size_t max_packet_size, Reactor* reactor,
             IoSystem* system = nullptr);
  TuntapPort(const TuntapPort&) = delete;
  TuntapPort& operator=(const TuntapPort&) = delete;
  // Leaves the reactor and closes the device if still open, without calling
  // anyone back (a pending StopListening() callback does not run).
  ~TuntapPort() override;

  // Opens and configures the tunnel and starts reading. A status whose
  // errno is the failing call's and whose message says "cannot listen on"
  // and names the interface. FailedPrecondition when already used.
  absl::Status StartListening();
  // Stops reading now and closes the device on the next reactor turn, then
  // calls `on_stopped`. When not listening, `on_stopped` runs at once; a
  // second call while stopping just adds its callback.
  void StopListening(absl::AnyInvocable<void()> on_stopped = nullptr);

  // --- Selectable -----------------------------------------------------------
  int fileno() const override { return fd_; }
  // Reads datagrams until the device is empty (EAGAIN), kMaxThroughput bytes
  // were read, or the port stops reading (paused or stopped, also from
  // inside a protocol callback: the next datagram waits in the device);
  // EINTR is retried. Any other read error is returned (the reactor then
  // ends the port with it: see ConnectionLost()).
  absl::Status DoRead() override;
  // The reactor gave up on the port (DoRead() failed): the device is closed
  // now and the StopListening() callbacks run. `reason` is not reported:
  // the caller of DoRead() has it, and the protocol has no callback for it.
  void ConnectionLost(const absl::Status& reason) override;

  // --- Producer: a protocol applies back-pressure -----------------------
  // Stops reading at once: a DoRead() in progress delivers nothing more
  // (Twisted's TuntapPort reads on; we do not).
  void PauseProducing() override { StopReading(); }
  // Reads again if still listening; what queued meanwhile follows in order.
  void ResumeProducing() override { StartReading(); }
  // StopListening().
  void StopProducing() override { StopListening(); }
  // The same as Resume/PauseProducing() (Twisted's startReading and
  // stopReading); StartReading() does nothing unless listening.
  void StartReading() { life_.StartReading(); }
  void StopReading() { life_.StopReading(); }
  // Watching the device for datagrams (listening and not paused).
  bool reading() const { return life_.reading(); }

  // --- Writing ----------------------------------------------------------
  // Writes `datagram` as one packet (EINTR retried): the bytes written, or
  // the error (ENOBUFS, EINVAL for a malformed packet, ...). As a
  // netstack::PacketLink, netstack::Host writes through it.
  absl::StatusOr<size_t> WriteDatagram(std::string_view datagram) override;
  // Transport: WriteDatagram(); a failure goes to the error hook.
  void Write(std::string_view datagram) override;
  // Transport: the chunks joined into one datagram.
  void WriteSequence(absl::Span<const std::string_view> chunks) override;
  // Transport: the same as StopListening() (Twisted's deprecated
  // loseConnection); a datagram port has no buffer to flush.
  void LoseConnection() override { StopListening(); }
  // Consumer: writes are never buffered, so a producer is never paused; a
  // pull producer is resumed once, and a registered producer is stopped
  // when the port stops (as Twisted's FileDescriptor does). FailedPrecondition
  // when one is registered already; once stopped, `producer` is stopped at
  // once.
  absl::Status RegisterProducer(Producer* producer, bool streaming) override;
  void UnregisterProducer() override { producer_ = nullptr; }

  // --- Description --------------------------------------------------------
  // TunnelAddress{type, the name the kernel gave the interface}.
  Address GetHost() const override;
  // The same: a tunnel has no separate peer address.
  Address GetPeer() const override { return GetHost(); }
  // "<standin::netstack::IpProtocol listening on IFF_TUN/tun0>" or
  // "... not listening on ...", like Twisted's repr.
  std::string DebugString() const;
  // "IpProtocol (IFF_TUN)", like Twisted's logPrefix().
  std::string LogPrefix() const;

  TunnelType type() const { return type_; }
  // The requested name until StartListening(), then the name given.
  const std::string& interface() const { return interface_; }
  size_t max_packet_size() const { return max_packet_size_; }
  // Idle, listening, stopping (StopListening() ran; the device closes on
  // the next turn) or stopped.
  PortLifecycle::State state() const { return life_.state(); }
  bool listening() const { return life_.listening(); }
  // The device is open: listening, or stopping (Twisted's `connected`).
  bool connected() const {
    return state() == PortLifecycle::State::kListening ||
           state() == PortLifecycle::State::kStopping;
  }
  IoSystem* system() const { return system_; }
  Producer* producer() const { return producer_; }

  // Where failures with nowhere else to go are reported; by default they
  // are printed to stderr with LogPrefix().
  void set_error_hook(ErrorHook hook) { error_hook_ = std::move(hook); }

 private:
  TuntapPort(std::string interface, TunnelType type,
             netstack::RawPacketProtocol* raw,
             netstack::EthernetProtocol* ethernet, size_t max_packet_size,
             Reactor* reactor, IoSystem* system);
  void Deliver(std::string_view datagram, bool partial);
  // The stop's finish: the producer is stopped and the device closed.
  void CloseDevice();
  void ReportError(const absl::Status& status);
  std::string ProtocolName() const;

  std::string interface_;
  const TunnelType type_;
  netstack::RawPacketProtocol* const raw_;
  netstack::EthernetProtocol* const ethernet_;
  const size_t max_packet_size_;
  std::unique_ptr<IoSystem> owned_system_;
  IoSystem* const system_;
  const bool
      plain_reads_;  // system_->reads_are_plain(): DoRead() calls read(2)

  int fd_ = -1;
  Producer* producer_ = nullptr;
  std::string read_buffer_;
  std::string write_buffer_;  // WriteSequence() joins chunks here.
  ErrorHook error_hook_;
  PortLifecycle life_;
};

}  // namespace standin

#endif  // STANDIN_TUNTAP_TUNTAP_PORT_H_
