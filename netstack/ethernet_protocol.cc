#include "standin/netstack/ethernet_protocol.h"

#include "standin/netstack/ethernet.h"

namespace standin::netstack {

// Hot: on every received frame's path (see tuntap_benchmark).
[[gnu::hot]] void EthernetProtocol::DatagramReceived(std::string_view frame,
                                                     bool partial) {
  EthernetFrame view;
  if (DropReason reason = EthernetFrame::Check(frame, &view);
      reason != DropReason::kNone) {
    drops_.Add(reason);
    return;
  }
  const LinkMetadata link{.partial = partial,
                          .destination = view.destination(),
                          .source = view.source(),
                          .protocol = view.ethertype()};
  if (!protos_.Dispatch(link.protocol, [&](RawPacketProtocol* proto) {
        proto->DatagramReceived(view.payload(), link);
      })) {
    drops_.Add(DropReason::kNoProtocol);
  }
}

}  // namespace standin::netstack
