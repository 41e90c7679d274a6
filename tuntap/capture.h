// Packet capture for tunnels: record every datagram a TuntapPort or an
// in-memory Tunnel carries, in both directions, into a netstack PcapWriter
// (LINKTYPE_RAW for TUN, LINKTYPE_ETHERNET for TAP), for tcpdump or
// Wireshark — smoltcp's PcapWriter device idea, as a thin attachment.
//
// Example:
//
//   std::string pcap_bytes;
//   auto pcap = standin::netstack::PcapWriter::ToString(
//       &pcap_bytes, standin::netstack::LinkType::kRaw,
//       [&] { return reactor.Now(); });
//   ASSERT_TRUE(standin::CapturePort(&port, &pcap).ok());   // a TUN port
//   ... traffic ...
//   EXPECT_EQ(pcap.packets_written(), 2);  // the query and the answer
#ifndef STANDIN_TUNTAP_CAPTURE_H_
#define STANDIN_TUNTAP_CAPTURE_H_

#include "absl/status/status.h"
#include "standin/netstack/pcap_writer.h"
#include "standin/tuntap/tunnel.h"
#include "standin/tuntap/tuntap_port.h"

namespace standin {

// From now on every datagram `port` reads or writes is written to `pcap`
// (not owned; must outlive the port). InvalidArgument when the link types
// disagree (a TUN port needs kRaw, a TAP port kEthernet). A failed pcap
// write is reported on stderr with the port's LogPrefix().
absl::Status CapturePort(TuntapPort* port, netstack::PcapWriter* pcap);

// The same for an in-memory tunnel (after TUNSETIFF): datagrams queued for
// the application and datagrams it writes, PI headers left out.
absl::Status CaptureTunnel(Tunnel* tunnel, netstack::PcapWriter* pcap);

}  // namespace standin

#endif  // STANDIN_TUNTAP_CAPTURE_H_
