#include "standin/netstack/ethernet.h"

#include "absl/strings/str_cat.h"

namespace standin::netstack {

absl::StatusOr<EthernetFrame> EthernetFrame::Parse(std::string_view bytes) {
  EthernetFrame frame;
  if (Check(bytes, &frame) != DropReason::kNone) {
    return absl::InvalidArgumentError(
        absl::StrCat("Ethernet frame is ", bytes.size(),
                     " bytes, shorter than the 14-byte header"));
  }
  return frame;
}

EthernetHeader EthernetHeader::FromFrame(const EthernetFrame& frame) {
  return EthernetHeader{.destination = frame.destination(),
                        .source = frame.source(),
                        .ethertype = frame.ethertype()};
}

}  // namespace standin::netstack
