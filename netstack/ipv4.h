// IPv4 packets: a checked view over received bytes (Ipv4Packet) and a plain
// header value that can be emitted (Ipv4Header).
//
// Check()/Parse() validate, in order: at least 20 bytes; version 4; IHL >= 5
// and within the buffer; total length >= IHL*4 and within the buffer; the
// header checksum. Bytes after the total length (Ethernet padding) are
// trimmed; IP options are skipped by IHL, so payload() starts where the
// header really ends (Twisted assumes 20 bytes). Fragments are valid packets:
// is_fragment() says so, and nothing is reassembled.
//
//   using namespace standin::netstack;
//   absl::StatusOr<Ipv4Packet> ip = Ipv4Packet::Parse(frame->payload());
//   if (!ip.ok()) return ip.status();  // "IPv4 header checksum 0x1234 ..."
//   if (ip->protocol() == kIpProtocolUdp && !ip->is_fragment()) {
//     HandleUdp(ip->source(), ip->destination(), ip->payload());
//   }
//
//   Ipv4Header h{.source = IPv4Host(192, 0, 2, 1),
//                .destination = IPv4Host(192, 0, 2, 2),
//                .protocol = kIpProtocolUdp, .payload_length = 12};
//   std::string out(h.header_size(), '\0');
//   h.Emit(out.data());  // checksum filled in
#ifndef STANDIN_NETSTACK_IPV4_H_
#define STANDIN_NETSTACK_IPV4_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "standin/netstack/checksum.h"
#include "standin/netstack/drop_reason.h"
#include "standin/netstack/wire_field.h"
#include "standin/transport/address.h"

namespace standin::netstack {

// IP protocol numbers the stack knows by name.
inline constexpr uint8_t kIpProtocolIcmp = 1;
inline constexpr uint8_t kIpProtocolTcp = 6;
inline constexpr uint8_t kIpProtocolUdp = 17;

// The IPv4 header layout (RFC 791).
namespace ipv4_field {
inline constexpr Field kVersionIhl{0, 1};
inline constexpr Field kTos{1, 2};
inline constexpr Field kTotalLength{2, 4};
inline constexpr Field kIdentification{4, 6};
inline constexpr Field kFlagsFragmentOffset{6, 8};
inline constexpr Field kTtl{8, 9};
inline constexpr Field kProtocol{9, 10};
inline constexpr Field kChecksum{10, 12};
inline constexpr Field kSource{12, 16};
inline constexpr Field kDestination{16, 20};
inline constexpr size_t kOptionsStart = 20;
inline constexpr uint16_t kDontFragment = 0x4000;
inline constexpr uint16_t kMoreFragments = 0x2000;
inline constexpr uint16_t kFragmentOffsetMask = 0x1fff;
}  // namespace ipv4_field

// A validated, non-owning view of one IPv4 packet, trimmed to its total
// length.
class Ipv4Packet {
 public:
  static constexpr size_t kMinHeaderSize = 20;
  static constexpr size_t kMaxHeaderSize = 60;

  // Validates `bytes`; on success stores a view in `*out` and returns
  // DropReason::kNone. Never allocates. Inline: it runs on every packet.
  static DropReason Check(std::string_view bytes, Ipv4Packet* out);
  // As Check(), with a status whose message names the defect and its values.
  static absl::StatusOr<Ipv4Packet> Parse(std::string_view bytes);

  uint8_t version() const { return Byte(ipv4_field::kVersionIhl) >> 4; }
  // The header length in 32-bit words (5..15).
  uint8_t ihl() const { return Byte(ipv4_field::kVersionIhl) & 0x0f; }
  // The header length in bytes, options included (Twisted's `ihl`).
  size_t header_length() const { return size_t{ihl()} * 4; }
  uint8_t tos() const { return Byte(ipv4_field::kTos); }
  uint16_t total_length() const { return Be16(ipv4_field::kTotalLength); }
  uint16_t identification() const { return Be16(ipv4_field::kIdentification); }
  bool dont_fragment() const {
    return Be16(ipv4_field::kFlagsFragmentOffset) & ipv4_field::kDontFragment;
  }
  bool more_fragments() const {
    return Be16(ipv4_field::kFlagsFragmentOffset) & ipv4_field::kMoreFragments;
  }
  // The fragment offset in 8-byte units, as on the wire.
  uint16_t fragment_offset() const {
    return Be16(ipv4_field::kFlagsFragmentOffset) &
           ipv4_field::kFragmentOffsetMask;
  }
  // More fragments follow, or this is not the first: the payload is partial.
  bool is_fragment() const { return more_fragments() || fragment_offset(); }
  uint8_t ttl() const { return Byte(ipv4_field::kTtl); }
  uint8_t protocol() const { return Byte(ipv4_field::kProtocol); }
  uint16_t checksum() const { return Be16(ipv4_field::kChecksum); }
  IPv4Host source() const {
    return IPv4Host(LoadBe32(bytes_.data() + ipv4_field::kSource.start));
  }
  IPv4Host destination() const {
    return IPv4Host(LoadBe32(bytes_.data() + ipv4_field::kDestination.start));
  }
  // The option bytes between the fixed header and header_length().
  std::string_view options() const {
    return bytes_.substr(ipv4_field::kOptionsStart,
                         header_length() - ipv4_field::kOptionsStart);
  }
  // The bytes after the header, up to the total length.
  std::string_view payload() const { return bytes_.substr(header_length()); }
  // The packet, header included, trimmed to the total length.
  std::string_view bytes() const { return bytes_; }

 private:
  uint8_t Byte(Field f) const { return static_cast<uint8_t>(bytes_[f.start]); }
  uint16_t Be16(Field f) const { return LoadBe16(bytes_.data() + f.start); }
  std::string_view bytes_;
};

namespace internal {

// Whether the `size`-byte header at `p` sums to 0xffff. The common 20-byte
// header is summed inline: two 8-byte and one 4-byte load.
inline bool Ipv4HeaderChecksumIsValid(const char* p, size_t size) {
  if (size != Ipv4Packet::kMinHeaderSize) {
    // Options: at most 60 bytes, still cheapest inline. Folding is byte-order
    // independent, so no swap is needed to test 0xffff.
    return Fold64(OnesComplementSum64(p, size, 0)) == 0xffff;
  }
  uint64_t a, b;
  uint32_t c;
  std::memcpy(&a, p, 8);
  std::memcpy(&b, p + 8, 8);
  std::memcpy(&c, p + 16, 4);
  unsigned __int128 sum = static_cast<unsigned __int128>(a) + b + c;
  uint64_t folded =
      static_cast<uint64_t>(sum) + static_cast<uint64_t>(sum >> 64);
  folded += folded < static_cast<uint64_t>(sum);  // end-around carry
  // Folding is byte-order independent, so no swap is needed to test 0xffff.
  return Fold64(folded) == 0xffff;
}

}  // namespace internal

inline DropReason Ipv4Packet::Check(std::string_view bytes, Ipv4Packet* out) {
  if (bytes.size() < kMinHeaderSize) return DropReason::kIpv4TooShort;
  uint8_t version_ihl = static_cast<uint8_t>(bytes[0]);
  if (version_ihl >> 4 != 4) return DropReason::kIpv4BadVersion;
  size_t header_length = size_t{version_ihl & 0x0fu} * 4;
  if (header_length < kMinHeaderSize) return DropReason::kIpv4IhlTooSmall;
  if (header_length > bytes.size()) return DropReason::kIpv4IhlBeyondBuffer;
  size_t total_length = LoadBe16(bytes.data() + ipv4_field::kTotalLength.start);
  if (total_length < header_length) {
    return DropReason::kIpv4TotalLengthTooSmall;
  }
  if (total_length > bytes.size()) {
    return DropReason::kIpv4TotalLengthBeyondBuffer;
  }
  if (!internal::Ipv4HeaderChecksumIsValid(bytes.data(), header_length)) {
    return DropReason::kIpv4BadChecksum;
  }
  out->bytes_ = bytes.substr(0, total_length);  // trims link-layer padding
  return DropReason::kNone;
}

// The header as a value; Emit() writes it with a correct checksum.
struct Ipv4Header {
  IPv4Host source;
  IPv4Host destination;
  uint8_t protocol = 0;
  uint8_t tos = 0;
  uint8_t ttl = 64;
  uint16_t identification = 0;
  bool dont_fragment = false;
  bool more_fragments = false;
  uint16_t fragment_offset = 0;  // in 8-byte units
  // Option bytes; Emit() dies unless a multiple of 4 and at most 40 bytes.
  std::string options;
  // Bytes following the header; total length = header_size() + this.
  uint16_t payload_length = 0;

  // The header of `packet`, its options copied.
  static Ipv4Header FromPacket(const Ipv4Packet& packet);
  size_t header_size() const {
    return Ipv4Packet::kMinHeaderSize + options.size();
  }
  // Writes header_size() bytes to `out`, checksum included. Dies when the
  // options are malformed or the total length overflows 16 bits (caller bugs).
  void Emit(char* out) const;

  friend bool operator==(const Ipv4Header&, const Ipv4Header&) = default;
};

// One line each, source > destination: "Ipv4Packet{192.0.2.1 > 192.0.2.2,
// protocol 17, ttl 64, id 7, DF, checksum 0x1c2d, 33 bytes, payload
// "\x00\x07..."... (13 bytes)}" (see QuotedBytes(); MF, fragment offset and
// options appear when set) and "Ipv4Header{... > ..., protocol 1, ttl 64, id
// 0, payload 8 bytes}".
std::ostream& operator<<(std::ostream& os, const Ipv4Packet& packet);
std::ostream& operator<<(std::ostream& os, const Ipv4Header& header);

}  // namespace standin::netstack

#endif  // STANDIN_NETSTACK_IPV4_H_
