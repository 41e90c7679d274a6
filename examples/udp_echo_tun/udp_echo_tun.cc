#include "standin/examples/udp_echo_tun/udp_echo_tun.h"

#include <cstdio>
#include <utility>
#include <variant>

#include "standin/netstack/builders.h"
#include "standin/netstack/ip_protocol.h"

namespace standin::examples {

UdpEchoTun::UdpEchoTun(Options options, Reactor* reactor, IoSystem* system)
    : options_(std::move(options)),
      port_(options_.interface, &ip_, TuntapPort::kDefaultMaxPacketSize,
            reactor, system) {
  port_.set_error_hook([this](const absl::Status& s) {
    ++failed_;
    std::fprintf(stderr, "udp echo on %s: %s\n", options_.interface.c_str(),
                 s.ToString().c_str());
  });
}

absl::Status UdpEchoTun::Start() {
  absl::StatusOr<IPv4Host> address = IPv4Host::Parse(options_.address);
  if (!address.ok()) return address.status();
  address_ = *address;
  if (absl::Status s = udp_.AddProto(options_.port, this); !s.ok()) return s;
  if (absl::Status s = ip_.AddProto(netstack::kIpProtocolUdp, &udp_); !s.ok()) {
    return s;
  }
  return port_.StartListening();
}

void UdpEchoTun::DatagramReceived(std::string_view data, const Address& from) {
  const auto* peer = std::get_if<IPv4Address>(&from);
  if (peer == nullptr) return;
  absl::StatusOr<size_t> n = port_.WriteDatagram(netstack::BuildUdpIpv4(
      address_, options_.port, peer->host, peer->port, data));
  if (n.ok()) {
    ++echoed_;
  } else {
    ++failed_;
  }
}

}  // namespace standin::examples
