#include "standin/netstack/ipv4.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_format.h"
#include "standin/netstack/checksum.h"
#include "standin/transport/status.h"

namespace standin::netstack {
absl::StatusOr<Ipv4Packet> Ipv4Packet::Parse(std::string_view bytes) {
  Ipv4Packet packet;
  DropReason reason = Check(bytes, &packet);
  if (reason == DropReason::kNone) return packet;
  // Only reached for a defect, so the fields Check() got past are readable.
  size_t ihl = bytes.size() > 0 ? (static_cast<uint8_t>(bytes[0]) & 0x0fu) : 0;
  size_t total = bytes.size() >= 4
                     ? LoadBe16(bytes.data() + ipv4_field::kTotalLength.start)
                     : 0;
  std::string message;
  switch (reason) {
    case DropReason::kIpv4TooShort:
      message = absl::StrFormat(
          "IPv4 packet is %d bytes, shorter than the 20-byte minimum header",
          bytes.size());
      break;
    case DropReason::kIpv4BadVersion:
      message = absl::StrFormat("IPv4 version field is %d, expected 4",
                                static_cast<uint8_t>(bytes[0]) >> 4);
      break;
    case DropReason::kIpv4IhlTooSmall:
      message = absl::StrFormat(
          "IPv4 IHL is %d (%d bytes), less than the minimum 5 (20 bytes)", ihl,
          ihl * 4);
      break;
    case DropReason::kIpv4IhlBeyondBuffer:
      message = absl::StrFormat(
          "IPv4 IHL is %d (%d bytes), beyond the %d-byte buffer", ihl, ihl * 4,
          bytes.size());
      break;
    case DropReason::kIpv4TotalLengthTooSmall:
      message = absl::StrFormat(
          "IPv4 total length %d is less than the %d-byte header (IHL %d)",
          total, ihl * 4, ihl);
      break;
    case DropReason::kIpv4TotalLengthBeyondBuffer:
      message =
          absl::StrFormat("IPv4 total length %d is beyond the %d-byte buffer",
                          total, bytes.size());
      break;
    case DropReason::kIpv4BadChecksum: {
      std::string header(bytes.substr(0, ihl * 4));
      header[ipv4_field::kChecksum.start] = 0;
      header[ipv4_field::kChecksum.start + 1] = 0;
      message = absl::StrFormat(
          "IPv4 header checksum 0x%04x is wrong (expected 0x%04x)",
          LoadBe16(bytes.data() + ipv4_field::kChecksum.start),
          InternetChecksum(header));
      break;
    }
    default:
      message = absl::StrFormat("IPv4 packet rejected: %s",
                                std::string(DropReasonName(reason)));
  }
  return absl::InvalidArgumentError(message);
}

Ipv4Header Ipv4Header::FromPacket(const Ipv4Packet& packet) {
  return Ipv4Header{
      .source = packet.source(),
      .destination = packet.destination(),
      .protocol = packet.protocol(),
      .tos = packet.tos(),
      .ttl = packet.ttl(),
      .identification = packet.identification(),
      .dont_fragment = packet.dont_fragment(),
      .more_fragments = packet.more_fragments(),
      .fragment_offset = packet.fragment_offset(),
      .options = std::string(packet.options()),
      .payload_length =
          static_cast<uint16_t>(packet.total_length() - packet.header_length()),
  };
}

void Ipv4Header::Emit(char* out) const {
  if (options.size() % 4 != 0 ||
      options.size() >
          Ipv4Packet::kMaxHeaderSize - Ipv4Packet::kMinHeaderSize) {
    std::fprintf(stderr,
                 "Ipv4Header::Emit: %zu option bytes; need a multiple of 4, "
                 "at most 40\n",
                 options.size());
    std::abort();
  }
  size_t total = header_size() + payload_length;
  if (total > 0xffff) {
    std::fprintf(stderr,
                 "Ipv4Header::Emit: total length %zu does not fit 16 bits\n",
                 total);
    std::abort();
  }
  out[0] = static_cast<char>(0x40 | (header_size() / 4));
  out[ipv4_field::kTos.start] = static_cast<char>(tos);
  StoreBe16(out + ipv4_field::kTotalLength.start, static_cast<uint16_t>(total));
  StoreBe16(out + ipv4_field::kIdentification.start, identification);
  uint16_t flags = (dont_fragment ? ipv4_field::kDontFragment : 0) |
                   (more_fragments ? ipv4_field::kMoreFragments : 0) |
                   (fragment_offset & ipv4_field::kFragmentOffsetMask);
  StoreBe16(out + ipv4_field::kFlagsFragmentOffset.start, flags);
  out[ipv4_field::kTtl.start] = static_cast<char>(ttl);
  out[ipv4_field::kProtocol.start] = static_cast<char>(protocol);
  StoreBe32(out + ipv4_field::kSource.start, source.value());
  StoreBe32(out + ipv4_field::kDestination.start, destination.value());
  if (!options.empty()) {  // a library call even for zero bytes
    std::memcpy(out + ipv4_field::kOptionsStart, options.data(),
                options.size());
  }
  // The checksum is summed from the field values, not re-read from `out`:
  // loading words just written as bytes and halves stalls store forwarding.
  uint32_t sum = ((0x40u | (header_size() / 4)) << 8 | tos) + total +
                 identification + flags + (uint32_t{ttl} << 8 | protocol) +
                 (source.value() >> 16) + (source.value() & 0xffff) +
                 (destination.value() >> 16) + (destination.value() & 0xffff);
  uint16_t folded;
  if (options.empty()) {
    sum = (sum & 0xffff) + (sum >> 16);
    folded = static_cast<uint16_t>((sum & 0xffff) + (sum >> 16));
  } else {
    folded = OnesComplementSum(options, sum);
  }
  StoreBe16(out + ipv4_field::kChecksum.start, static_cast<uint16_t>(~folded));
}

namespace {

// The fields both printers share.
void PrintIpv4Fields(std::ostream& os, IPv4Host source, IPv4Host destination,
                     uint8_t protocol, uint8_t ttl, uint16_t identification,
                     uint8_t tos, bool dont_fragment, bool more_fragments,
                     uint16_t fragment_offset, size_t options_size) {
  os << source << " > " << destination << ", protocol " << int{protocol}
     << ", ttl " << int{ttl} << ", id " << identification;
  if (tos != 0) os << ", tos " << int{tos};
  if (dont_fragment) os << ", DF";
  if (more_fragments) os << ", MF";
  if (fragment_offset != 0) os << ", fragment offset " << fragment_offset;
  if (options_size != 0) os << ", options " << options_size << " bytes";
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const Ipv4Packet& packet) {
  os << "Ipv4Packet{";
  PrintIpv4Fields(os, packet.source(), packet.destination(), packet.protocol(),
                  packet.ttl(), packet.identification(), packet.tos(),
                  packet.dont_fragment(), packet.more_fragments(),
                  packet.fragment_offset(), packet.options().size());
  return os << ", checksum " << absl::StrFormat("0x%04x", packet.checksum())
            << ", " << packet.total_length() << " bytes, payload "
            << QuotedBytes(packet.payload()) << "}";
}

std::ostream& operator<<(std::ostream& os, const Ipv4Header& header) {
  os << "Ipv4Header{";
  PrintIpv4Fields(os, header.source, header.destination, header.protocol,
                  header.ttl, header.identification, header.tos,
                  header.dont_fragment, header.more_fragments,
                  header.fragment_offset, header.options.size());
  return os << ", payload " << header.payload_length << " bytes}";
}

}  // namespace standin::netstack
