#include "standin/tuntap/tunnel_flags.h"

#include <sstream>

#include "gtest/gtest.h"

namespace standin {
namespace {

TEST(TunnelFlagsTest, ValuesAreTheKernels) {
  EXPECT_EQ(ValueOf(TunnelFlags::kTun), 0x0001u);
  EXPECT_EQ(ValueOf(TunnelFlags::kTap), 0x0002u);
  EXPECT_EQ(ValueOf(TunnelFlags::kNoPi), 0x1000u);
  EXPECT_EQ(ValueOf(TunnelFlags::kOneQueue), 0x2000u);
  EXPECT_EQ(ValueOf(TunnelFlags::kVnetHdr), 0x4000u);
  EXPECT_EQ(ValueOf(TunnelFlags::kTunExcl), 0x8000u);
  EXPECT_EQ(ValueOf(TunnelFlags::kTunFasync), 0x0010u);
  EXPECT_EQ(ValueOf(TunnelFlags::kTunNoChecksum), 0x0020u);
  EXPECT_EQ(ValueOf(TunnelFlags::kTunNoPi), 0x0040u);
  EXPECT_EQ(ValueOf(TunnelFlags::kTunOneQueue), 0x0080u);
  EXPECT_EQ(ValueOf(TunnelFlags::kTunPersist), 0x0100u);
  EXPECT_EQ(ValueOf(TunnelFlags::kTunVnetHdr), 0x0200u);
  EXPECT_EQ(kTunSetIff, 0x400454caUL);  // Twisted's _TUNSETIFF.
  EXPECT_EQ(kTunGetIff, 0x800454d2UL);  // Twisted's _TUNGETIFF.
}

TEST(TunnelFlagsTest, Operators) {
  const TunnelFlags mode = TunnelFlags::kTap | TunnelFlags::kNoPi;
  EXPECT_TRUE(HasFlag(mode, TunnelFlags::kTap));
  EXPECT_TRUE(HasFlag(mode, TunnelFlags::kNoPi));
  EXPECT_FALSE(HasFlag(mode, TunnelFlags::kTun));
  EXPECT_EQ(mode & TunnelFlags::kTap, TunnelFlags::kTap);
  // Twisted's equality test: IFF_TUN | IFF_TUN is IFF_TUN.
  EXPECT_EQ(TunnelFlags::kTun | TunnelFlags::kTun, TunnelFlags::kTun);
  TunnelFlags f = TunnelFlags::kTun;
  f |= TunnelFlags::kPersist;
  EXPECT_EQ(ValueOf(f), 0x0801u);
}

TEST(TunnelFlagsTest, TunnelTypeOf) {
  EXPECT_EQ(TunnelTypeOf(TunnelFlags::kTun | TunnelFlags::kNoPi),
            TunnelType::kTun);
  EXPECT_EQ(TunnelTypeOf(TunnelFlags::kTap), TunnelType::kTap);
  EXPECT_EQ(TunnelTypeOf(TunnelFlags::kNoPi), std::nullopt);
  // The kernel's decoding: IFF_TUN wins over IFF_TAP; the other bits of
  // TUN_TYPE_MASK do not name a type.
  EXPECT_EQ(TunnelTypeOf(TunnelFlags::kTun | TunnelFlags::kTap),
            TunnelType::kTun);
  EXPECT_EQ(TunnelTypeOf(static_cast<TunnelFlags>(0x4)), std::nullopt);
  EXPECT_EQ(TunnelTypeOf(static_cast<TunnelFlags>(0x4 | 0x2)),
            TunnelType::kTap);
}

TEST(TunnelFlagsTest, EthertypeOfIpFollowsTheVersionNibble) {
  EXPECT_EQ(EthertypeOfIp("\x45rest"), 0x0800);
  EXPECT_EQ(EthertypeOfIp("\x60rest"), 0x86dd);
  EXPECT_EQ(EthertypeOfIp("\x50rest"), 0);
  EXPECT_EQ(EthertypeOfIp(""), 0);
}

TEST(TunnelFlagsTest, Printing) {
  EXPECT_EQ(ToString(TunnelFlags::kTap | TunnelFlags::kNoPi),
            "IFF_TAP|IFF_NO_PI");
  EXPECT_EQ(ToString(TunnelFlags::kNone), "0");
  EXPECT_EQ(ToString(static_cast<TunnelFlags>(0x10004)), "0x10004");
  std::ostringstream os;
  os << (TunnelFlags::kTun | TunnelFlags::kPersist);
  EXPECT_EQ(os.str(), "IFF_TUN|IFF_PERSIST");
}

TEST(TunnelFlagsTest, PackIfreqIsTwisted16sH) {
  const std::string ifr =
      PackIfreq("tun0", TunnelFlags::kTun | TunnelFlags::kNoPi);
  ASSERT_EQ(ifr.size(), 18u);
  EXPECT_EQ(ifr.substr(0, 16), std::string("tun0") + std::string(12, '\0'));
  EXPECT_EQ(ifr.substr(16), std::string("\x01\x10", 2));  // Little-endian.
  const UnpackedIfreq back = UnpackIfreq(ifr);
  EXPECT_EQ(back.name, "tun0");
  EXPECT_EQ(back.flags, TunnelFlags::kTun | TunnelFlags::kNoPi);
}

TEST(TunnelFlagsTest, PackIfreqCutsLongNames) {
  const std::string ifr =
      PackIfreq("a-very-long-interface-name", TunnelFlags::kTap);
  EXPECT_EQ(ifr.size(), 18u);
  EXPECT_EQ(UnpackIfreq(ifr).name, "a-very-long-inte");
}

TEST(TunnelFlagsTest, UnpackShortInputReadsAsZeroPadded) {
  const UnpackedIfreq u = UnpackIfreq("tap0");
  EXPECT_EQ(u.name, "tap0");
  EXPECT_EQ(u.flags, TunnelFlags::kNone);
}

// Twisted's TunnelAddressTests: printing and equality.
TEST(TunnelAddressTest, ReprLikeTwisted) {
  EXPECT_EQ(TunnelAddress({TunnelType::kTun, "device"}).ToString(),
            "<TunnelAddress type=IFF_TUN name=device>");
}

TEST(TunnelAddressTest, Equality) {
  const TunnelAddress first{TunnelType::kTun, "device"};
  const TunnelAddress second{
      *TunnelTypeOf(TunnelFlags::kTun | TunnelFlags::kTun), "device"};
  EXPECT_TRUE(first == first);
  EXPECT_FALSE(first != first);
  EXPECT_TRUE(first == second);
  EXPECT_FALSE(first == (TunnelAddress{TunnelType::kTap, "tap1"}));
  EXPECT_TRUE(first != (TunnelAddress{TunnelType::kTun, "tun1"}));
}

}  // namespace
}  // namespace standin
