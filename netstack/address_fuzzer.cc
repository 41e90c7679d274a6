// libFuzzer target: IPv4Host::Parse and MacAddress::Parse on arbitrary
// text. Whatever parses must print back to exactly the input (dotted quad:
// canonical; MAC: modulo case and separator).
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

#include "standin/netstack/fuzz/fuzz_check.h"
#include "standin/netstack/mac_address.h"
#include "standin/transport/address.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<standin::IPv4Host> ip = standin::IPv4Host::Parse(text);
  if (ip.ok()) {
    FUZZ_CHECK(ip->ToString() == text);
    char buf[standin::IPv4Host::kMaxTextSize];
    FUZZ_CHECK(ip->FormatTo(buf) == text.size());
  } else {
    FUZZ_CHECK(!ip.status().message().empty());
  }
  absl::StatusOr<standin::netstack::MacAddress> mac =
      standin::netstack::MacAddress::Parse(text);
  if (mac.ok()) {
    std::string printed = mac->ToString();
    FUZZ_CHECK(printed.size() == text.size());
    for (size_t i = 0; i < text.size(); ++i) {
      char want =
          static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
      if (want == '-') want = ':';
      FUZZ_CHECK(printed[i] == want);
    }
  }
  return 0;
}
