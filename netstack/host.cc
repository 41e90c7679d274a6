#include "standin/netstack/host.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "standin/netstack/arp.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/ethernet.h"
#include "standin/netstack/icmp.h"
#include "standin/netstack/udp.h"
#include "standin/transport/status.h"

namespace standin::netstack {
namespace {

constexpr uint16_t kFirstEphemeralPort = 32768;  // Linux's default range
constexpr uint16_t kLastEphemeralPort = 60999;
constexpr size_t kUdpIpHeaders = Ipv4Packet::kMinHeaderSize + UdpHeader::kSize;
constexpr IPv4Host kLimitedBroadcast(0xffffffff);

uint32_t Netmask(int prefix_length) {
  if (prefix_length < 0 || prefix_length > 32) {
    std::fprintf(stderr, "netstack::Host: prefix length %d is not 0..32\n",
                 prefix_length);
    std::abort();
  }
  return prefix_length == 0 ? 0 : ~uint32_t{0} << (32 - prefix_length);
}

bool IsMulticast(IPv4Host ip) { return (ip.value() >> 28) == 0xe; }

// RFC 1112: 01:00:5e and the group's low 23 bits.
MacAddress MulticastMac(IPv4Host group) {
  const uint32_t v = group.value();
  return MacAddress({0x01, 0x00, 0x5e, static_cast<uint8_t>((v >> 16) & 0x7f),
                     static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)});
}

}  // namespace

// One bound UDP port: the DatagramTransport its protocol writes through.
class Host::BoundPort final : public DatagramTransport {
 public:
  BoundPort(Host* host, uint16_t port, DatagramProtocol* protocol)
      : host_(host), port_(port), protocol_(protocol) {}

  absl::Status Write(std::string_view datagram, const Address& to) override {
    if (!listening_) [[unlikely]] {
      return ErrnoStatus(EBADF, absl::StrCat("write on UDP port ", port_,
                                             " after StopListening()"));
    }
    return host_->SendUdp(port_, datagram, to);
  }
  Address GetHost() const override {
    return IPv4Address::Udp(host_->options_.address, port_);
  }
  void StopListening() override {
    if (!listening_) return;
    listening_ = false;
    host_->Unbind(port_);
    protocol_->StopProtocol();
  }
  size_t max_datagram_size() const override {
    return host_->max_datagram_size();
  }

  void Deliver(std::string_view data, const Address& from) {
    protocol_->DatagramReceived(data, from);
  }

 private:
  Host* const host_;
  const uint16_t port_;
  DatagramProtocol* const protocol_;
  bool listening_ = true;
};

Host::Host(Options options, Reactor* reactor)
    : options_(std::move(options)),
      reactor_(reactor),
      netmask_(Netmask(options_.prefix_length)),
      subnet_broadcast_(options_.address.value() | ~netmask_),
      tx_buffer_(EthernetHeader::kSize + 0xffff, '\0') {
  if (options_.mtu < 68 || options_.mtu > 0xffff) {
    std::fprintf(stderr, "netstack::Host: MTU %zu is not 68..65535\n",
                 options_.mtu);
    std::abort();
  }
  (void)ethernet_.AddProto(kEtherTypeIpv4, &ip_input_);
  if (is_tap()) (void)ethernet_.AddProto(kEtherTypeArp, &arp_input_);
}

Host::~Host() {
  for (auto& [ip, timeout] : resolving_) timeout.Cancel();
}

void Host::AttachLink(Transport* link) {
  link_ = link;
  packet_link_ = dynamic_cast<PacketLink*>(link);
}

absl::StatusOr<DatagramTransport*> Host::BindUdp(uint16_t port,
                                                 DatagramProtocol* protocol) {
  if (protocol == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("BindUdp(", port, "): the protocol is null"));
  }
  if (port == 0) {
    constexpr int kRange = kLastEphemeralPort - kFirstEphemeralPort + 1;
    for (int tried = 0; tried < kRange && port == 0; ++tried) {
      const uint16_t candidate = next_ephemeral_;
      next_ephemeral_ =
          candidate == kLastEphemeralPort ? kFirstEphemeralPort : candidate + 1;
      if (!bound_.contains(candidate)) port = candidate;
    }
    if (port == 0) {
      return ErrnoStatus(EADDRINUSE,
                         "BindUdp(0): every ephemeral port is "
                         "bound");
    }
  } else if (bound_.contains(port)) {
    return ErrnoStatus(EADDRINUSE, absl::StrCat("BindUdp(", port, ") on ",
                                                options_.address.ToString(),
                                                ": the port is bound already"));
  }
  BoundPort* bound =
      ports_.emplace_back(std::make_unique<BoundPort>(this, port, protocol))
          .get();
  bound_[port] = bound;
  protocol->MakeConnection(bound);
  return bound;
}

void Host::Unbind(uint16_t port) { bound_.erase(port); }

void Host::SetNeighbor(IPv4Host ip, MacAddress mac) {
  neighbors_.SetPermanent(ip, mac);
  Learn(ip, mac);  // sends whatever waited for it
}

std::optional<MacAddress> Host::neighbor(IPv4Host ip) const {
  const MacAddress* mac = neighbors_.Lookup(ip, reactor_->Now());
  if (mac == nullptr) return std::nullopt;
  return *mac;
}

const DropCounts& Host::drops() const {
  all_drops_ = drops_;
  all_drops_ += ethernet_.drops();
  return all_drops_;
}

size_t Host::max_datagram_size() const { return options_.mtu - kUdpIpHeaders; }

// --- receiving --------------------------------------------------------------

bool Host::AcceptsFrameTo(MacAddress destination) const {
  // Broadcast is multicast too; the IP layer filters groups by address.
  return destination == *options_.mac || destination.is_multicast();
}

bool Host::AcceptsPacketTo(IPv4Host destination) const {
  return destination == options_.address || destination == kLimitedBroadcast ||
         (options_.prefix_length <= 30 && destination == subnet_broadcast_);
}

void Host::ReceiveIp(std::string_view packet, const LinkMetadata& link) {
  if (is_tap() && !AcceptsFrameTo(link.destination)) {
    drops_.Add(DropReason::kNotForUs);
    return;
  }
  if (link.protocol == kEtherTypeIpv6) {  // a TUN hands up IPv6 too
    drops_.Add(DropReason::kNoProtocol);
    return;
  }
  Ipv4Packet ip;
  if (DropReason reason = Ipv4Packet::Check(packet, &ip);
      reason != DropReason::kNone) {
    drops_.Add(reason);
    return;
  }
  if (!AcceptsPacketTo(ip.destination())) {
    drops_.Add(DropReason::kNotForUs);
    return;
  }
  if (is_tap()) Learn(ip.source(), link.source);
  if (ip.is_fragment()) {
    drops_.Add(DropReason::kIpv4Fragment);
    return;
  }
  switch (ip.protocol()) {
    case kIpProtocolUdp:
      ReceiveUdp(ip);
      return;
    case kIpProtocolIcmp:
      ReceiveIcmp(ip, link);
      return;
    default:
      drops_.Add(DropReason::kNoProtocol);
  }
}

void Host::ReceiveUdp(const Ipv4Packet& ip) {
  UdpDatagram udp;
  if (DropReason reason =
          UdpDatagram::Check(ip.payload(), ip.source(), ip.destination(), &udp);
      reason != DropReason::kNone) {
    drops_.Add(reason);
    return;
  }
  auto it = bound_.find(udp.destination_port());
  if (it == bound_.end()) {
    drops_.Add(DropReason::kNoProtocol);
    return;
  }
  // The sender in binary, as it came off the wire: no text per datagram.
  ++counters_.udp_delivered;
  it->second->Deliver(udp.payload(),
                      IPv4Address::Udp(ip.source(), udp.source_port()));
}

void Host::ReceiveIcmp(const Ipv4Packet& ip, const LinkMetadata& link) {
  Icmpv4Packet icmp;
  if (DropReason reason = Icmpv4Packet::Check(ip.payload(), &icmp);
      reason != DropReason::kNone) {
    drops_.Add(reason);
    return;
  }
  Icmpv4Echo echo;
  if (icmp.type() != kIcmpEchoRequest) {  // replies, errors: nobody asked
    drops_.Add(DropReason::kNoProtocol);
    return;
  }
  if (DropReason reason = Icmpv4Echo::Check(icmp, &echo);
      reason != DropReason::kNone) {
    drops_.Add(reason);
    return;
  }
  if (ip.destination() != options_.address) {
    // A broadcast ping: Linux ignores those by default, and so do we.
    drops_.Add(DropReason::kNotForUs);
    return;
  }
  // The reply goes back the way the request came: on TAP to the frame's
  // sender, with no ARP lookup (it may be a router for an off-link source).
  const size_t icmp_size = icmp.bytes().size();
  char* frame = tx_buffer_.data();
  char* packet = frame + EthernetHeader::kSize;
  char* message = packet + Ipv4Packet::kMinHeaderSize;
  std::memcpy(message + Icmpv4Echo::kSize, icmp.data().data(),
              icmp.data().size());
  echo.type = kIcmpEchoReply;
  echo.Emit(message, icmp_size);
  Ipv4Header{.source = options_.address,
             .destination = ip.source(),
             .protocol = kIpProtocolIcmp,
             .ttl = options_.ttl,
             .payload_length = static_cast<uint16_t>(icmp_size)}
      .Emit(packet);
  const size_t packet_size = Ipv4Packet::kMinHeaderSize + icmp_size;
  ++counters_.echo_replies_sent;
  if (!is_tap()) {
    SendUnattended(std::string_view(packet, packet_size));
    return;
  }
  EthernetHeader{.destination = link.source,
                 .source = *options_.mac,
                 .ethertype = kEtherTypeIpv4}
      .Emit(frame);
  SendUnattended(std::string_view(frame, EthernetHeader::kSize + packet_size));
}

void Host::ReceiveArp(std::string_view packet, const LinkMetadata& link) {
  if (!AcceptsFrameTo(link.destination)) {
    drops_.Add(DropReason::kNotForUs);
    return;
  }
  ArpPacket arp;
  if (DropReason reason = ArpPacket::Check(packet, &arp);
      reason != DropReason::kNone) {
    drops_.Add(reason);
    return;
  }
  const bool for_us = arp.target_ip() == options_.address;
  // RFC 826: update a known sender; add one only when the message is for
  // us (so a chatty segment does not fill the cache).
  if (for_us || resolving_.contains(arp.sender_ip()) ||
      neighbors_.Lookup(arp.sender_ip(), reactor_->Now()) != nullptr) {
    Learn(arp.sender_ip(), arp.sender_mac());
  }
  if (!for_us) {
    drops_.Add(DropReason::kNotForUs);
    return;
  }
  if (arp.operation() != ArpOperation::kRequest) return;  // learned above
  char* frame = tx_buffer_.data();
  EthernetHeader{.destination = arp.sender_mac(),
                 .source = *options_.mac,
                 .ethertype = kEtherTypeArp}
      .Emit(frame);
  ArpMessage{.operation = ArpOperation::kReply,
             .sender_mac = *options_.mac,
             .sender_ip = options_.address,
             .target_mac = arp.sender_mac(),
             .target_ip = arp.sender_ip()}
      .Emit(frame + EthernetHeader::kSize);
  ++counters_.arp_replies_sent;
  SendUnattended(
      std::string_view(frame, EthernetHeader::kSize + ArpMessage::kSize));
}

void Host::Learn(IPv4Host ip, MacAddress mac) {
  if (!OnLink(ip) || ip == options_.address || ip == IPv4Host() ||
      ip == subnet_broadcast_ || mac.is_multicast() || mac == MacAddress()) {
    return;
  }
  neighbors_.Learn(ip, mac, reactor_->Now(), options_.neighbor_lifetime);
  auto resolving = resolving_.find(ip);
  if (resolving == resolving_.end()) return;
  resolving->second.Cancel();
  resolving_.erase(resolving);
  // Out of the queue first: sending never re-enters, but keep it simple.
  std::vector<Queued> ready;
  std::erase_if(arp_queue_, [&](Queued& queued) {
    if (queued.next_hop != ip) return false;
    ready.push_back(std::move(queued));
    return true;
  });
  for (Queued& queued : ready) {
    std::memcpy(queued.frame.data(), mac.octets().data(), MacAddress::kSize);
    if (SendUnattended(queued.frame)) ++counters_.udp_sent;
  }
}

// --- sending ----------------------------------------------------------------

absl::Status Host::SendUdp(uint16_t source_port, std::string_view data,
                           const Address& to) {
  const IPv4Address* peer = std::get_if<IPv4Address>(&to);
  if (peer == nullptr) [[unlikely]] {
    if (std::holds_alternative<IPv6Address>(to)) {
      return ErrnoStatus(EAFNOSUPPORT,
                         absl::StrCat("UDP write to ", ToString(to),
                                      ": netstack::Host speaks IPv4 only"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("UDP write to ", ToString(to), ": not an IPv4 endpoint"));
  }
  if (peer->port == 0) [[unlikely]] {
    return ErrnoStatus(EINVAL, absl::StrCat("UDP write to ", ToString(to),
                                            ": port 0 is no destination"));
  }
  if (data.size() > max_datagram_size()) [[unlikely]] {
    return ErrnoStatus(
        EMSGSIZE,
        absl::StrCat("UDP datagram of ", data.size(), " bytes to ",
                     ToString(to), " exceeds the ", max_datagram_size(),
                     "-byte maximum (MTU ", options_.mtu, ")"));
  }
  if (link_ == nullptr) [[unlikely]] {
    return absl::FailedPreconditionError(
        absl::StrCat("UDP write to ", ToString(to), ": no link attached"));
  }
  UdpFrameSpec spec{.source_ip = options_.address,
                    .destination_ip = peer->host,
                    .source_port = source_port,
                    .destination_port = peer->port,
                    .ttl = options_.ttl};
  if (!is_tap()) {
    const size_t size = WriteUdpIpv4Frame(spec, data, tx_buffer_.data());
    return SendDatagram(
        std::string_view(tx_buffer_.data() + EthernetHeader::kSize,
                         size - EthernetHeader::kSize));
  }
  spec.source_mac = *options_.mac;
  const IPv4Host destination = peer->host;
  const MacAddress* mac = nullptr;
  MacAddress group;
  if (destination == kLimitedBroadcast ||
      (options_.prefix_length <= 30 && destination == subnet_broadcast_)) {
    group = MacAddress::Broadcast();
    mac = &group;
  } else if (IsMulticast(destination)) {
    group = MulticastMac(destination);
    mac = &group;
  } else if (!OnLink(destination)) [[unlikely]] {
    return ErrnoStatus(
        ENETUNREACH,
        absl::StrCat("UDP write to ", ToString(to), ": ",
                     destination.ToString(), " is not on ",
                     IPv4Host(options_.address.value() & netmask_).ToString(),
                     "/", options_.prefix_length,
                     " and the host has no "
                     "gateway"));
  } else {
    mac = neighbors_.Lookup(destination, reactor_->Now());
  }
  if (mac != nullptr) spec.destination_mac = *mac;
  const size_t size = WriteUdpIpv4Frame(spec, data, tx_buffer_.data());
  const std::string_view frame(tx_buffer_.data(), size);
  if (mac == nullptr) return Enqueue(destination, frame);
  return SendDatagram(frame);
}

absl::Status Host::Send(std::string_view bytes) {
  if (packet_link_ != nullptr)
    return packet_link_->WriteDatagram(bytes).status();
  link_->Write(bytes);
  return absl::OkStatus();
}

absl::Status Host::SendDatagram(std::string_view bytes) {
  absl::Status sent = Send(bytes);
  if (sent.ok()) ++counters_.udp_sent;
  return sent;
}

bool Host::SendUnattended(std::string_view bytes) {
  if (link_ != nullptr && Send(bytes).ok()) return true;
  drops_.Add(DropReason::kLinkError);
  return false;
}

absl::Status Host::Enqueue(IPv4Host next_hop, std::string_view frame) {
  const bool room = arp_queue_.size() < options_.arp_queue_limit;
  if (room) arp_queue_.push_back(Queued{next_hop, std::string(frame)});
  if (!resolving_.contains(next_hop)) {
    // Asked even when the queue is full, so that a later write finds the
    // neighbour known (Linux's ARP likewise probes while it drops).
    resolving_[next_hop] =
        reactor_->CallLater(options_.arp_timeout,
                            [this, next_hop] { ResolutionTimedOut(next_hop); });
    SendArpRequest(next_hop);  // overwrites tx_buffer_: the frame is queued
  }
  if (room) return absl::OkStatus();
  return ErrnoStatus(ENOBUFS,
                     absl::StrCat("UDP write to ", next_hop.ToString(), ": ",
                                  arp_queue_.size(),
                                  " datagrams already wait for ARP replies"));
}

void Host::SendArpRequest(IPv4Host target) {
  char* frame = tx_buffer_.data();
  EthernetHeader{.destination = MacAddress::Broadcast(),
                 .source = *options_.mac,
                 .ethertype = kEtherTypeArp}
      .Emit(frame);
  ArpMessage{.operation = ArpOperation::kRequest,
             .sender_mac = *options_.mac,
             .sender_ip = options_.address,
             .target_ip = target}
      .Emit(frame + EthernetHeader::kSize);
  ++counters_.arp_requests_sent;
  SendUnattended(
      std::string_view(frame, EthernetHeader::kSize + ArpMessage::kSize));
}

void Host::ResolutionTimedOut(IPv4Host next_hop) {
  resolving_.erase(next_hop);
  const size_t dropped = std::erase_if(arp_queue_, [&](const Queued& queued) {
    return queued.next_hop == next_hop;
  });
  for (size_t i = 0; i < dropped; ++i) drops_.Add(DropReason::kArpTimeout);
}

}  // namespace standin::netstack
