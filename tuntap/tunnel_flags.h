// The constants of linux/if_tun.h, typed: tunnel flags for TUNSETIFF, the
// packet-information header bits, offload bits and the ioctl request numbers.
//
// TunnelFlags is a bit set with the usual operators, so a mode reads like the
// C it replaces and prints like Twisted's FlagConstants. The values are the
// kernel's own (static_asserts in tunnel_flags.cc check them against the
// system header), so they can be handed to a real ioctl unchanged.
//
// Example:
//
//   using standin::TunnelFlags;
//   TunnelFlags mode = TunnelFlags::kTap | TunnelFlags::kNoPi;
//   std::string ifr = standin::PackIfreq("tap0", mode);  // 18 bytes, "16sH"
//   absl::StatusOr<std::string> result =
//       system->Ioctl(fd, standin::kTunSetIff, ifr);
//   EXPECT_EQ(standin::TunnelTypeOf(mode), standin::TunnelType::kTap);
//   std::cout << mode;  // "IFF_TAP|IFF_NO_PI"
#ifndef STANDIN_TUNTAP_TUNNEL_FLAGS_H_
#define STANDIN_TUNTAP_TUNNEL_FLAGS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "standin/netstack/ethernet.h"
#include "standin/transport/address.h"

namespace standin {

// ifr_flags bits of TUNSETIFF/TUNGETIFF (IFF_*), plus the legacy TUN_*
// driver-state bits Twisted also lists. Several names share a value in the
// kernel (IFF_NO_PI == IFF_NOFILTER); ToString() prints the IFF_* name.
enum class TunnelFlags : uint32_t {
  kNone = 0,
  kTun = 0x0001,          // IFF_TUN: an IP-level tunnel.
  kTap = 0x0002,          // IFF_TAP: an Ethernet-level tunnel.
  kNapi = 0x0010,         // IFF_NAPI.
  kNapiFrags = 0x0020,    // IFF_NAPI_FRAGS.
  kNoCarrier = 0x0040,    // IFF_NO_CARRIER.
  kMultiQueue = 0x0100,   // IFF_MULTI_QUEUE.
  kAttachQueue = 0x0200,  // IFF_ATTACH_QUEUE.
  kDetachQueue = 0x0400,  // IFF_DETACH_QUEUE.
  kPersist = 0x0800,      // IFF_PERSIST (reported by TUNGETIFF).
  kNoPi = 0x1000,         // IFF_NO_PI: no packet-information header.
  kNoFilter = 0x1000,     // IFF_NOFILTER (TUNGETIFF reports it; same bit).
  kOneQueue = 0x2000,     // IFF_ONE_QUEUE (ignored by modern kernels).
  kVnetHdr = 0x4000,      // IFF_VNET_HDR.
  kTunExcl = 0x8000,      // IFF_TUN_EXCL.
  // Legacy driver-internal TUN_* bits (old if_tun.h; Twisted lists them).
  kTunFasync = 0x0010,
  kTunNoChecksum = 0x0020,
  kTunNoPi = 0x0040,
  kTunOneQueue = 0x0080,
  kTunPersist = 0x0100,
  kTunVnetHdr = 0x0200,
};

// TUN_TYPE_MASK: the bits that say TUN or TAP.
inline constexpr uint32_t kTunTypeMask = 0x000f;

constexpr TunnelFlags operator|(TunnelFlags a, TunnelFlags b) {
  return static_cast<TunnelFlags>(static_cast<uint32_t>(a) |
                                  static_cast<uint32_t>(b));
}
constexpr TunnelFlags operator&(TunnelFlags a, TunnelFlags b) {
  return static_cast<TunnelFlags>(static_cast<uint32_t>(a) &
                                  static_cast<uint32_t>(b));
}
constexpr TunnelFlags operator~(TunnelFlags a) {
  return static_cast<TunnelFlags>(~static_cast<uint32_t>(a));
}
constexpr TunnelFlags& operator|=(TunnelFlags& a, TunnelFlags b) {
  return a = a | b;
}
// True when any bit of `bits` is set in `flags`.
constexpr bool HasFlag(TunnelFlags flags, TunnelFlags bits) {
  return (static_cast<uint32_t>(flags) & static_cast<uint32_t>(bits)) != 0;
}
constexpr uint32_t ValueOf(TunnelFlags flags) {
  return static_cast<uint32_t>(flags);
}

// The tunnel type TUNSETIFF makes of `flags`, decoded as the kernel does
// (drivers/net/tun.c, tun_set_iff): IFF_TUN set means a TUN, even with
// IFF_TAP set too; otherwise IFF_TAP means a TAP; with neither bit the
// kernel fails with EINVAL, and this returns nullopt.
std::optional<TunnelType> TunnelTypeOf(TunnelFlags flags);

// TUN_FEATURES: the ifr_flags bits a tunnel keeps from TUNSETIFF besides
// its type (TUNGETIFF reports them back).
inline constexpr TunnelFlags kTunFeatures =
    TunnelFlags::kNoPi | TunnelFlags::kOneQueue | TunnelFlags::kVnetHdr |
    TunnelFlags::kMultiQueue | TunnelFlags::kNapi | TunnelFlags::kNapiFrags;
// What TUNGETFEATURES answers, with or without TUNSETIFF: every ifr_flags
// bit TUNSETIFF understands (Linux 6.x: IFF_NO_CARRIER arrived in 6.0). The
// IoSystem conformance suite holds MemoryIoSystem and the kernel to it.
inline constexpr TunnelFlags kTunGetFeaturesAnswer =
    TunnelFlags::kTun | TunnelFlags::kTap | TunnelFlags::kNoCarrier |
    kTunFeatures;

// "IFF_TAP|IFF_NO_PI"; unknown bits print as hex; zero prints "0".
std::string ToString(TunnelFlags flags);
std::ostream& operator<<(std::ostream& os, TunnelFlags flags);

// Packet-information header (struct tun_pi): 2 bytes of flags, then the
// ethertype of the packet, both big-endian. Present unless IFF_NO_PI.
inline constexpr size_t kPiSize = 4;
// tun_pi.flags (host byte order; proto is big-endian): the packet did not
// fit the read buffer and was cut.
inline constexpr uint16_t kTunPktStrip = 0x0001;
// The ethertype the kernel gives a packet on a TUN (tun_pi.proto, and what
// a TuntapPort reports as LinkMetadata::protocol), judged from its IP
// version nibble: IPv4, IPv6, or 0 for anything else. Inline: a TuntapPort
// asks it of every packet it reads.
inline uint16_t EthertypeOfIp(std::string_view packet) {
  if (packet.empty()) return 0;
  switch (static_cast<uint8_t>(packet[0]) >> 4) {
    case 4:
      return netstack::kEtherTypeIpv4;
    case 6:
      return netstack::kEtherTypeIpv6;
    default:
      return 0;
  }
}

// TUNSETOFFLOAD bits (TUN_F_*).
inline constexpr uint32_t kTunFCsum = 0x01;
inline constexpr uint32_t kTunFTso4 = 0x02;
inline constexpr uint32_t kTunFTso6 = 0x04;
inline constexpr uint32_t kTunFTsoEcn = 0x08;
inline constexpr uint32_t kTunFUfo = 0x10;

// IFNAMSIZ: interface names are at most 15 bytes plus a NUL.
inline constexpr size_t kIfNameSize = 16;
// Bytes of Twisted's "16sH" TUNSETIFF argument: name, then ifr_flags.
inline constexpr size_t kIfreqNameFlagsSize = kIfNameSize + 2;

// The ioctl requests of linux/if_tun.h (x86-64/arm64 encodings).
inline constexpr unsigned long kTunSetNoCsum = 0x400454c8;
inline constexpr unsigned long kTunSetDebug = 0x400454c9;
inline constexpr unsigned long kTunSetIff = 0x400454ca;
inline constexpr unsigned long kTunSetPersist = 0x400454cb;
inline constexpr unsigned long kTunSetOwner = 0x400454cc;
inline constexpr unsigned long kTunSetLink = 0x400454cd;
inline constexpr unsigned long kTunSetGroup = 0x400454ce;
inline constexpr unsigned long kTunGetFeatures = 0x800454cf;
inline constexpr unsigned long kTunSetOffload = 0x400454d0;
inline constexpr unsigned long kTunSetTxFilter = 0x400454d1;
inline constexpr unsigned long kTunGetIff = 0x800454d2;
inline constexpr unsigned long kTunGetSndBuf = 0x800454d3;
inline constexpr unsigned long kTunSetSndBuf = 0x400454d4;
inline constexpr unsigned long kTunGetVnetHdrSz = 0x800454d7;
inline constexpr unsigned long kTunSetVnetHdrSz = 0x400454d8;
inline constexpr unsigned long kTunSetQueue = 0x400454d9;
inline constexpr unsigned long kTunSetIfIndex = 0x400454da;
inline constexpr unsigned long kTunSetCarrier = 0x400454e2;

// The character device that hands out tunnels.
inline constexpr std::string_view kTunDevicePath = "/dev/net/tun";

// Packs Twisted's "16sH" ifreq prefix: `name` NUL-padded to 16 bytes (cut at
// 16), then `flags` as a native-endian 16-bit ifr_flags.
std::string PackIfreq(std::string_view name, TunnelFlags flags);

// The name (up to the first NUL of the first 16 bytes) and ifr_flags of an
// ifreq returned by TUNSETIFF/TUNGETIFF. Short input reads as zero-padded.
struct UnpackedIfreq {
  std::string name;
  TunnelFlags flags = TunnelFlags::kNone;
};
UnpackedIfreq UnpackIfreq(std::string_view ifreq);

}  // namespace standin

#endif  // STANDIN_TUNTAP_TUNNEL_FLAGS_H_
