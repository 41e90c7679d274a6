// UDP datagrams: a checked view over received bytes (UdpDatagram) and a
// plain header value that can be emitted (UdpHeader).
//
// Check()/Parse() validate: at least 8 bytes; the length field >= 8 and
// within the buffer (bytes beyond it are trimmed). Given the IPv4 source and
// destination, they also verify a nonzero checksum over the pseudo-header
// (0 means the sender computed none, RFC 768).
//
//   using namespace standin::netstack;
//   absl::StatusOr<UdpDatagram> udp =
//       UdpDatagram::Parse(ip->payload(), ip->source(), ip->destination());
//   if (!udp.ok()) return udp.status();  // "UDP checksum 0xdead is wrong..."
//   Deliver(udp->destination_port(), udp->payload());
//
//   UdpHeader h{.source_port = 5353, .destination_port = 53};
//   std::string datagram(UdpHeader::kSize, '\0');
//   datagram += "query";
//   h.EmitWithChecksum(src, dst, datagram.data(), datagram.size());
#ifndef STANDIN_NETSTACK_UDP_H_
#define STANDIN_NETSTACK_UDP_H_

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string_view>

#include "absl/status/statusor.h"
#include "standin/netstack/checksum.h"
#include "standin/netstack/drop_reason.h"
#include "standin/netstack/ipv4.h"
#include "standin/netstack/wire_field.h"
#include "standin/transport/address.h"

namespace standin::netstack {

// The UDP header layout (RFC 768).
namespace udp_field {
inline constexpr Field kSourcePort{0, 2};
inline constexpr Field kDestinationPort{2, 4};
inline constexpr Field kLength{4, 6};
inline constexpr Field kChecksum{6, 8};
inline constexpr size_t kPayloadStart = 8;
}  // namespace udp_field

// The UDP checksum of `datagram` (header + payload, its checksum field
// ignored) sent from `source` to `destination`, ready to store: a computed 0
// is sent as 0xffff, since 0 means "no checksum".
uint16_t UdpChecksum(IPv4Host source, IPv4Host destination,
                     std::string_view datagram);

// The same from the header fields and the payload alone, for a builder that
// has not laid the datagram out yet.
uint16_t UdpChecksum(IPv4Host source, IPv4Host destination,
                     uint16_t source_port, uint16_t destination_port,
                     std::string_view payload);

// A validated, non-owning view of one UDP datagram, trimmed to its length.
class UdpDatagram {
 public:
  static constexpr size_t kHeaderSize = udp_field::kPayloadStart;

  // Validates lengths only (no pseudo-header, so no checksum). Never
  // allocates. Both Check()s are inline: they run on every datagram.
  static DropReason Check(std::string_view bytes, UdpDatagram* out);
  // Validates lengths and, when the checksum field is nonzero, the checksum.
  static DropReason Check(std::string_view bytes, IPv4Host source,
                          IPv4Host destination, UdpDatagram* out);
  // As Check(), with a status whose message names the defect.
  static absl::StatusOr<UdpDatagram> Parse(std::string_view bytes);
  static absl::StatusOr<UdpDatagram> Parse(std::string_view bytes,
                                           IPv4Host source,
                                           IPv4Host destination);

  uint16_t source_port() const { return Be16(udp_field::kSourcePort); }
  uint16_t destination_port() const {
    return Be16(udp_field::kDestinationPort);
  }
  uint16_t length() const { return Be16(udp_field::kLength); }
  uint16_t checksum() const { return Be16(udp_field::kChecksum); }
  std::string_view payload() const {
    return bytes_.substr(udp_field::kPayloadStart);
  }
  // Header and payload, trimmed to length().
  std::string_view bytes() const { return bytes_; }

 private:
  uint16_t Be16(Field f) const { return LoadBe16(bytes_.data() + f.start); }
  std::string_view bytes_;
};

namespace internal {

// Whether `datagram` (with its checksum field) sums to 0xffff with the
// pseudo-header. The datagram's words are summed as loaded (little-endian),
// so the pseudo-header joins them byte-swapped; 0xffff reads the same
// either way (RFC 1071 byte-order independence).
inline bool UdpChecksumVerifies(IPv4Host source, IPv4Host destination,
                                std::string_view datagram) {
  uint64_t pseudo = (source.value() >> 16) + (source.value() & 0xffff) +
                    (destination.value() >> 16) +
                    (destination.value() & 0xffff) + kIpProtocolUdp +
                    datagram.size();
  const uint64_t initial = __builtin_bswap16(Fold64(pseudo));
  const uint64_t sum =
      OnesComplementSum64(datagram.data(), datagram.size(), initial);
  return Fold64(sum) == 0xffff;
}

}  // namespace internal

inline DropReason UdpDatagram::Check(std::string_view bytes, UdpDatagram* out) {
  if (bytes.size() < kHeaderSize) return DropReason::kUdpTooShort;
  size_t length = LoadBe16(bytes.data() + udp_field::kLength.start);
  if (length < kHeaderSize) return DropReason::kUdpLengthTooSmall;
  if (length > bytes.size()) return DropReason::kUdpLengthBeyondBuffer;
  out->bytes_ = bytes.substr(0, length);
  return DropReason::kNone;
}

inline DropReason UdpDatagram::Check(std::string_view bytes, IPv4Host source,
                                     IPv4Host destination, UdpDatagram* out) {
  UdpDatagram datagram;
  DropReason reason = Check(bytes, &datagram);
  if (reason != DropReason::kNone) return reason;
  // A correct checksum makes the whole sum 0xffff (or 0, for the all-zero
  // sum, which a valid datagram cannot have: the length is > 0).
  if (datagram.checksum() != 0 &&
      !internal::UdpChecksumVerifies(source, destination, datagram.bytes())) {
    return DropReason::kUdpBadChecksum;
  }
  *out = datagram;
  return DropReason::kNone;
}

// The header as a value.
struct UdpHeader {
  static constexpr size_t kSize = UdpDatagram::kHeaderSize;

  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  uint16_t length = 0;    // header + payload; Emit*() below set it
  uint16_t checksum = 0;  // 0: none

  static UdpHeader FromDatagram(const UdpDatagram& datagram);
  // Writes the 8 header bytes exactly as the fields say.
  void Emit(char* out) const {
    StoreBe16(out + udp_field::kSourcePort.start, source_port);
    StoreBe16(out + udp_field::kDestinationPort.start, destination_port);
    StoreBe16(out + udp_field::kLength.start, length);
    StoreBe16(out + udp_field::kChecksum.start, checksum);
  }
  // `datagram` is `size` bytes: room for the header, then the payload.
  // Writes the header with length = size and checksum 0 (none).
  void EmitWithoutChecksum(char* datagram, size_t size) const;
  // As above, then computes and stores the checksum over the pseudo-header.
  void EmitWithChecksum(IPv4Host source, IPv4Host destination, char* datagram,
                        size_t size) const;

  friend bool operator==(const UdpHeader&, const UdpHeader&) = default;
};

// One line each, source port > destination port: "UdpDatagram{40000 > 53,
// length 13, checksum 0x1c2d, payload "query"}" (see QuotedBytes()) and
// "UdpHeader{40000 > 53, length 13, checksum none}".
std::ostream& operator<<(std::ostream& os, const UdpDatagram& datagram);
std::ostream& operator<<(std::ostream& os, const UdpHeader& header);

}  // namespace standin::netstack

#endif  // STANDIN_NETSTACK_UDP_H_
