// libFuzzer target: ArpPacket::Check/Parse on arbitrary bytes. Checks that
// Check and Parse agree, that an accepted message is exactly the 28 bytes
// it starts with, and that the value re-emits it byte for byte.
#include <cstdint>
#include <cstring>
#include <string_view>

#include "standin/netstack/arp.h"
#include "standin/netstack/fuzz/fuzz_check.h"

using standin::netstack::ArpMessage;
using standin::netstack::ArpOperation;
using standin::netstack::ArpPacket;
using standin::netstack::DropReason;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  ArpPacket checked;
  DropReason reason = ArpPacket::Check(bytes, &checked);
  absl::StatusOr<ArpPacket> arp = ArpPacket::Parse(bytes);
  if (!ParseAgreesWithCheck(arp, reason)) {
    FUZZ_CHECK(reason == DropReason::kArpTooShort ||
               reason == DropReason::kArpNotEthernetIpv4 ||
               reason == DropReason::kArpBadOperation);
    return 0;
  }
  FUZZ_CHECK(arp->bytes().size() == ArpPacket::kSize);
  FUZZ_CHECK(arp->bytes().data() == bytes.data());
  FUZZ_CHECK(checked.bytes() == arp->bytes());
  FUZZ_CHECK(arp->operation() == ArpOperation::kRequest ||
             arp->operation() == ArpOperation::kReply);
  char out[ArpMessage::kSize];
  ArpMessage::FromPacket(*arp).Emit(out);
  FUZZ_CHECK(std::memcmp(out, bytes.data(), ArpMessage::kSize) == 0);
  return 0;
}
