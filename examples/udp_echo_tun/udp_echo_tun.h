// A UDP echo written once as a DatagramProtocol — every datagram goes back
// to its sender with transport()->Write(data, from) — and run unchanged on
// every datagram transport: FakeDatagramTransport in its unit test, a kernel
// socket (UdpPort), and standin's userspace stack (netstack::Host) on a TUN
// or TAP device, where the kernel on the other side can also ping it.
//
// Echo is the protocol; UdpEchoTun wires it to a tunnel: a netstack::Host
// with the echo bound to a UDP port, attached to a TuntapPort.
//
// Example:
//
//   standin::examples::Echo echo;                  // on a kernel socket
//   auto port = standin::UdpPort::Listen(
//       standin::IPv4Address::Udp("127.0.0.1", 7007), &echo, &reactor);
//
//   standin::EpollReactor reactor;                 // on a TAP device
//   absl::StatusOr<std::unique_ptr<standin::examples::UdpEchoTun>> tap =
//       standin::examples::UdpEchoTun::Start(
//           {.type = standin::TunnelType::kTap, .interface = "tap0",
//            .address = "192.0.2.2", .port = 7},
//           &reactor);
//   // ip addr add 192.0.2.1/24 dev tap0; ip link set tap0 up
//   reactor.Run();  // `echo hi | nc -u 192.0.2.2 7` and `ping 192.0.2.2`
#ifndef STANDIN_EXAMPLES_UDP_ECHO_TUN_UDP_ECHO_TUN_H_
#define STANDIN_EXAMPLES_UDP_ECHO_TUN_UDP_ECHO_TUN_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "standin/netstack/host.h"
#include "standin/transport/address.h"
#include "standin/transport/interfaces.h"
#include "standin/transport/reactor.h"
#include "standin/tuntap/io_system.h"
#include "standin/tuntap/tuntap_port.h"

namespace standin::examples {

class Echo : public DatagramProtocol {
 public:
  // Told one line per event ("echoed 5 bytes to ..."); may be empty.
  using Log = std::function<void(const std::string& line)>;

  explicit Echo(Log log = nullptr) : log_(std::move(log)) {}

  void StartProtocol() override;
  // Writes `data` back to `from`; a failed write is counted and logged
  // (UDP: the reply is lost, the echo goes on).
  void DatagramReceived(std::string_view data, const Address& from) override;
  void StopProtocol() override;

  uint64_t echoed() const { return echoed_; }
  uint64_t failed() const { return failed_; }

 private:
  void Say(const std::string& line) {
    if (log_) log_(line);
  }

  Log log_;
  uint64_t echoed_ = 0;
  uint64_t failed_ = 0;
};

// An Echo on a TUN or TAP device, behind a userspace IPv4 host.
class UdpEchoTun {
 public:
  struct Options {
    TunnelType type = TunnelType::kTun;
    // The interface to create or attach to.
    std::string interface = "tun0";
    // The echo host's own address, prefix and (TAP only) MAC.
    std::string address = "192.0.2.2";
    int prefix_length = 24;
    std::string mac = "02:00:00:00:00:02";
    uint16_t port = 7;
  };

  // Opens the tunnel and binds the echo. InvalidArgument for a bad address
  // or MAC; the port's "cannot listen" status (EPERM without root).
  // `system` null means the OS; `reactor` must outlive the echo.
  static absl::StatusOr<std::unique_ptr<UdpEchoTun>> Start(
      Options options, Reactor* reactor, IoSystem* system = nullptr,
      Echo::Log log = nullptr);

  // Stops the echo's port (StopProtocol()) and closes the tunnel on the
  // next reactor turn.
  void Stop();

  Echo& echo() { return echo_; }
  netstack::Host& host() { return host_; }
  TuntapPort& port() { return *port_; }
  DatagramTransport* transport() const { return transport_; }

 private:
  UdpEchoTun(netstack::Host::Options host, Reactor* reactor, Echo::Log log)
      : echo_(std::move(log)), host_(std::move(host), reactor) {}

  Echo echo_;
  netstack::Host host_;
  std::unique_ptr<TuntapPort> port_;
  DatagramTransport* transport_ = nullptr;
};

}  // namespace standin::examples

#endif  // STANDIN_EXAMPLES_UDP_ECHO_TUN_UDP_ECHO_TUN_H_
