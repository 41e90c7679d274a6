#include "standin/netstack/udp.h"

#include "absl/strings/str_format.h"
#include "standin/netstack/checksum.h"
#include "standin/netstack/ipv4.h"
#include "standin/transport/status.h"

namespace standin::netstack {
namespace {

// The ones'-complement sum of the pseudo-header and `datagram` (including
// whatever its checksum field holds). The pseudo-header is summed as
// integers, not laid out in a buffer: one pass over the datagram, no copy.
uint16_t PseudoHeaderSum(IPv4Host source, IPv4Host destination,
                         std::string_view datagram) {
  uint32_t pseudo = (source.value() >> 16) + (source.value() & 0xffff) +
                    (destination.value() >> 16) +
                    (destination.value() & 0xffff) + kIpProtocolUdp +
                    static_cast<uint32_t>(datagram.size());
  return OnesComplementSum(datagram, pseudo);
}

}  // namespace

uint16_t UdpChecksum(IPv4Host source, IPv4Host destination,
                     std::string_view datagram) {
  // Sum with the checksum field as stored, then take it back out, so the
  // caller need not zero it first.
  uint16_t stored = datagram.size() >= UdpDatagram::kHeaderSize
                        ? LoadBe16(datagram.data() + udp_field::kChecksum.start)
                        : 0;
  uint32_t sum = PseudoHeaderSum(source, destination, datagram);
  sum += static_cast<uint16_t>(~stored);  // ones'-complement subtraction
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  uint16_t check = static_cast<uint16_t>(~sum);
  return check == 0 ? 0xffff : check;
}

uint16_t UdpChecksum(IPv4Host source, IPv4Host destination,
                     uint16_t source_port, uint16_t destination_port,
                     std::string_view payload) {
  // The header words are summed from the field values, never re-read from a
  // buffer just written (loading words written as bytes and halves stalls
  // store forwarding); only the payload is read. The payload's words are
  // summed as loaded (little-endian), so the header words join them
  // byte-swapped, and the result is swapped back (RFC 1071 section 2).
  uint64_t length = payload.size() + UdpHeader::kSize;
  uint64_t words = (source.value() >> 16) + (source.value() & 0xffff) +
                   (destination.value() >> 16) +
                   (destination.value() & 0xffff) + kIpProtocolUdp + length +
                   source_port + destination_port + length;
  uint64_t sum =
      internal::OnesComplementSum64(payload.data(), payload.size(),
                                    __builtin_bswap16(internal::Fold64(words)));
  uint16_t check =
      static_cast<uint16_t>(~__builtin_bswap16(internal::Fold64(sum)));
  return check == 0 ? 0xffff : check;
}

namespace {

absl::Status Describe(DropReason reason, std::string_view bytes,
                      IPv4Host source, IPv4Host destination) {
  size_t length =
      bytes.size() >= 6 ? LoadBe16(bytes.data() + udp_field::kLength.start) : 0;
  switch (reason) {
    case DropReason::kUdpTooShort:
      return absl::InvalidArgumentError(absl::StrFormat(
          "UDP datagram is %d bytes, shorter than the 8-byte header",
          bytes.size()));
    case DropReason::kUdpLengthTooSmall:
      return absl::InvalidArgumentError(absl::StrFormat(
          "UDP length field %d is less than the 8-byte header", length));
    case DropReason::kUdpLengthBeyondBuffer:
      return absl::InvalidArgumentError(absl::StrFormat(
          "UDP length field %d is beyond the %d bytes available", length,
          bytes.size()));
    case DropReason::kUdpBadChecksum:
      return absl::InvalidArgumentError(absl::StrFormat(
          "UDP checksum 0x%04x is wrong for %s -> %s (expected 0x%04x)",
          LoadBe16(bytes.data() + udp_field::kChecksum.start),
          source.ToString(), destination.ToString(),
          UdpChecksum(source, destination, bytes.substr(0, length))));
    default:
      return absl::InvalidArgumentError(absl::StrFormat(
          "UDP datagram rejected: %s", std::string(DropReasonName(reason))));
  }
}

}  // namespace

absl::StatusOr<UdpDatagram> UdpDatagram::Parse(std::string_view bytes) {
  UdpDatagram datagram;
  DropReason reason = Check(bytes, &datagram);
  if (reason != DropReason::kNone) return Describe(reason, bytes, {}, {});
  return datagram;
}

absl::StatusOr<UdpDatagram> UdpDatagram::Parse(std::string_view bytes,
                                               IPv4Host source,
                                               IPv4Host destination) {
  UdpDatagram datagram;
  DropReason reason = Check(bytes, source, destination, &datagram);
  if (reason != DropReason::kNone) {
    return Describe(reason, bytes, source, destination);
  }
  return datagram;
}

UdpHeader UdpHeader::FromDatagram(const UdpDatagram& datagram) {
  return UdpHeader{.source_port = datagram.source_port(),
                   .destination_port = datagram.destination_port(),
                   .length = datagram.length(),
                   .checksum = datagram.checksum()};
}

void UdpHeader::EmitWithoutChecksum(char* datagram, size_t size) const {
  UdpHeader h = *this;
  h.length = static_cast<uint16_t>(size);
  h.checksum = 0;
  h.Emit(datagram);
}

void UdpHeader::EmitWithChecksum(IPv4Host source, IPv4Host destination,
                                 char* datagram, size_t size) const {
  UdpHeader h = *this;
  h.length = static_cast<uint16_t>(size);
  h.checksum = UdpChecksum(source, destination, source_port, destination_port,
                           std::string_view(datagram + kSize, size - kSize));
  h.Emit(datagram);
}

namespace {

std::string ChecksumText(uint16_t checksum) {
  return checksum == 0 ? "none" : absl::StrFormat("0x%04x", checksum);
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const UdpDatagram& datagram) {
  return os << "UdpDatagram{" << datagram.source_port() << " > "
            << datagram.destination_port() << ", length " << datagram.length()
            << ", checksum " << ChecksumText(datagram.checksum())
            << ", payload " << QuotedBytes(datagram.payload()) << "}";
}

std::ostream& operator<<(std::ostream& os, const UdpHeader& header) {
  return os << "UdpHeader{" << header.source_port << " > "
            << header.destination_port << ", length " << header.length
            << ", checksum " << ChecksumText(header.checksum) << "}";
}

}  // namespace standin::netstack
