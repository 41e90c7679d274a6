// ICMPv4 (RFC 792): a checked view over received bytes (Icmpv4Packet) and
// the echo request/reply header as a value that can be emitted
// (Icmpv4Echo) — what `ping` sends and what a host answers.
//
// Check()/Parse() validate every ICMPv4 message: at least the 8-byte header
// and a checksum that verifies over the whole message. Which types mean
// something is up to the caller; Icmpv4Echo::Check() takes an echo apart
// (type 8 or 0, code 0).
//
//   using namespace standin::netstack;
//   absl::StatusOr<Icmpv4Packet> icmp = Icmpv4Packet::Parse(ip->payload());
//   if (!icmp.ok()) return icmp.status();  // "ICMP checksum 0x1234 ..."
//   Icmpv4Echo echo;
//   if (icmp->type() == kIcmpEchoRequest &&
//       Icmpv4Echo::Check(*icmp, &echo) == DropReason::kNone) {
//     echo.type = kIcmpEchoReply;          // same identifier and sequence
//     std::string reply(Icmpv4Echo::kSize + icmp->data().size(), '\0');
//     std::memcpy(reply.data() + Icmpv4Echo::kSize, icmp->data().data(),
//                 icmp->data().size());
//     echo.Emit(reply.data(), reply.size());  // checksum over the data too
//   }
#ifndef STANDIN_NETSTACK_ICMP_H_
#define STANDIN_NETSTACK_ICMP_H_

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string_view>

#include "absl/status/statusor.h"
#include "standin/netstack/checksum.h"
#include "standin/netstack/drop_reason.h"
#include "standin/netstack/wire_field.h"

namespace standin::netstack {

// ICMPv4 message types the stack knows by name.
inline constexpr uint8_t kIcmpEchoReply = 0;
inline constexpr uint8_t kIcmpDestinationUnreachable = 3;
inline constexpr uint8_t kIcmpEchoRequest = 8;

// The ICMPv4 header layout; identifier and sequence are the echo messages'
// "rest of header".
namespace icmp_field {
inline constexpr Field kType{0, 1};
inline constexpr Field kCode{1, 2};
inline constexpr Field kChecksum{2, 4};
inline constexpr Field kRestOfHeader{4, 8};
inline constexpr Field kEchoIdentifier{4, 6};
inline constexpr Field kEchoSequence{6, 8};
inline constexpr size_t kDataStart = 8;
}  // namespace icmp_field

// A validated, non-owning view of one ICMPv4 message (the whole IPv4
// payload: ICMP has no length field of its own).
class Icmpv4Packet {
 public:
  static constexpr size_t kHeaderSize = icmp_field::kDataStart;

  // Validates `bytes`; on success stores a view in `*out` and returns
  // DropReason::kNone. Never allocates.
  static DropReason Check(std::string_view bytes, Icmpv4Packet* out) {
    if (bytes.size() < kHeaderSize) return DropReason::kIcmpTooShort;
    if (InternetChecksum(bytes) != 0) return DropReason::kIcmpBadChecksum;
    out->bytes_ = bytes;
    return DropReason::kNone;
  }
  // As Check(), with a status whose message names the defect.
  static absl::StatusOr<Icmpv4Packet> Parse(std::string_view bytes);

  uint8_t type() const {
    return static_cast<uint8_t>(bytes_[icmp_field::kType.start]);
  }
  uint8_t code() const {
    return static_cast<uint8_t>(bytes_[icmp_field::kCode.start]);
  }
  uint16_t checksum() const {
    return LoadBe16(bytes_.data() + icmp_field::kChecksum.start);
  }
  // Meaningful for echo messages only.
  uint16_t echo_identifier() const {
    return LoadBe16(bytes_.data() + icmp_field::kEchoIdentifier.start);
  }
  uint16_t echo_sequence() const {
    return LoadBe16(bytes_.data() + icmp_field::kEchoSequence.start);
  }
  // Everything after the 8-byte header (an echo's data).
  std::string_view data() const {
    return bytes_.substr(icmp_field::kDataStart);
  }
  // The whole message.
  std::string_view bytes() const { return bytes_; }

 private:
  std::string_view bytes_;
};

// The header of an echo request or reply as a value.
struct Icmpv4Echo {
  static constexpr size_t kSize = Icmpv4Packet::kHeaderSize;

  uint8_t type = kIcmpEchoRequest;  // kIcmpEchoRequest or kIcmpEchoReply
  uint16_t identifier = 0;
  uint16_t sequence = 0;

  // Takes an echo message apart: kIcmpEchoBadCode unless its code is 0;
  // kNoProtocol when it is not an echo request or reply at all.
  static DropReason Check(const Icmpv4Packet& packet, Icmpv4Echo* out);
  // As Check(), with a status naming the type or code.
  static absl::StatusOr<Icmpv4Echo> Parse(const Icmpv4Packet& packet);

  // `message` is `size` bytes: room for the 8-byte header, then the data.
  // Writes the header (code 0) with the checksum over header and data.
  void Emit(char* message, size_t size) const;

  friend bool operator==(const Icmpv4Echo&, const Icmpv4Echo&) = default;
};

std::ostream& operator<<(std::ostream& os, const Icmpv4Echo& echo);
// "Icmpv4Packet{type 8, code 0, checksum 0x1c2d, id=1 seq=2, data "ping"}"
// (see QuotedBytes(); id and seq for echo messages only).
std::ostream& operator<<(std::ostream& os, const Icmpv4Packet& packet);

}  // namespace standin::netstack

#endif  // STANDIN_NETSTACK_ICMP_H_
