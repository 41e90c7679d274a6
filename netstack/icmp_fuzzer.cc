// libFuzzer target: Icmpv4Packet::Check/Parse and Icmpv4Echo on arbitrary
// bytes. Checks that Check and Parse agree (for the message and for the
// echo), that an accepted message is the whole input and checksums to zero,
// and that an accepted echo re-emits byte for byte with its data.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "standin/netstack/checksum.h"
#include "standin/netstack/fuzz/fuzz_check.h"
#include "standin/netstack/icmp.h"

using standin::netstack::DropReason;
using standin::netstack::Icmpv4Echo;
using standin::netstack::Icmpv4Packet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Icmpv4Packet checked;
  DropReason reason = Icmpv4Packet::Check(bytes, &checked);
  absl::StatusOr<Icmpv4Packet> icmp = Icmpv4Packet::Parse(bytes);
  if (!ParseAgreesWithCheck(icmp, reason)) {
    FUZZ_CHECK(reason == DropReason::kIcmpTooShort ||
               reason == DropReason::kIcmpBadChecksum);
    return 0;
  }
  FUZZ_CHECK(icmp->bytes() == bytes);
  FUZZ_CHECK(icmp->data().size() + Icmpv4Packet::kHeaderSize == size);
  FUZZ_CHECK(standin::netstack::InternetChecksum(bytes) == 0);

  Icmpv4Echo echo;
  DropReason echo_reason = Icmpv4Echo::Check(*icmp, &echo);
  if (!ParseAgreesWithCheck(Icmpv4Echo::Parse(*icmp), echo_reason)) {
    FUZZ_CHECK(echo_reason == DropReason::kNoProtocol ||
               echo_reason == DropReason::kIcmpEchoBadCode);
    return 0;
  }
  FUZZ_CHECK(icmp->code() == 0);
  std::string out(size, '?');
  std::memcpy(out.data() + Icmpv4Echo::kSize, icmp->data().data(),
              icmp->data().size());
  echo.Emit(out.data(), out.size());
  // Equal modulo the two zeros of ones'-complement: a sender may store
  // 0x0000 where Emit() computes 0xffff, or the reverse.
  FUZZ_CHECK(std::memcmp(out.data(), bytes.data(), 2) == 0);
  FUZZ_CHECK(out.substr(4) == bytes.substr(4));
  const uint16_t ours = standin::netstack::LoadBe16(out.data() + 2);
  const uint16_t theirs = standin::netstack::LoadBe16(bytes.data() + 2);
  FUZZ_CHECK(ours == theirs || (ours == 0 && theirs == 0xffff) ||
             (ours == 0xffff && theirs == 0));
  return 0;
}
