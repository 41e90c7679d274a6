#include "standin/tuntap/tunnel_flags.h"

#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "standin/netstack/ethernet.h"

namespace standin {

// The constants above are the kernel's; keep them honest.
static_assert(ValueOf(TunnelFlags::kTun) == IFF_TUN);
static_assert(ValueOf(TunnelFlags::kTap) == IFF_TAP);
static_assert(ValueOf(TunnelFlags::kNapi) == IFF_NAPI);
static_assert(ValueOf(TunnelFlags::kNapiFrags) == IFF_NAPI_FRAGS);
static_assert(ValueOf(TunnelFlags::kNoCarrier) == IFF_NO_CARRIER);
static_assert(ValueOf(TunnelFlags::kMultiQueue) == IFF_MULTI_QUEUE);
static_assert(ValueOf(TunnelFlags::kAttachQueue) == IFF_ATTACH_QUEUE);
static_assert(ValueOf(TunnelFlags::kDetachQueue) == IFF_DETACH_QUEUE);
static_assert(ValueOf(TunnelFlags::kPersist) == IFF_PERSIST);
static_assert(ValueOf(TunnelFlags::kNoPi) == IFF_NO_PI);
static_assert(ValueOf(TunnelFlags::kNoFilter) == IFF_NOFILTER);
static_assert(ValueOf(TunnelFlags::kOneQueue) == IFF_ONE_QUEUE);
static_assert(ValueOf(TunnelFlags::kVnetHdr) == IFF_VNET_HDR);
static_assert(ValueOf(TunnelFlags::kTunExcl) == IFF_TUN_EXCL);
static_assert(kTunTypeMask == TUN_TYPE_MASK);
static_assert(kPiSize == sizeof(struct tun_pi));
static_assert(kTunPktStrip == TUN_PKT_STRIP);
static_assert(kTunFCsum == TUN_F_CSUM && kTunFTso4 == TUN_F_TSO4 &&
              kTunFTso6 == TUN_F_TSO6 && kTunFTsoEcn == TUN_F_TSO_ECN &&
              kTunFUfo == TUN_F_UFO);
static_assert(kIfNameSize == IFNAMSIZ);
static_assert(kTunSetNoCsum == TUNSETNOCSUM);
static_assert(kTunSetDebug == TUNSETDEBUG);
static_assert(kTunSetIff == TUNSETIFF);
static_assert(kTunSetPersist == TUNSETPERSIST);
static_assert(kTunSetOwner == TUNSETOWNER);
static_assert(kTunSetLink == TUNSETLINK);
static_assert(kTunSetGroup == TUNSETGROUP);
static_assert(kTunGetFeatures == TUNGETFEATURES);
static_assert(kTunSetOffload == TUNSETOFFLOAD);
static_assert(kTunSetTxFilter == TUNSETTXFILTER);
static_assert(kTunGetIff == TUNGETIFF);
static_assert(kTunGetSndBuf == TUNGETSNDBUF);
static_assert(kTunSetSndBuf == TUNSETSNDBUF);
static_assert(kTunGetVnetHdrSz == TUNGETVNETHDRSZ);
static_assert(kTunSetVnetHdrSz == TUNSETVNETHDRSZ);
static_assert(kTunSetQueue == TUNSETQUEUE);
static_assert(kTunSetIfIndex == TUNSETIFINDEX);
static_assert(kTunSetCarrier == TUNSETCARRIER);

static_assert(ValueOf(kTunFeatures) ==
              (IFF_NO_PI | IFF_ONE_QUEUE | IFF_VNET_HDR | IFF_MULTI_QUEUE |
               IFF_NAPI | IFF_NAPI_FRAGS));

std::optional<TunnelType> TunnelTypeOf(TunnelFlags flags) {
  if (HasFlag(flags, TunnelFlags::kTun)) return TunnelType::kTun;
  if (HasFlag(flags, TunnelFlags::kTap)) return TunnelType::kTap;
  return std::nullopt;
}

std::string ToString(TunnelFlags flags) {
  // IFF_* names only: the legacy TUN_* bits overlap them.
  static constexpr std::pair<uint32_t, const char*> kNames[] = {
      {IFF_TUN, "IFF_TUN"},
      {IFF_TAP, "IFF_TAP"},
      {IFF_NAPI, "IFF_NAPI"},
      {IFF_NAPI_FRAGS, "IFF_NAPI_FRAGS"},
      {IFF_NO_CARRIER, "IFF_NO_CARRIER"},
      {IFF_MULTI_QUEUE, "IFF_MULTI_QUEUE"},
      {IFF_ATTACH_QUEUE, "IFF_ATTACH_QUEUE"},
      {IFF_DETACH_QUEUE, "IFF_DETACH_QUEUE"},
      {IFF_PERSIST, "IFF_PERSIST"},
      {IFF_NO_PI, "IFF_NO_PI"},
      {IFF_ONE_QUEUE, "IFF_ONE_QUEUE"},
      {IFF_VNET_HDR, "IFF_VNET_HDR"},
      {IFF_TUN_EXCL, "IFF_TUN_EXCL"},
  };
  uint32_t rest = ValueOf(flags);
  if (rest == 0) return "0";
  std::vector<std::string> parts;
  for (const auto& [bit, name] : kNames) {
    if (rest & bit) {
      parts.emplace_back(name);
      rest &= ~bit;
    }
  }
  if (rest != 0) parts.push_back(absl::StrCat("0x", absl::Hex(rest)));
  return absl::StrJoin(parts, "|");
}

std::ostream& operator<<(std::ostream& os, TunnelFlags flags) {
  return os << ToString(flags);
}

std::string PackIfreq(std::string_view name, TunnelFlags flags) {
  std::string out(kIfreqNameFlagsSize, '\0');
  std::memcpy(out.data(), name.data(), std::min(name.size(), kIfNameSize));
  const uint16_t raw = static_cast<uint16_t>(ValueOf(flags));
  std::memcpy(out.data() + kIfNameSize, &raw, sizeof(raw));
  return out;
}

UnpackedIfreq UnpackIfreq(std::string_view ifreq) {
  char buffer[kIfreqNameFlagsSize] = {};
  std::memcpy(buffer, ifreq.data(), std::min(ifreq.size(), sizeof(buffer)));
  UnpackedIfreq out;
  out.name.assign(buffer, strnlen(buffer, kIfNameSize));
  uint16_t raw = 0;
  std::memcpy(&raw, buffer + kIfNameSize, sizeof(raw));
  out.flags = static_cast<TunnelFlags>(raw);
  return out;
}

}  // namespace standin
