// EthernetProtocol: twisted.pair's EthernetProtocol. Parses each frame and
// hands its payload, with the header fields, to every RawPacketProtocol
// registered for the frame's ethertype.
//
// A TAP port feeds it whole frames. Frames shorter than the header, and
// frames whose ethertype nobody registered for, are dropped and counted in
// drops(); they are never delivered.
//
//   standin::netstack::EthernetProtocol ether;
//   standin::netstack::IpProtocol ip;
//   ASSERT_TRUE(ether.AddProto(standin::netstack::kEtherTypeIpv4, &ip).ok());
//   ether.DatagramReceived(frame);
//   EXPECT_EQ(ether.drops().total(), 0);
#ifndef STANDIN_NETSTACK_ETHERNET_PROTOCOL_H_
#define STANDIN_NETSTACK_ETHERNET_PROTOCOL_H_

#include <cstdint>
#include <string_view>

#include "absl/base/attributes.h"
#include "absl/status/status.h"
#include "standin/netstack/dispatch_table.h"
#include "standin/netstack/drop_reason.h"
#include "standin/netstack/raw.h"

namespace standin::netstack {

class EthernetProtocol {
 public:
  EthernetProtocol() = default;
  EthernetProtocol(const EthernetProtocol&) = delete;
  EthernetProtocol& operator=(const EthernetProtocol&) = delete;
  virtual ~EthernetProtocol() = default;

  // Registers `proto` (not owned; must outlive this) for `ethertype`. Several
  // protocols may share a number; each gets every frame, in the order added.
  // InvalidArgument if `ethertype` does not fit 16 bits or `proto` is null.
  ABSL_MUST_USE_RESULT absl::Status AddProto(uint32_t ethertype,
                                             RawPacketProtocol* proto) {
    return protos_.Add(ethertype, proto);
  }

  // Handles one received frame. `partial`: the device truncated it.
  virtual void DatagramReceived(std::string_view frame, bool partial = false);

  // Frames dropped so far, by reason.
  const DropCounts& drops() const { return drops_; }

 private:
  DispatchTable<RawPacketProtocol> protos_{"ethertype", 16};
  DropCounts drops_;
};

}  // namespace standin::netstack

#endif  // STANDIN_NETSTACK_ETHERNET_PROTOCOL_H_
