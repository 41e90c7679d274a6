// libFuzzer target: netstack::Host as a whole, TAP and TUN, driven by a
// script of operations decoded from the input — frames and packets from the
// wire, datagrams written by a bound protocol, time passing, neighbours
// set. Checks that every frame a host sends is well formed (Ethernet, then
// an ARP message from the host or an IPv4 packet from the host carrying a
// UDP datagram or an ICMP echo reply, every checksum verifying), that a
// received frame is dropped at most once and never both dropped and
// delivered, and that the ARP queue stays within its limit.
//
// Input: a sequence of records, each an operation byte then its arguments
// (see the switch below); a record cut short ends the input.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "standin/netstack/arp.h"
#include "standin/netstack/ethernet.h"
#include "standin/netstack/fuzz/fuzz_check.h"
#include "standin/netstack/host.h"
#include "standin/netstack/icmp.h"
#include "standin/netstack/ipv4.h"
#include "standin/netstack/udp.h"
#include "standin/transport/reactor.h"

namespace {

using namespace standin::netstack;  // NOLINT: a fuzz target, not a header
using standin::Address;
using standin::IPv4Address;
using standin::IPv4Host;

const IPv4Host kHostIp(192, 0, 2, 2);
const MacAddress kHostMac({0x02, 0, 0, 0, 0, 0x02});
constexpr size_t kQueueLimit = 4;

// Time moves only when the input says so.
class FuzzReactor : public standin::Reactor {
 public:
  void AddReader(standin::Selectable*) override {}
  void AddWriter(standin::Selectable*) override {}
  void RemoveReader(standin::Selectable*) override {}
  void RemoveWriter(standin::Selectable*) override {}
  std::vector<standin::Selectable*> RemoveAll() override { return {}; }
  std::vector<standin::Selectable*> GetReaders() const override { return {}; }
  std::vector<standin::Selectable*> GetWriters() const override { return {}; }
  standin::DelayedCall CallLater(absl::Duration delay,
                                 absl::AnyInvocable<void()> callback) override {
    return timers_.Schedule(now_ + delay, std::move(callback));
  }
  absl::Time Now() const override { return now_; }
  void Advance(absl::Duration by) {
    now_ += by;
    timers_.RunDue(now_);
  }

 private:
  absl::Time now_ = absl::UnixEpoch();
  standin::TimerQueue timers_;
};

// Checks each frame (TAP) or packet (TUN) a host sends; refuses some.
class CheckingLink : public standin::Transport, public PacketLink {
 public:
  explicit CheckingLink(bool tap) : tap_(tap) {}
  absl::StatusOr<size_t> WriteDatagram(std::string_view bytes) override {
    Check(bytes);
    ++writes;
    if (refuse_every != 0 && writes % refuse_every == 0) {
      return absl::UnavailableError("the fuzzer refuses this frame");
    }
    return bytes.size();
  }
  void Write(std::string_view bytes) override { (void)WriteDatagram(bytes); }
  void WriteSequence(absl::Span<const std::string_view>) override {
    FUZZ_CHECK(false);  // the host writes whole frames
  }
  absl::Status RegisterProducer(standin::Producer*, bool) override {
    return absl::OkStatus();
  }
  void UnregisterProducer() override {}
  void LoseConnection() override {}
  Address GetPeer() const override { return standin::TunnelAddress{}; }
  Address GetHost() const override { return standin::TunnelAddress{}; }

  uint64_t writes = 0;
  uint64_t refuse_every = 0;

 private:
  void Check(std::string_view bytes) {
    if (!tap_) {
      CheckIp(bytes);
      return;
    }
    EthernetFrame frame;
    FUZZ_CHECK(EthernetFrame::Check(bytes, &frame) == DropReason::kNone);
    FUZZ_CHECK(frame.source() == kHostMac);
    if (frame.ethertype() == kEtherTypeIpv4) {
      CheckIp(frame.payload());
      return;
    }
    FUZZ_CHECK(frame.ethertype() == kEtherTypeArp);
    ArpPacket arp;
    FUZZ_CHECK(ArpPacket::Check(frame.payload(), &arp) == DropReason::kNone);
    FUZZ_CHECK(frame.payload().size() == ArpPacket::kSize);
    FUZZ_CHECK(arp.sender_mac() == kHostMac && arp.sender_ip() == kHostIp);
    if (arp.operation() == ArpOperation::kRequest) {
      FUZZ_CHECK(frame.destination().is_broadcast());
    } else {
      FUZZ_CHECK(frame.destination() == arp.target_mac());
    }
  }
  void CheckIp(std::string_view bytes) {
    Ipv4Packet ip;
    FUZZ_CHECK(Ipv4Packet::Check(bytes, &ip) == DropReason::kNone);
    FUZZ_CHECK(ip.bytes().size() == bytes.size());
    FUZZ_CHECK(ip.source() == kHostIp && !ip.is_fragment());
    if (ip.protocol() == kIpProtocolUdp) {
      UdpDatagram udp;
      FUZZ_CHECK(UdpDatagram::Check(ip.payload(), ip.source(), ip.destination(),
                                    &udp) == DropReason::kNone);
      FUZZ_CHECK(udp.checksum() != 0 && udp.destination_port() != 0);
      return;
    }
    FUZZ_CHECK(ip.protocol() == kIpProtocolIcmp);
    Icmpv4Packet icmp;
    FUZZ_CHECK(Icmpv4Packet::Check(ip.payload(), &icmp) == DropReason::kNone);
    FUZZ_CHECK(icmp.type() == kIcmpEchoReply && icmp.code() == 0);
  }

  const bool tap_;
};

// Echoes what it hears, so replies leave from inside the receive path.
class EchoProtocol : public standin::DatagramProtocol {
 public:
  void DatagramReceived(std::string_view data, const Address& from) override {
    ++delivered;
    FUZZ_CHECK(std::get<IPv4Address>(from).kind == IPv4Address::Kind::kUdp);
    (void)transport()->Write(data, from);
  }
  uint64_t delivered = 0;
};

// Reads the script.
class Script {
 public:
  Script(const uint8_t* data, size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}
  bool Byte(uint8_t* out) {
    if (rest_.empty()) return false;
    *out = static_cast<uint8_t>(rest_[0]);
    rest_.remove_prefix(1);
    return true;
  }
  bool Bytes(size_t n, std::string_view* out) {
    if (rest_.size() < n) return false;
    *out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return true;
  }
  // A length byte, then that many bytes.
  bool Blob(std::string_view* out) {
    uint8_t n;
    return Byte(&n) && Bytes(n, out);
  }

 private:
  std::string_view rest_;
};

struct Side {
  explicit Side(bool tap)
      : link(tap),
        host({.address = kHostIp,
              .mac = tap ? std::optional<MacAddress>(kHostMac) : std::nullopt,
              .arp_queue_limit = kQueueLimit,
              .mtu = 576},
             &reactor) {
    host.AttachLink(&link);
    FUZZ_CHECK(host.BindUdp(7, &echo).ok());
    FUZZ_CHECK(host.BindUdp(0, &other).ok());
  }
  // Hands `bytes` to the host as the link layer would.
  void Receive(std::string_view bytes, bool tap) {
    const uint64_t dropped = Dropped();
    const uint64_t delivered = echo.delivered + other.delivered;
    if (tap) {
      host.ethernet()->DatagramReceived(bytes);
    } else {
      host.ip()->DatagramReceived(bytes, {});
    }
    const uint64_t newly_dropped = Dropped() - dropped;
    const uint64_t newly_delivered =
        echo.delivered + other.delivered - delivered;
    FUZZ_CHECK(newly_delivered <= 1);
    FUZZ_CHECK(newly_dropped <= 1);
    FUZZ_CHECK(newly_delivered + newly_dropped <= 1);
  }
  // Frames the host did not take. Not the frames it sent that the link
  // refused (kLinkError): an ARP reply can release several queued ones.
  uint64_t Dropped() const {
    return host.drops().total() - host.drops()[DropReason::kLinkError];
  }

  FuzzReactor reactor;
  CheckingLink link;
  Host host;
  EchoProtocol echo, other;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Side tap(true), tun(false);
  Script script(data, size);
  uint8_t op;
  while (script.Byte(&op)) {
    std::string_view bytes;
    uint8_t b;
    switch (op % 6) {
      case 0:  // a frame for the TAP host
        if (!script.Blob(&bytes)) return 0;
        tap.Receive(bytes, true);
        break;
      case 1:  // a packet for the TUN host
        if (!script.Blob(&bytes)) return 0;
        tun.Receive(bytes, false);
        break;
      case 2: {  // both hosts write: 4 address bytes, 2 port bytes, payload
        std::string_view to, port, payload;
        if (!script.Bytes(4, &to) || !script.Bytes(2, &port) ||
            !script.Blob(&payload)) {
          return 0;
        }
        const IPv4Address peer = IPv4Address::Udp(IPv4Host(LoadBe32(to.data())),
                                                  LoadBe16(port.data()));
        for (Side* side : {&tap, &tun}) {
          const uint64_t writes = side->link.writes;
          absl::Status sent = side->echo.transport()->Write(payload, peer);
          if (!sent.ok()) FUZZ_CHECK(side->link.writes <= writes + 1);
        }
        break;
      }
      case 3:  // time passes: up to 2.55 s
        if (!script.Byte(&b)) return 0;
        tap.reactor.Advance(absl::Milliseconds(10 * b));
        tun.reactor.Advance(absl::Milliseconds(10 * b));
        break;
      case 4: {  // a permanent neighbour: 4 address bytes, 6 MAC bytes
        std::string_view ip, mac;
        if (!script.Bytes(4, &ip) || !script.Bytes(6, &mac)) return 0;
        tap.host.SetNeighbor(IPv4Host(LoadBe32(ip.data())),
                             MacAddress::FromWire(mac.data()));
        break;
      }
      case 5:  // the links refuse every n-th frame from now on (0: none)
        if (!script.Byte(&b)) return 0;
        tap.link.refuse_every = b % 4;
        tun.link.refuse_every = b % 4;
        break;
    }
    FUZZ_CHECK(tap.host.arp_queue_size() <= kQueueLimit);
    FUZZ_CHECK(tun.host.arp_queue_size() == 0);
  }
  return 0;
}
