// libFuzzer target: Ipv4Packet::Check/Parse on arbitrary bytes. Checks that
// the two agree, that every view stays inside the input, and that a valid
// packet's header re-emits byte for byte (checksum included).
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "standin/netstack/checksum.h"
#include "standin/netstack/fuzz/fuzz_check.h"
#include "standin/netstack/ipv4.h"

using standin::netstack::DropReason;
using standin::netstack::Ipv4Header;
using standin::netstack::Ipv4Packet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Ipv4Packet checked;
  DropReason reason = Ipv4Packet::Check(bytes, &checked);
  absl::StatusOr<Ipv4Packet> packet = Ipv4Packet::Parse(bytes);
  if (!ParseAgreesWithCheck(packet, reason)) return 0;
  const Ipv4Packet& p = *packet;
  FUZZ_CHECK(p.version() == 4);
  FUZZ_CHECK(p.header_length() >= 20 && p.header_length() <= 60);
  FUZZ_CHECK(p.bytes().size() == p.total_length());
  FUZZ_CHECK(p.total_length() <= size);
  FUZZ_CHECK(p.bytes().data() == bytes.data());
  FUZZ_CHECK(p.payload().size() + p.header_length() == p.total_length());
  FUZZ_CHECK(p.options().size() + 20 == p.header_length());
  FUZZ_CHECK(standin::netstack::InternetChecksum(
                 bytes.substr(0, p.header_length())) == 0);
  Ipv4Header header = Ipv4Header::FromPacket(p);
  std::string out(header.header_size(), '\0');
  header.Emit(out.data());
  // Emit() writes what FromPacket() read, except the reserved flag bit
  // (which it never sets) and a checksum recomputed from the rest.
  std::string want(bytes.substr(0, p.header_length()));
  if (want[6] & 0x80) return 0;
  // A checksum of 0x0000 and one of 0xffff both verify when the rest sums to
  // 0xffff (ones'-complement has two zeros); compare the rest, then require
  // the re-emitted checksum to verify too.
  FUZZ_CHECK(out.substr(0, 10) == want.substr(0, 10));
  FUZZ_CHECK(out.substr(12) == want.substr(12));
  FUZZ_CHECK(standin::netstack::InternetChecksum(out) == 0);
  return 0;
}
