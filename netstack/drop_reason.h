// Why a frame was not delivered: every defect the netstack parsers detect,
// plus the ordinary reasons a well-formed frame (or a datagram netstack::Host
// was asked to send) goes nowhere.
//
// The wire views' Check() functions return a DropReason (kNone when the bytes
// are valid) without allocating; Parse() turns the same reason into an
// absl::Status whose message names the defect. The protocol layers count
// drops per reason, so a test can say why a frame vanished:
//
//   standin::netstack::IpProtocol ip;
//   ip.DatagramReceived(packet_with_bad_checksum, {});
//   EXPECT_EQ(ip.drops()[DropReason::kIpv4BadChecksum], 1);
//   EXPECT_EQ(ip.drops().total(), 1);
//   std::cout << ip.drops();  // "{ipv4-bad-checksum: 1}"
#ifndef STANDIN_NETSTACK_DROP_REASON_H_
#define STANDIN_NETSTACK_DROP_REASON_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

namespace standin::netstack {

// One defect (or non-defect reason) per value; the order is not part of the
// contract.
enum class DropReason : uint8_t {
  kNone = 0,                     // not dropped
  kEthernetTooShort,             // frame shorter than the 14-byte header
  kIpv4TooShort,                 // shorter than the 20-byte minimum header
  kIpv4BadVersion,               // version nibble is not 4
  kIpv4IhlTooSmall,              // IHL < 5
  kIpv4IhlBeyondBuffer,          // IHL * 4 > bytes available
  kIpv4TotalLengthTooSmall,      // total length < IHL * 4
  kIpv4TotalLengthBeyondBuffer,  // total length > bytes available
  kIpv4BadChecksum,              // header checksum does not verify
  kIpv4Fragment,                 // a fragment reached a layer that needs a
                                 // whole datagram (no reassembly)
  kUdpTooShort,                  // shorter than the 8-byte header
  kUdpLengthTooSmall,            // UDP length field < 8
  kUdpLengthBeyondBuffer,        // UDP length field > bytes available
  kUdpBadChecksum,               // nonzero UDP checksum does not verify
  kArpTooShort,                  // shorter than its fixed part or addresses
  kArpNotEthernetIpv4,           // hardware/protocol type or lengths are not
                                 // Ethernet (1, 6) and IPv4 (0x0800, 4)
  kArpBadOperation,              // operation is neither request nor reply
  kIcmpTooShort,                 // shorter than the 8-byte ICMP header
  kIcmpBadChecksum,              // ICMP checksum does not verify
  kIcmpEchoBadCode,              // an echo request/reply whose code is not 0
  kNotForUs,                     // well-formed, but addressed to another
                                 // host (netstack::Host does not forward)
  kArpTimeout,                   // a datagram waited for an ARP reply that
                                 // did not come within the timeout
  kLinkError,                    // the link refused a frame the host sent
                                 // on its own (an ARP or echo reply, a
                                 // datagram that waited for ARP)
  kNoProtocol,                   // well-formed, but nothing registered for
                                 // its ethertype / IP protocol / port
};
inline constexpr size_t kDropReasonCount =
    static_cast<size_t>(DropReason::kNoProtocol) + 1;

// A stable kebab-case name: "ipv4-bad-checksum".
std::string_view DropReasonName(DropReason reason);
std::ostream& operator<<(std::ostream& os, DropReason reason);

// Drop counters, one per reason.
class DropCounts {
 public:
  uint64_t operator[](DropReason reason) const {
    return counts_[static_cast<size_t>(reason)];
  }
  void Add(DropReason reason) { ++counts_[static_cast<size_t>(reason)]; }
  // Adds every count of `other` (a stack summing its layers' counters).
  DropCounts& operator+=(const DropCounts& other) {
    for (size_t i = 0; i < kDropReasonCount; ++i)
      counts_[i] += other.counts_[i];
    return *this;
  }
  // The sum over every reason.
  uint64_t total() const;
  // "{ipv4-bad-checksum: 1, no-protocol: 2}", nonzero reasons only.
  std::string ToString() const;

 private:
  std::array<uint64_t, kDropReasonCount> counts_{};
};

std::ostream& operator<<(std::ostream& os, const DropCounts& counts);

}  // namespace standin::netstack

#endif  // STANDIN_NETSTACK_DROP_REASON_H_
