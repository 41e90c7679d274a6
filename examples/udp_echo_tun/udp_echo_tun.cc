#include "standin/examples/udp_echo_tun/udp_echo_tun.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"

namespace standin::examples {

void Echo::StartProtocol() {
  Say(absl::StrCat("listening on ", ToString(transport()->GetHost())));
}

void Echo::DatagramReceived(std::string_view data, const Address& from) {
  absl::Status sent = transport()->Write(data, from);
  if (sent.ok()) {
    ++echoed_;
    Say(absl::StrCat("echoed ", data.size(), " bytes to ", ToString(from)));
  } else {
    ++failed_;
    Say(absl::StrCat("could not echo ", data.size(), " bytes to ",
                     ToString(from), ": ", sent.ToString()));
  }
}

void Echo::StopProtocol() {
  Say(absl::StrCat("stopped after ", echoed_, " echoes"));
}

absl::StatusOr<std::unique_ptr<UdpEchoTun>> UdpEchoTun::Start(Options options,
                                                              Reactor* reactor,
                                                              IoSystem* system,
                                                              Echo::Log log) {
  absl::StatusOr<IPv4Host> address = IPv4Host::Parse(options.address);
  if (!address.ok()) return address.status();
  netstack::Host::Options host{.address = *address,
                               .prefix_length = options.prefix_length};
  if (options.type == TunnelType::kTap) {
    absl::StatusOr<netstack::MacAddress> mac =
        netstack::MacAddress::Parse(options.mac);
    if (!mac.ok()) return mac.status();
    host.mac = *mac;
  }
  if (options.prefix_length < 0 || options.prefix_length > 32) {
    return absl::InvalidArgumentError(
        absl::StrCat("prefix length ", options.prefix_length, " is not 0..32"));
  }
  std::unique_ptr<UdpEchoTun> tunnel(
      new UdpEchoTun(std::move(host), reactor, std::move(log)));
  netstack::Host& h = tunnel->host_;
  tunnel->port_ = options.type == TunnelType::kTap
                      ? std::make_unique<TuntapPort>(
                            options.interface, h.ethernet(),
                            TuntapPort::kDefaultMaxPacketSize, reactor, system)
                      : std::make_unique<TuntapPort>(
                            options.interface, h.ip(),
                            TuntapPort::kDefaultMaxPacketSize, reactor, system);
  h.AttachLink(tunnel->port_.get());
  if (absl::Status s = tunnel->port_->StartListening(); !s.ok()) return s;
  absl::StatusOr<DatagramTransport*> bound =
      h.BindUdp(options.port, &tunnel->echo_);
  if (!bound.ok()) return bound.status();
  tunnel->transport_ = *bound;
  return tunnel;
}

void UdpEchoTun::Stop() {
  transport_->StopListening();
  port_->StopListening();
}

}  // namespace standin::examples
