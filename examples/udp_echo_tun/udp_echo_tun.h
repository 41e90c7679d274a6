// A UDP echo responder living on the far side of a TUN device: it answers
// every UDP datagram sent to its address and port with the same payload,
// using TuntapPort + netstack's IpProtocol + RawUdpProtocol. The host's
// kernel routes datagrams for `address` into the tunnel; the responder
// builds the reply with netstack and writes it back as one IP packet.
//
// The same class runs on a real TUN (the demo and the end-to-end test, in a
// private network namespace) and on MemoryIoSystem (the unit test).
//
// Example:
//
//   standin::EpollReactor reactor;
//   standin::examples::UdpEchoTun echo(
//       {.interface = "tun0", .address = "192.0.2.2", .port = 7}, &reactor);
//   if (absl::Status s = echo.Start(); !s.ok()) return s;
//   // ip addr add 192.0.2.1/24 dev tun0; ip link set tun0 up
//   reactor.Run();   // `echo hi | nc -u 192.0.2.2 7` now gets "hi" back
#ifndef STANDIN_EXAMPLES_UDP_ECHO_TUN_UDP_ECHO_TUN_H_
#define STANDIN_EXAMPLES_UDP_ECHO_TUN_UDP_ECHO_TUN_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "standin/netstack/ip_protocol.h"
#include "standin/netstack/raw_udp_protocol.h"
#include "standin/transport/address.h"
#include "standin/transport/interfaces.h"
#include "standin/transport/reactor.h"
#include "standin/tuntap/io_system.h"
#include "standin/tuntap/tuntap_port.h"

namespace standin::examples {

class UdpEchoTun : public DatagramProtocol {
 public:
  struct Options {
    // The TUN interface to create or attach to.
    std::string interface = "tun0";
    // The responder's own IPv4 address and UDP port (beyond the tunnel).
    std::string address = "192.0.2.2";
    uint16_t port = 7;
  };

  // `system` null means the OS. `reactor` must outlive this.
  UdpEchoTun(Options options, Reactor* reactor, IoSystem* system = nullptr);

  // Opens the tunnel; InvalidArgument for a bad address, or the port's
  // "cannot listen" status.
  absl::Status Start();
  void Stop() { port_.StopListening(); }

  // Echoes `data` back to `from`.
  void DatagramReceived(std::string_view data, const Address& from) override;

  TuntapPort& port() { return port_; }
  // Datagrams answered, and replies that could not be written.
  uint64_t echoed() const { return echoed_; }
  uint64_t failed() const { return failed_; }
  // Packets the IP and UDP layers dropped (malformed, not for us, ...).
  uint64_t dropped() const {
    return ip_.drops().total() + udp_.drops().total();
  }

 private:
  Options options_;
  IPv4Host address_;
  netstack::IpProtocol ip_;
  netstack::RawUdpProtocol udp_;
  TuntapPort port_;
  uint64_t echoed_ = 0;
  uint64_t failed_ = 0;
};

}  // namespace standin::examples

#endif  // STANDIN_EXAMPLES_UDP_ECHO_TUN_UDP_ECHO_TUN_H_
