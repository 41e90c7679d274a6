// TuntapPort: a listening port on a TUN or TAP device (Twisted's
// twisted.pair.tuntap.TuntapPort), built on FileDescriptor.
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
#include "standin/transport/file_descriptor.h"
#include "standin/transport/reactor.h"
#include "standin/tuntap/io_system.h"
#include "standin/tuntap/tunnel_flags.h"

namespace standin {

class TuntapPort : public FileDescriptor, public netstack::PacketLink {
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
  // Closes the device if still open (without calling anyone back).
  ~TuntapPort() override;

  // Opens and configures the tunnel and starts reading. A status whose
  // errno is the failing call's and whose message says "cannot listen on"
  // and names the interface. FailedPrecondition when already used.
  absl::Status StartListening();
  // Stops reading now and closes the device on the next reactor turn, then
  // calls `on_stopped`. When not listening, `on_stopped` runs at once; a
  // second call while stopping just adds its callback.
  void StopListening(absl::AnyInvocable<void()> on_stopped = nullptr);

  // Transport: the same as StopListening() (Twisted's deprecated
  // loseConnection); a datagram port has no buffer to flush.
  void LoseConnection() override { StopListening(); }

  // --- Selectable -----------------------------------------------------------
  int fileno() const override { return fd_; }
  // Reads datagrams until the device is empty (EAGAIN), kMaxThroughput bytes
  // were read, or the port stops reading (paused or stopped, also from
  // inside a protocol callback: the next datagram waits in the device);
  // EINTR is retried. Any other read error is returned (the reactor then
  // ends the port with it).
  absl::Status DoRead() override;

  // --- Producer: a protocol applies back-pressure -----------------------
  // Stops reading at once: a DoRead() in progress delivers nothing more
  // (Twisted's TuntapPort reads on; we do not).
  void PauseProducing() override;
  // Reads again if still listening; what queued meanwhile follows in order.
  void ResumeProducing() override;
  // FileDescriptor's, tracked here so that DoRead() sees a StopReading()
  // made from inside a callback.
  void StartReading();
  void StopReading();
  // Watching the device for datagrams (listening and not paused).
  bool reading() const { return reading_; }

  // --- Writing ----------------------------------------------------------
  // Writes `datagram` as one packet (EINTR retried): the bytes written, or
  // the error (ENOBUFS, EINVAL for a malformed packet, ...). As a
  // netstack::PacketLink, netstack::Host writes through it.
  absl::StatusOr<size_t> WriteDatagram(std::string_view datagram) override;
  // Transport: WriteDatagram(); a failure goes to the error hook.
  void Write(std::string_view datagram) override;
  // Transport: the chunks joined into one datagram.
  void WriteSequence(absl::Span<const std::string_view> chunks) override;

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
  bool listening() const { return connected() && !stopping_; }
  IoSystem* system() const { return system_; }

  // Where failures with nowhere else to go are reported; by default they
  // are printed to stderr with LogPrefix().
  void set_error_hook(ErrorHook hook) { error_hook_ = std::move(hook); }

 protected:
  void CloseDescriptor() override;
  void HandleConnectionLost(const absl::Status& reason) override;

 private:
  TuntapPort(std::string interface, TunnelType type,
             netstack::RawPacketProtocol* raw,
             netstack::EthernetProtocol* ethernet, size_t max_packet_size,
             Reactor* reactor, IoSystem* system);
  void Deliver(std::string_view datagram, bool partial);
  void ReportError(const absl::Status& status);
  std::string ProtocolName() const;

  std::string interface_;
  const TunnelType type_;
  netstack::RawPacketProtocol* const raw_;
  netstack::EthernetProtocol* const ethernet_;
  const size_t max_packet_size_;
  std::unique_ptr<IoSystem> owned_system_;
  IoSystem* const system_;

  int fd_ = -1;
  bool used_ = false;
  bool stopping_ = false;
  bool reading_ = false;
  std::vector<absl::AnyInvocable<void()>> on_stopped_;
  DelayedCall stop_call_;
  std::string read_buffer_;
  std::string write_buffer_;  // WriteSequence() joins chunks here.
  ErrorHook error_hook_;
};

}  // namespace standin

#endif  // STANDIN_TUNTAP_TUNTAP_PORT_H_
