// Ethernet II frames: a checked view over received bytes (EthernetFrame) and
// a plain header value that can be emitted (EthernetHeader).
//
// A view is only made by Check()/Parse(), which verify the 14-byte header is
// present, so every accessor afterwards is in bounds. The payload is
// everything after the header, including any padding up to the 60-byte
// minimum frame (the IPv4 layer trims it by the total-length field).
//
//   using namespace standin::netstack;
//   absl::StatusOr<EthernetFrame> frame = EthernetFrame::Parse(bytes);
//   if (!frame.ok()) return frame.status();  // "Ethernet frame is 9 bytes..."
//   if (frame->ethertype() == kEtherTypeIpv4) HandleIp(frame->payload());
//
//   EthernetHeader header{.destination = MacAddress::Broadcast(),
//                         .source = my_mac, .ethertype = kEtherTypeArp};
//   char out[EthernetHeader::kSize];
//   header.Emit(out);
#ifndef STANDIN_NETSTACK_ETHERNET_H_
#define STANDIN_NETSTACK_ETHERNET_H_

#include <cstdint>
#include <cstring>
#include <ostream>
#include <string_view>

#include "absl/status/statusor.h"
#include "standin/netstack/drop_reason.h"
#include "standin/netstack/mac_address.h"
#include "standin/netstack/wire_field.h"

namespace standin::netstack {

// Ethertypes the stack knows by name.
inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint16_t kEtherTypeIpv6 = 0x86dd;

// The Ethernet II header layout.
namespace ethernet_field {
inline constexpr Field kDestination{0, 6};
inline constexpr Field kSource{6, 12};
inline constexpr Field kEtherType{12, 14};
inline constexpr size_t kPayloadStart = 14;
}  // namespace ethernet_field

// A validated, non-owning view of one Ethernet frame.
class EthernetFrame {
 public:
  static constexpr size_t kHeaderSize = ethernet_field::kPayloadStart;

  // Validates `bytes`; on success stores a view in `*out` and returns
  // DropReason::kNone. Never allocates.
  static DropReason Check(std::string_view bytes, EthernetFrame* out) {
    if (bytes.size() < kHeaderSize) return DropReason::kEthernetTooShort;
    out->bytes_ = bytes;
    return DropReason::kNone;
  }
  // As Check(), with a status whose message names the defect.
  static absl::StatusOr<EthernetFrame> Parse(std::string_view bytes);

  MacAddress destination() const {
    return MacAddress::FromWire(bytes_.data() +
                                ethernet_field::kDestination.start);
  }
  MacAddress source() const {
    return MacAddress::FromWire(bytes_.data() + ethernet_field::kSource.start);
  }
  uint16_t ethertype() const {
    return LoadBe16(bytes_.data() + ethernet_field::kEtherType.start);
  }
  // Everything after the header (may include link-layer padding).
  std::string_view payload() const {
    return bytes_.substr(ethernet_field::kPayloadStart);
  }
  // The whole frame.
  std::string_view bytes() const { return bytes_; }

 private:
  std::string_view bytes_;
};

// The header as a value; Emit() writes it.
struct EthernetHeader {
  static constexpr size_t kSize = EthernetFrame::kHeaderSize;

  MacAddress destination;
  MacAddress source;
  uint16_t ethertype = 0;

  static EthernetHeader FromFrame(const EthernetFrame& frame);
  // Writes the 14 header bytes to `out`.
  void Emit(char* out) const {
    std::memcpy(out + ethernet_field::kDestination.start,
                destination.octets().data(), MacAddress::kSize);
    std::memcpy(out + ethernet_field::kSource.start, source.octets().data(),
                MacAddress::kSize);
    StoreBe16(out + ethernet_field::kEtherType.start, ethertype);
  }

  friend bool operator==(const EthernetHeader&,
                         const EthernetHeader&) = default;
};

// One line each, source > destination: "EthernetFrame{02:00:00:00:00:01 >
// ff:ff:ff:ff:ff:ff, type 0x0800, payload "E\x00..."... (46 bytes)}" (see
// QuotedBytes()) and "EthernetHeader{... > ..., type 0x0806}".
std::ostream& operator<<(std::ostream& os, const EthernetFrame& frame);
std::ostream& operator<<(std::ostream& os, const EthernetHeader& header);

}  // namespace standin::netstack

#endif  // STANDIN_NETSTACK_ETHERNET_H_
