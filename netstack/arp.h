// ARP over Ethernet for IPv4 (RFC 826): a checked view over received bytes
// (ArpPacket) and a plain message value that can be emitted (ArpMessage).
//
// ARP is generic over link and protocol addresses; this stack speaks only
// its Ethernet/IPv4 form (hardware type 1, protocol type 0x0800, address
// lengths 6 and 4: a 28-byte message). Check()/Parse() validate, in order:
// the 8-byte fixed part; that form; the 28 bytes it needs; an operation of
// request (1) or reply (2). Bytes after the 28 (Ethernet padding to the
// 60-byte minimum frame) are trimmed.
//
//   using namespace standin::netstack;
//   absl::StatusOr<ArpPacket> arp = ArpPacket::Parse(frame->payload());
//   if (!arp.ok()) return arp.status();  // "ARP operation 3 is neither..."
//   if (arp->operation() == ArpOperation::kRequest &&
//       arp->target_ip() == my_ip) {
//     ArpMessage reply{.operation = ArpOperation::kReply,
//                      .sender_mac = my_mac, .sender_ip = my_ip,
//                      .target_mac = arp->sender_mac(),
//                      .target_ip = arp->sender_ip()};
//     char out[ArpMessage::kSize];
//     reply.Emit(out);
//   }
#ifndef STANDIN_NETSTACK_ARP_H_
#define STANDIN_NETSTACK_ARP_H_

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string_view>

#include "absl/status/statusor.h"
#include "standin/netstack/drop_reason.h"
#include "standin/netstack/mac_address.h"
#include "standin/netstack/wire_field.h"
#include "standin/transport/address.h"

namespace standin::netstack {

// The ARP header layout for Ethernet/IPv4 (the addresses follow the fixed
// part at offsets set by the two length fields; for 6 and 4 they are these).
namespace arp_field {
inline constexpr Field kHardwareType{0, 2};
inline constexpr Field kProtocolType{2, 4};
inline constexpr Field kHardwareLength{4, 5};
inline constexpr Field kProtocolLength{5, 6};
inline constexpr Field kOperation{6, 8};
inline constexpr Field kSenderMac{8, 14};
inline constexpr Field kSenderIp{14, 18};
inline constexpr Field kTargetMac{18, 24};
inline constexpr Field kTargetIp{24, 28};
inline constexpr size_t kFixedSize = 8;
inline constexpr uint16_t kHardwareEthernet = 1;
}  // namespace arp_field

enum class ArpOperation : uint16_t { kRequest = 1, kReply = 2 };

// A validated, non-owning view of one Ethernet/IPv4 ARP message, trimmed to
// its 28 bytes.
class ArpPacket {
 public:
  static constexpr size_t kSize = arp_field::kTargetIp.end;

  // Validates `bytes`; on success stores a view in `*out` and returns
  // DropReason::kNone. Never allocates.
  static DropReason Check(std::string_view bytes, ArpPacket* out) {
    if (bytes.size() < arp_field::kFixedSize) return DropReason::kArpTooShort;
    if (LoadBe16(bytes.data() + arp_field::kHardwareType.start) !=
            arp_field::kHardwareEthernet ||
        LoadBe16(bytes.data() + arp_field::kProtocolType.start) != 0x0800 ||
        static_cast<uint8_t>(bytes[arp_field::kHardwareLength.start]) !=
            MacAddress::kSize ||
        static_cast<uint8_t>(bytes[arp_field::kProtocolLength.start]) != 4) {
      return DropReason::kArpNotEthernetIpv4;
    }
    if (bytes.size() < kSize) return DropReason::kArpTooShort;
    uint16_t operation = LoadBe16(bytes.data() + arp_field::kOperation.start);
    if (operation != static_cast<uint16_t>(ArpOperation::kRequest) &&
        operation != static_cast<uint16_t>(ArpOperation::kReply)) {
      return DropReason::kArpBadOperation;
    }
    out->bytes_ = bytes.substr(0, kSize);  // trims link-layer padding
    return DropReason::kNone;
  }
  // As Check(), with a status whose message names the defect.
  static absl::StatusOr<ArpPacket> Parse(std::string_view bytes);

  ArpOperation operation() const {
    return static_cast<ArpOperation>(
        LoadBe16(bytes_.data() + arp_field::kOperation.start));
  }
  MacAddress sender_mac() const {
    return MacAddress::FromWire(bytes_.data() + arp_field::kSenderMac.start);
  }
  IPv4Host sender_ip() const {
    return IPv4Host(LoadBe32(bytes_.data() + arp_field::kSenderIp.start));
  }
  MacAddress target_mac() const {
    return MacAddress::FromWire(bytes_.data() + arp_field::kTargetMac.start);
  }
  IPv4Host target_ip() const {
    return IPv4Host(LoadBe32(bytes_.data() + arp_field::kTargetIp.start));
  }
  // The 28 bytes of the message.
  std::string_view bytes() const { return bytes_; }

 private:
  std::string_view bytes_;
};

// An Ethernet/IPv4 ARP message as a value; Emit() writes it.
struct ArpMessage {
  static constexpr size_t kSize = ArpPacket::kSize;

  ArpOperation operation = ArpOperation::kRequest;
  MacAddress sender_mac;
  IPv4Host sender_ip;
  MacAddress target_mac;  // all zero in a request: the unknown
  IPv4Host target_ip;

  static ArpMessage FromPacket(const ArpPacket& packet);
  // Writes the 28 bytes to `out`.
  void Emit(char* out) const;

  friend bool operator==(const ArpMessage&, const ArpMessage&) = default;
};

std::ostream& operator<<(std::ostream& os, ArpOperation operation);
// "ARP request who-has 192.0.2.2 tell 192.0.2.1 (02:00:00:00:00:01)".
std::ostream& operator<<(std::ostream& os, const ArpMessage& message);
// "ArpPacket{ARP request who-has ...}", the message it holds.
std::ostream& operator<<(std::ostream& os, const ArpPacket& packet);

}  // namespace standin::netstack

#endif  // STANDIN_NETSTACK_ARP_H_
