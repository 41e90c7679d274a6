#include "standin/netstack/arp.h"

#include <cstring>
#include <ostream>

#include "absl/strings/str_format.h"

namespace standin::netstack {

absl::StatusOr<ArpPacket> ArpPacket::Parse(std::string_view bytes) {
  ArpPacket packet;
  DropReason reason = Check(bytes, &packet);
  if (reason == DropReason::kNone) return packet;
  // Only reached for a defect, so the fields Check() got past are readable.
  const auto byte = [&](Field f) {
    return static_cast<uint8_t>(bytes[f.start]);
  };
  switch (reason) {
    case DropReason::kArpTooShort:
      return absl::InvalidArgumentError(
          bytes.size() < arp_field::kFixedSize
              ? absl::StrFormat("ARP message is %d bytes, shorter than its "
                                "8-byte fixed part",
                                bytes.size())
              : absl::StrFormat("ARP message is %d bytes, shorter than the "
                                "28 bytes of Ethernet/IPv4 ARP",
                                bytes.size()));
    case DropReason::kArpNotEthernetIpv4:
      return absl::InvalidArgumentError(absl::StrFormat(
          "ARP hardware type %d (length %d), protocol type 0x%04x (length "
          "%d) is not Ethernet (1, 6) / IPv4 (0x0800, 4)",
          LoadBe16(bytes.data() + arp_field::kHardwareType.start),
          byte(arp_field::kHardwareLength),
          LoadBe16(bytes.data() + arp_field::kProtocolType.start),
          byte(arp_field::kProtocolLength)));
    case DropReason::kArpBadOperation:
      return absl::InvalidArgumentError(absl::StrFormat(
          "ARP operation %d is neither request (1) nor reply (2)",
          LoadBe16(bytes.data() + arp_field::kOperation.start)));
    default:
      return absl::InvalidArgumentError(absl::StrFormat(
          "ARP message rejected: %s", std::string(DropReasonName(reason))));
  }
}

ArpMessage ArpMessage::FromPacket(const ArpPacket& packet) {
  return ArpMessage{.operation = packet.operation(),
                    .sender_mac = packet.sender_mac(),
                    .sender_ip = packet.sender_ip(),
                    .target_mac = packet.target_mac(),
                    .target_ip = packet.target_ip()};
}

void ArpMessage::Emit(char* out) const {
  StoreBe16(out + arp_field::kHardwareType.start, arp_field::kHardwareEthernet);
  StoreBe16(out + arp_field::kProtocolType.start, 0x0800);
  out[arp_field::kHardwareLength.start] = MacAddress::kSize;
  out[arp_field::kProtocolLength.start] = 4;
  StoreBe16(out + arp_field::kOperation.start,
            static_cast<uint16_t>(operation));
  std::memcpy(out + arp_field::kSenderMac.start, sender_mac.octets().data(),
              MacAddress::kSize);
  StoreBe32(out + arp_field::kSenderIp.start, sender_ip.value());
  std::memcpy(out + arp_field::kTargetMac.start, target_mac.octets().data(),
              MacAddress::kSize);
  StoreBe32(out + arp_field::kTargetIp.start, target_ip.value());
}

std::ostream& operator<<(std::ostream& os, ArpOperation operation) {
  switch (operation) {
    case ArpOperation::kRequest:
      return os << "request";
    case ArpOperation::kReply:
      return os << "reply";
  }
  return os << "operation " << static_cast<uint16_t>(operation);
}

std::ostream& operator<<(std::ostream& os, const ArpMessage& m) {
  if (m.operation == ArpOperation::kRequest) {
    return os << "ARP request who-has " << m.target_ip << " tell "
              << m.sender_ip << " (" << m.sender_mac << ")";
  }
  return os << "ARP " << m.operation << " " << m.sender_ip << " is-at "
            << m.sender_mac << " (to " << m.target_ip << " at " << m.target_mac
            << ")";
}

std::ostream& operator<<(std::ostream& os, const ArpPacket& packet) {
  return os << "ArpPacket{" << ArpMessage::FromPacket(packet) << "}";
}

}  // namespace standin::netstack
