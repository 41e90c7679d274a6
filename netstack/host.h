// Host: a tiny IPv4 host in user space — the send side of the netstack and
// the receive side in one object, so a DatagramProtocol runs unchanged over
// a kernel UDP socket, FakeDatagramTransport, or this stack on a TUN or TAP
// device (smoltcp's iface::Interface, much reduced).
//
// Each UDP port bound with BindUdp() is a DatagramTransport: Write(data, to)
// builds UDP -> IPv4 (-> Ethernet on TAP) into a reused buffer and writes it
// through the link as one datagram. On TAP (Options::mac set) the host is a
// real neighbour on the Ethernet: it answers ARP requests for its address,
// resolves peers by ARP (a bounded neighbour cache whose learned entries
// expire; frames received from an IP teach its MAC too; datagrams wait in a
// bounded queue while a request is out and are dropped, counted as
// kArpTimeout, when no reply comes within arp_timeout). On TUN there is no
// link layer: packets go out bare. On both it answers ICMP echo requests to
// its address, so `ping` works. Nothing else is answered: no TCP, no ICMP
// errors, no forwarding; everything it does not take is counted in drops().
//
// Example (TAP; a TUN host leaves `mac` unset and hands ip() to the port):
//
//   standin::EpollReactor reactor;
//   standin::netstack::Host host(
//       {.address = "192.0.2.2",
//        .mac = standin::netstack::MacAddress::Parse("02:00:00:00:00:02")
//                   .value()},
//       &reactor);
//   standin::TuntapPort port("tap0", host.ethernet(),
//                            standin::TuntapPort::kDefaultMaxPacketSize,
//                            &reactor);
//   host.AttachLink(&port);
//   Echo echo;                                   // a DatagramProtocol
//   absl::StatusOr<standin::DatagramTransport*> udp = host.BindUdp(7, &echo);
//   if (absl::Status s = port.StartListening(); !s.ok()) return s;
//   reactor.Run();   // the kernel can ping 192.0.2.2 and talk UDP to port 7
#ifndef STANDIN_NETSTACK_HOST_H_
#define STANDIN_NETSTACK_HOST_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "standin/netstack/drop_reason.h"
#include "standin/netstack/ethernet_protocol.h"
#include "standin/netstack/ipv4.h"
#include "standin/netstack/mac_address.h"
#include "standin/netstack/neighbor_cache.h"
#include "standin/netstack/packet_link.h"
#include "standin/netstack/raw.h"
#include "standin/transport/address.h"
#include "standin/transport/interfaces.h"
#include "standin/transport/reactor.h"

namespace standin::netstack {

class Host {
 public:
  struct Options {
    // The host's own address and the on-link prefix around it.
    IPv4Host address;
    int prefix_length = 24;
    // Set: a TAP host (Ethernet, ARP). Unset: a TUN host (bare IP).
    std::optional<MacAddress> mac;
    // How long a datagram waits for an ARP reply before it is dropped.
    absl::Duration arp_timeout = absl::Seconds(1);
    // Datagrams that may wait for ARP replies at once (all peers together);
    // Write() fails with ENOBUFS beyond it.
    size_t arp_queue_limit = 16;
    // Beyond the pinned shape: the largest IPv4 packet the link carries
    // (Linux's MTU; nothing is fragmented), how long a learned neighbour
    // stays valid, and the TTL of what the host sends.
    size_t mtu = 1500;
    absl::Duration neighbor_lifetime = absl::Seconds(60);
    uint8_t ttl = 64;
  };

  // `reactor` (not owned) runs the ARP timers and tells the time: an
  // EpollReactor for real, a testutil::MemoryReactor in tests. Dies on a
  // prefix length outside 0..32 or an MTU below 68 (RFC 791's minimum).
  Host(Options options, Reactor* reactor);
  // Cancels the ARP timers. Bound protocols are not called; their
  // transports must not be used afterwards.
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  // Sends everything through `link` (not owned), one link->Write() per
  // frame or packet, or one WriteDatagram() when the link is also a
  // PacketLink (TuntapPort is), whose failure Write() then returns.
  void AttachLink(Transport* link);
  // What to hand the TuntapPort: ethernet() for TAP, ip() for TUN.
  EthernetProtocol* ethernet() { return &ethernet_; }
  RawPacketProtocol* ip() { return &ip_input_; }

  // Binds UDP `port` (0: a free port from 32768-60999, as Linux picks) to
  // `protocol` (not owned), then calls protocol->MakeConnection() with the
  // returned transport (owned by the host, valid as long as it lives).
  // EADDRINUSE when the port is bound; InvalidArgument for a null protocol.
  absl::StatusOr<DatagramTransport*> BindUdp(uint16_t port,
                                             DatagramProtocol* protocol);

  // A permanent neighbour entry: datagrams to `ip` go to `mac` with no ARP.
  void SetNeighbor(IPv4Host ip, MacAddress mac);
  // The MAC the host would send to `ip` now, if it knows one.
  std::optional<MacAddress> neighbor(IPv4Host ip) const;

  // What the host did, for logs and tests (drops() says what it did not).
  struct Counters {
    uint64_t udp_delivered = 0;  // datagrams handed to bound protocols
    uint64_t udp_sent = 0;       // datagrams written to the link
    uint64_t arp_requests_sent = 0;
    uint64_t arp_replies_sent = 0;
    uint64_t echo_replies_sent = 0;  // pings answered

    // "Counters{udp delivered 1, udp sent 2, arp requests sent 1, arp
    // replies sent 0, echo replies sent 0}".
    friend std::ostream& operator<<(std::ostream& os, const Counters& c) {
      return os << "Counters{udp delivered " << c.udp_delivered << ", udp sent "
                << c.udp_sent << ", arp requests sent " << c.arp_requests_sent
                << ", arp replies sent " << c.arp_replies_sent
                << ", echo replies sent " << c.echo_replies_sent << "}";
    }
  };
  const Counters& counters() const { return counters_; }
  // Everything the host did not deliver or could not send, by reason (its
  // Ethernet layer's counts included). Summed on each call: read it again
  // for later counts.
  const DropCounts& drops() const;
  // Datagrams waiting for an ARP reply.
  size_t arp_queue_size() const { return arp_queue_.size(); }
  // The largest UDP payload one datagram carries: mtu - 28.
  size_t max_datagram_size() const;
  const Options& options() const { return options_; }
  bool is_tap() const { return options_.mac.has_value(); }

 private:
  class BoundPort;
  // The RawPacketProtocols the link layer dispatches to.
  class IpInput : public RawPacketProtocol {
   public:
    explicit IpInput(Host* host) : host_(host) {}
    void DatagramReceived(std::string_view packet,
                          const LinkMetadata& link) override {
      host_->ReceiveIp(packet, link);
    }

   private:
    Host* const host_;
  };
  class ArpInput : public RawPacketProtocol {
   public:
    explicit ArpInput(Host* host) : host_(host) {}
    void DatagramReceived(std::string_view packet,
                          const LinkMetadata& link) override {
      host_->ReceiveArp(packet, link);
    }

   private:
    Host* const host_;
  };
  // A datagram (a whole frame, destination MAC still blank) waiting for
  // ARP to resolve `next_hop`.
  struct Queued {
    IPv4Host next_hop;
    std::string frame;
  };

  // --- receiving ------------------------------------------------------------
  void ReceiveIp(std::string_view packet, const LinkMetadata& link);
  void ReceiveArp(std::string_view packet, const LinkMetadata& link);
  void ReceiveUdp(const Ipv4Packet& ip);
  void ReceiveIcmp(const Ipv4Packet& ip, const LinkMetadata& link);
  // Whether a frame sent to `destination` is for this host (TAP).
  bool AcceptsFrameTo(MacAddress destination) const;
  // Our address, the limited broadcast or the subnet's broadcast.
  bool AcceptsPacketTo(IPv4Host destination) const;
  // Learns `ip` at `mac` when `ip` is a plausible on-link neighbour, and
  // sends what waited for it.
  void Learn(IPv4Host ip, MacAddress mac);

  // --- sending --------------------------------------------------------------
  absl::Status SendUdp(uint16_t source_port, std::string_view data,
                       const Address& to);
  // Writes `bytes` to the link as one datagram.
  absl::Status Send(std::string_view bytes);
  // Send() of a UDP datagram, counted in udp_sent when it went out.
  absl::Status SendDatagram(std::string_view bytes);
  // Send() for a frame nobody waits on: a failure is counted as kLinkError,
  // not returned. True when it went out.
  bool SendUnattended(std::string_view bytes);
  // Queues `frame` for `next_hop` and asks for it by ARP if not asked yet.
  absl::Status Enqueue(IPv4Host next_hop, std::string_view frame);
  void SendArpRequest(IPv4Host target);
  void ResolutionTimedOut(IPv4Host next_hop);
  void Unbind(uint16_t port);
  bool OnLink(IPv4Host ip) const {
    return (ip.value() & netmask_) == (options_.address.value() & netmask_);
  }

  const Options options_;
  Reactor* const reactor_;
  const uint32_t netmask_;
  const IPv4Host subnet_broadcast_;

  Transport* link_ = nullptr;
  PacketLink* packet_link_ = nullptr;
  EthernetProtocol ethernet_;
  IpInput ip_input_{this};
  ArpInput arp_input_{this};

  NeighborCache neighbors_;
  std::vector<Queued> arp_queue_;
  // The ARP requests out, by the address asked for, with their timeouts.
  absl::flat_hash_map<IPv4Host, DelayedCall> resolving_;

  absl::flat_hash_map<uint16_t, BoundPort*> bound_;
  // Every port ever bound, so a stopped transport stays a valid object.
  std::vector<std::unique_ptr<BoundPort>> ports_;
  uint16_t next_ephemeral_ = 32768;

  // Every frame is built here: Ethernet header room, then the IP packet.
  std::string tx_buffer_;
  Counters counters_;
  DropCounts drops_;
  mutable DropCounts all_drops_;  // drops_ + the Ethernet layer's
};

}  // namespace standin::netstack

#endif  // STANDIN_NETSTACK_HOST_H_
