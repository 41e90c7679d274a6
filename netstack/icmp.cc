#include "standin/netstack/icmp.h"

#include <ostream>
#include <string>

#include "absl/strings/str_format.h"
#include "standin/transport/status.h"

namespace standin::netstack {

absl::StatusOr<Icmpv4Packet> Icmpv4Packet::Parse(std::string_view bytes) {
  Icmpv4Packet packet;
  switch (DropReason reason = Check(bytes, &packet)) {
    case DropReason::kNone:
      return packet;
    case DropReason::kIcmpTooShort:
      return absl::InvalidArgumentError(absl::StrFormat(
          "ICMP message is %d bytes, shorter than the 8-byte header",
          bytes.size()));
    case DropReason::kIcmpBadChecksum: {
      std::string zeroed(bytes);
      zeroed[icmp_field::kChecksum.start] = 0;
      zeroed[icmp_field::kChecksum.start + 1] = 0;
      return absl::InvalidArgumentError(
          absl::StrFormat("ICMP checksum 0x%04x is wrong (expected 0x%04x)",
                          LoadBe16(bytes.data() + icmp_field::kChecksum.start),
                          InternetChecksum(zeroed)));
    }
    default:
      return absl::InvalidArgumentError(absl::StrFormat(
          "ICMP message rejected: %s", std::string(DropReasonName(reason))));
  }
}

DropReason Icmpv4Echo::Check(const Icmpv4Packet& packet, Icmpv4Echo* out) {
  if (packet.type() != kIcmpEchoRequest && packet.type() != kIcmpEchoReply) {
    return DropReason::kNoProtocol;
  }
  if (packet.code() != 0) return DropReason::kIcmpEchoBadCode;
  *out = Icmpv4Echo{.type = packet.type(),
                    .identifier = packet.echo_identifier(),
                    .sequence = packet.echo_sequence()};
  return DropReason::kNone;
}

absl::StatusOr<Icmpv4Echo> Icmpv4Echo::Parse(const Icmpv4Packet& packet) {
  Icmpv4Echo echo;
  switch (Check(packet, &echo)) {
    case DropReason::kNone:
      return echo;
    case DropReason::kIcmpEchoBadCode:
      return absl::InvalidArgumentError(absl::StrFormat(
          "ICMP echo %s has code %d, expected 0",
          packet.type() == kIcmpEchoRequest ? "request" : "reply",
          packet.code()));
    default:
      return absl::InvalidArgumentError(absl::StrFormat(
          "ICMP type %d is not an echo request (8) or reply (0)",
          packet.type()));
  }
}

void Icmpv4Echo::Emit(char* message, size_t size) const {
  message[icmp_field::kType.start] = static_cast<char>(type);
  message[icmp_field::kCode.start] = 0;
  StoreBe16(message + icmp_field::kChecksum.start, 0);
  StoreBe16(message + icmp_field::kEchoIdentifier.start, identifier);
  StoreBe16(message + icmp_field::kEchoSequence.start, sequence);
  StoreBe16(message + icmp_field::kChecksum.start,
            InternetChecksum(std::string_view(message, size)));
}

std::ostream& operator<<(std::ostream& os, const Icmpv4Echo& echo) {
  return os << "ICMP echo "
            << (echo.type == kIcmpEchoRequest ? "request"
                : echo.type == kIcmpEchoReply
                    ? "reply"
                    : "type " + std::to_string(echo.type))
            << " id=" << echo.identifier << " seq=" << echo.sequence;
}

std::ostream& operator<<(std::ostream& os, const Icmpv4Packet& packet) {
  os << "Icmpv4Packet{type " << int{packet.type()} << ", code "
     << int{packet.code()} << ", checksum "
     << absl::StrFormat("0x%04x", packet.checksum());
  if (packet.type() == kIcmpEchoRequest || packet.type() == kIcmpEchoReply) {
    os << ", id=" << packet.echo_identifier()
       << " seq=" << packet.echo_sequence();
  }
  return os << ", data " << QuotedBytes(packet.data()) << "}";
}

}  // namespace standin::netstack
