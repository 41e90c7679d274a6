#include "standin/tuntap/capture.h"

#include <cstdio>

#include "absl/strings/str_cat.h"

namespace standin {
namespace {

absl::Status CheckLinkType(TunnelType type, const netstack::PcapWriter& pcap) {
  const netstack::LinkType want = type == TunnelType::kTap
                                      ? netstack::LinkType::kEthernet
                                      : netstack::LinkType::kRaw;
  if (pcap.link_type() == want) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("a ", ToString(type), " tunnel needs a pcap of link type ",
                   static_cast<uint32_t>(want), ", not ",
                   static_cast<uint32_t>(pcap.link_type())));
}

}  // namespace

absl::Status CapturePort(TuntapPort* port, netstack::PcapWriter* pcap) {
  if (absl::Status s = CheckLinkType(port->type(), *pcap); !s.ok()) return s;
  port->set_capture([port, pcap](std::string_view datagram) {
    if (absl::Status s = pcap->WritePacket(datagram); !s.ok()) {
      // No better place to say so than where the port reports failures.
      std::fprintf(stderr, "%s: pcap capture failed: %s\n",
                   port->LogPrefix().c_str(), s.ToString().c_str());
    }
  });
  return absl::OkStatus();
}

absl::Status CaptureTunnel(Tunnel* tunnel, netstack::PcapWriter* pcap) {
  if (!tunnel->tunnel_type().has_value()) {
    return absl::FailedPreconditionError(
        "capture needs the tunnel's type: call TUNSETIFF first");
  }
  if (absl::Status s = CheckLinkType(*tunnel->tunnel_type(), *pcap); !s.ok()) {
    return s;
  }
  tunnel->set_capture(
      [pcap](std::string_view datagram) { (void)pcap->WritePacket(datagram); });
  return absl::OkStatus();
}

}  // namespace standin
