// libFuzzer target: UdpDatagram::Check/Parse on arbitrary bytes. The first 8
// input bytes are the IPv4 source and destination for the pseudo-header; the
// rest is the datagram. Checks that Check and Parse agree, that views stay
// inside the input, that a checksum that verifies is the one UdpChecksum()
// computes, and that the header re-emits byte for byte.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "standin/netstack/fuzz/fuzz_check.h"
#include "standin/netstack/udp.h"
#include "standin/netstack/wire_field.h"

using standin::IPv4Host;
using standin::netstack::DropReason;
using standin::netstack::LoadBe32;
using standin::netstack::UdpDatagram;
using standin::netstack::UdpHeader;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  const char* p = reinterpret_cast<const char*>(data);
  IPv4Host source(LoadBe32(p)), destination(LoadBe32(p + 4));
  std::string_view bytes(p + 8, size - 8);

  UdpDatagram lengths_only;
  DropReason length_reason = UdpDatagram::Check(bytes, &lengths_only);
  FUZZ_CHECK(UdpDatagram::Parse(bytes).ok() ==
             (length_reason == DropReason::kNone));
  UdpDatagram checked;
  DropReason reason = UdpDatagram::Check(bytes, source, destination, &checked);
  absl::StatusOr<UdpDatagram> datagram =
      UdpDatagram::Parse(bytes, source, destination);
  if (!ParseAgreesWithCheck(datagram, reason)) {
    // Length defects are found with or without the addresses.
    FUZZ_CHECK(reason == DropReason::kUdpBadChecksum ||
               reason == length_reason);
    return 0;
  }
  const UdpDatagram& d = *datagram;
  FUZZ_CHECK(d.bytes().size() == d.length());
  FUZZ_CHECK(d.length() >= 8 && d.length() <= bytes.size());
  FUZZ_CHECK(d.payload().size() + 8 == d.length());
  if (d.checksum() != 0) {
    uint16_t computed =
        standin::netstack::UdpChecksum(source, destination, d.bytes());
    FUZZ_CHECK(computed == d.checksum());
    FUZZ_CHECK(standin::netstack::UdpChecksum(
                   source, destination, d.source_port(), d.destination_port(),
                   d.payload()) == computed);
  }
  char out[UdpHeader::kSize];
  UdpHeader::FromDatagram(d).Emit(out);
  FUZZ_CHECK(std::memcmp(out, bytes.data(), UdpHeader::kSize) == 0);
  return 0;
}
