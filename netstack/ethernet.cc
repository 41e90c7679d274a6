#include "standin/netstack/ethernet.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "standin/transport/status.h"

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

std::ostream& operator<<(std::ostream& os, const EthernetFrame& frame) {
  return os << "EthernetFrame{" << frame.source() << " > "
            << frame.destination() << ", type "
            << absl::StrFormat("0x%04x", frame.ethertype()) << ", payload "
            << QuotedBytes(frame.payload()) << "}";
}

std::ostream& operator<<(std::ostream& os, const EthernetHeader& header) {
  return os << "EthernetHeader{" << header.source << " > " << header.destination
            << ", type " << absl::StrFormat("0x%04x", header.ethertype) << "}";
}

}  // namespace standin::netstack
