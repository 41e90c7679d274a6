#include "standin/netstack/ethernet_protocol.h"

#include "absl/strings/str_cat.h"
#include "standin/netstack/ethernet.h"

namespace standin::netstack {

absl::Status EthernetProtocol::AddProto(uint32_t ethertype,
                                        RawPacketProtocol* proto) {
  if (ethertype > 0xffff) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Added protocol must fit in 16 bits: ethertype ", ethertype));
  }
  if (proto == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("Added protocol for ethertype ", ethertype, " is null"));
  }
  uint16_t type = static_cast<uint16_t>(ethertype);
  for (Entry& entry : protos_) {
    if (entry.ethertype == type) {
      entry.protos->push_back(proto);
      return absl::OkStatus();
    }
  }
  protos_.push_back(
      {type, std::make_unique<std::vector<RawPacketProtocol*>>(1, proto)});
  return absl::OkStatus();
}

void EthernetProtocol::DatagramReceived(std::string_view frame, bool partial) {
  EthernetFrame view;
  if (DropReason reason = EthernetFrame::Check(frame, &view);
      reason != DropReason::kNone) {
    drops_.Add(reason);
    return;
  }
  const uint16_t ethertype = view.ethertype();
  const std::vector<RawPacketProtocol*>* found = nullptr;
  for (const Entry& entry : protos_) {
    if (entry.ethertype == ethertype) {
      found = entry.protos.get();
      break;
    }
  }
  if (found == nullptr) {
    drops_.Add(DropReason::kNoProtocol);
    return;
  }
  LinkMetadata link{.partial = partial,
                    .destination = view.destination(),
                    .source = view.source(),
                    .protocol = ethertype};
  // By index: a handler may AddProto() and grow the vector.
  const std::vector<RawPacketProtocol*>& protos = *found;
  for (size_t i = 0; i < protos.size(); ++i) {
    protos[i]->DatagramReceived(view.payload(), link);
  }
}

}  // namespace standin::netstack
