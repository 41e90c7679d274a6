// libFuzzer target: EthernetFrame::Check/Parse on arbitrary bytes. Checks
// that the two agree, that accessors stay inside the input, and that a
// parsed header emits back to the same 14 bytes.
#include <cstdint>
#include <cstring>
#include <string_view>

#include "standin/netstack/ethernet.h"
#include "standin/netstack/fuzz/fuzz_check.h"

using standin::netstack::DropReason;
using standin::netstack::EthernetFrame;
using standin::netstack::EthernetHeader;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  EthernetFrame checked;
  DropReason reason = EthernetFrame::Check(bytes, &checked);
  absl::StatusOr<EthernetFrame> frame = EthernetFrame::Parse(bytes);
  if (!ParseAgreesWithCheck(frame, reason)) return 0;
  FUZZ_CHECK(frame->payload().size() + EthernetFrame::kHeaderSize == size);
  char out[EthernetHeader::kSize];
  EthernetHeader::FromFrame(*frame).Emit(out);
  FUZZ_CHECK(std::memcmp(out, data, EthernetHeader::kSize) == 0);
  return 0;
}
