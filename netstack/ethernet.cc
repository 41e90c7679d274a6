#include "standin/netstack/ethernet.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace standin::netstack {

DropReason EthernetFrame::Check(std::string_view bytes, EthernetFrame* out) {
  if (bytes.size() < kHeaderSize) return DropReason::kEthernetTooShort;
  out->bytes_ = bytes;
  return DropReason::kNone;
}

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

void EthernetHeader::Emit(char* out) const {
  std::memcpy(out + ethernet_field::kDestination.start,
              destination.octets().data(), MacAddress::kSize);
  std::memcpy(out + ethernet_field::kSource.start, source.octets().data(),
              MacAddress::kSize);
  StoreBe16(out + ethernet_field::kEtherType.start, ethertype);
}

}  // namespace standin::netstack
