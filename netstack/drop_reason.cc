#include "standin/netstack/drop_reason.h"

#include "absl/strings/str_cat.h"

namespace standin::netstack {

std::string_view DropReasonName(DropReason reason) {
  switch (reason) {
    case DropReason::kNone:
      return "none";
    case DropReason::kEthernetTooShort:
      return "ethernet-too-short";
    case DropReason::kIpv4TooShort:
      return "ipv4-too-short";
    case DropReason::kIpv4BadVersion:
      return "ipv4-bad-version";
    case DropReason::kIpv4IhlTooSmall:
      return "ipv4-ihl-too-small";
    case DropReason::kIpv4IhlBeyondBuffer:
      return "ipv4-ihl-beyond-buffer";
    case DropReason::kIpv4TotalLengthTooSmall:
      return "ipv4-total-length-too-small";
    case DropReason::kIpv4TotalLengthBeyondBuffer:
      return "ipv4-total-length-beyond-buffer";
    case DropReason::kIpv4BadChecksum:
      return "ipv4-bad-checksum";
    case DropReason::kIpv4Fragment:
      return "ipv4-fragment";
    case DropReason::kUdpTooShort:
      return "udp-too-short";
    case DropReason::kUdpLengthTooSmall:
      return "udp-length-too-small";
    case DropReason::kUdpLengthBeyondBuffer:
      return "udp-length-beyond-buffer";
    case DropReason::kUdpBadChecksum:
      return "udp-bad-checksum";
    case DropReason::kArpTooShort:
      return "arp-too-short";
    case DropReason::kArpNotEthernetIpv4:
      return "arp-not-ethernet-ipv4";
    case DropReason::kArpBadOperation:
      return "arp-bad-operation";
    case DropReason::kIcmpTooShort:
      return "icmp-too-short";
    case DropReason::kIcmpBadChecksum:
      return "icmp-bad-checksum";
    case DropReason::kIcmpEchoBadCode:
      return "icmp-echo-bad-code";
    case DropReason::kNotForUs:
      return "not-for-us";
    case DropReason::kArpTimeout:
      return "arp-timeout";
    case DropReason::kLinkError:
      return "link-error";
    case DropReason::kNoProtocol:
      return "no-protocol";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& os, DropReason reason) {
  return os << DropReasonName(reason);
}

uint64_t DropCounts::total() const {
  uint64_t total = 0;
  for (uint64_t c : counts_) total += c;
  return total;
}

std::string DropCounts::ToString() const {
  std::string out = "{";
  for (size_t i = 0; i < kDropReasonCount; ++i) {
    if (counts_[i] == 0) continue;
    if (out.size() > 1) out += ", ";
    std::string_view name = DropReasonName(static_cast<DropReason>(i));
    out.append(name.data(), name.size());
    absl::StrAppend(&out, ": ", counts_[i]);
  }
  out += "}";
  return out;
}

std::ostream& operator<<(std::ostream& os, const DropCounts& counts) {
  return os << counts.ToString();
}

}  // namespace standin::netstack
