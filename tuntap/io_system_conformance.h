// The device conformance suite every IoSystem passes: Twisted's
// TunnelDeviceTestsMixin (twisted/pair/test/test_tuntap.py) ported, plus the
// places where Linux and Twisted's fake disagree. One typed gtest suite,
// instantiated for the in-memory system and for the kernel, for TUN and TAP,
// with and without the packet-information header — so the double is proven
// to behave like the real device (trio's _check_streams pattern).
//
// A Device type names a system (MemoryDevices, RealDevices or your own with
// the same static members) and the TUNSETIFF mode. RealDevices enters a
// private network namespace, configures the tunnel with TEST-NET-1 addresses
// and skips, saying why, when the process is not privileged.
//
// Example (io_system_conformance_test.cc does this):
//
//   using Devices = ::testing::Types<
//       standin::ConformanceDevice<standin::MemoryDevices,
//                                  standin::TunnelFlags::kTun |
//                                      standin::TunnelFlags::kNoPi>,
//       standin::ConformanceDevice<standin::RealDevices,
//                                  standin::TunnelFlags::kTap>>;
//   INSTANTIATE_TYPED_TEST_SUITE_P(All, IoSystemConformanceTest, Devices,
//                                  standin::ConformanceDeviceNames);
#ifndef STANDIN_TUNTAP_IO_SYSTEM_CONFORMANCE_H_
#define STANDIN_TUNTAP_IO_SYSTEM_CONFORMANCE_H_

#include <fcntl.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/ethernet_protocol.h"
#include "standin/netstack/ip_protocol.h"
#include "standin/netstack/ipv4_address.h"
#include "standin/netstack/mac_address.h"
#include "standin/netstack/raw_udp_protocol.h"
#include "standin/transport/address.h"
#include "standin/transport/interfaces.h"
#include "standin/transport/status.h"
#include "standin/tuntap/io_system.h"
#include "standin/tuntap/memory_io_system.h"
#include "standin/tuntap/private_network.h"
#include "standin/tuntap/real_io_system.h"
#include "standin/tuntap/tunnel_flags.h"

namespace standin {

// The addresses on either side of the tunnel under test (TEST-NET-1).
struct ConformanceNetwork {
  // The tunnel interface's own address.
  static constexpr const char* kLocal = "192.0.2.1";
  // The far end: datagrams to it are routed into the tunnel.
  static constexpr const char* kRemote = "192.0.2.2";
  // What the far end answers ARP with, on a TAP.
  static constexpr const char* kRemoteMac = "02:00:00:00:00:02";
  static constexpr int kPrefixLength = 24;
};

// Real-device cases that got past SetUp() in this process (so a log can
// say how many ran rather than skipped).
inline int& RealDeviceCasesRun() {
  static int count = 0;
  return count;
}

// The in-memory system: MemoryIoSystem with /dev/net/tun registered.
struct MemoryDevices {
  static constexpr const char* kName = "Memory";
  static constexpr bool kReal = false;
  // Empty when usable; otherwise why not (the tests skip with it).
  static std::string Unavailable() { return ""; }
  static std::unique_ptr<IoSystem> Make() {
    auto system = std::make_unique<MemoryIoSystem>();
    system->set_udp_source({ConformanceNetwork::kLocal, 21345});
    return system;
  }
  // Readies the network around a freshly attached tunnel.
  static absl::Status PrepareNetwork(const std::string& /*name*/,
                                     TunnelType /*type*/) {
    return absl::OkStatus();
  }
};

// The kernel, inside a private network namespace.
struct RealDevices {
  static constexpr const char* kName = "Real";
  static constexpr bool kReal = true;
  static std::string Unavailable() {
    absl::Status netns = EnterPrivateNetworkNamespace();
    if (netns.ok()) return "";
    return absl::StrCat(
        "real TUN/TAP tests need root (CAP_SYS_ADMIN + CAP_NET_ADMIN) to "
        "create a private network namespace: ",
        netns.ToString());
  }
  static std::unique_ptr<IoSystem> Make() {
    RealIoSystem::Options options;
    options.udp_source_host = ConformanceNetwork::kLocal;
    options.receive_timeout = absl::Seconds(10);
    return std::make_unique<RealIoSystem>(options);
  }
  static absl::Status PrepareNetwork(const std::string& name, TunnelType type) {
    absl::Status s = ConfigureInterface(name, ConformanceNetwork::kLocal,
                                        ConformanceNetwork::kPrefixLength);
    if (!s.ok() || type != TunnelType::kTap) return s;
    return AddStaticNeighbor(name, ConformanceNetwork::kRemote,
                             ConformanceNetwork::kRemoteMac);
  }
};

// One instantiation: a system and the TUNSETIFF mode to open with.
template <typename SystemT, TunnelFlags kModeV>
struct ConformanceDevice {
  using System = SystemT;
  static constexpr TunnelFlags kMode = kModeV;
};

// Readable test names: "MemoryTapPi", "RealTunNoPi".
struct ConformanceDeviceNames {
  template <typename T>
  static std::string GetName(int /*index*/) {
    return absl::StrCat(T::System::kName,
                        HasFlag(T::kMode, TunnelFlags::kTap) ? "Tap" : "Tun",
                        HasFlag(T::kMode, TunnelFlags::kNoPi) ? "NoPi" : "Pi");
  }
};

// Collects what a DatagramProtocol receives.
class CapturingDatagramProtocol : public DatagramProtocol {
 public:
  void DatagramReceived(std::string_view data, const Address& from) override {
    received.emplace_back(std::string(data), from);
  }
  std::vector<std::pair<std::string, Address>> received;
};

template <typename Device>
class IoSystemConformanceTest : public ::testing::Test {
 protected:
  static constexpr uint16_t kPort = 12345;

  void SetUp() override {
    if (std::string why = Device::System::Unavailable(); !why.empty()) {
      GTEST_SKIP() << why;
    }
    system_ = Device::System::Make();
    absl::StatusOr<int> fd =
        system_->Open(kTunDevicePath, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (Device::System::kReal &&
        (ErrnoOf(fd.status()) == ENOENT || ErrnoOf(fd.status()) == ENODEV)) {
      GTEST_SKIP() << "the platform lacks /dev/net/tun: " << fd.status();
    }
    ASSERT_TRUE(fd.ok()) << fd.status();
    fd_ = *fd;
    absl::StatusOr<std::string> ifr =
        system_->Ioctl(fd_, kTunSetIff, PackIfreq(RequestedName(), mode()));
    if (Device::System::kReal && ErrnoOf(ifr.status()) == EPERM) {
      GTEST_SKIP() << "permission to create a tunnel denied: " << ifr.status();
    }
    ASSERT_TRUE(ifr.ok()) << ifr.status();
    name_ = UnpackIfreq(*ifr).name;
    absl::Status prepared = Device::System::PrepareNetwork(name_, type());
    ASSERT_TRUE(prepared.ok()) << prepared;
    if (Device::System::kReal) ++RealDeviceCasesRun();
  }

  void TearDown() override {
    if (fd_ >= 0) {
      // A persistent tunnel would outlive the test; never leave one behind.
      (void)system_->IoctlValue(fd_, kTunSetPersist, 0);
      (void)system_->Close(fd_);
    }
  }

  static std::string RequestedName() {
    return HasFlag(Device::kMode, TunnelFlags::kTap) ? "tap-standin"
                                                     : "tun-standin";
  }
  static TunnelFlags mode() { return Device::kMode; }
  static TunnelType type() { return *TunnelTypeOf(Device::kMode); }
  static bool pi() { return !HasFlag(Device::kMode, TunnelFlags::kNoPi); }
  static size_t LinkHeaderSize() {
    return (pi() ? kPiSize : 0) + (type() == TunnelType::kTap ? 14 : 0);
  }

  // A file descriptor that is not open now: opened and closed again.
  int InvalidFileDescriptor() {
    absl::StatusOr<int> fd = system_->Open(kTunDevicePath, O_RDWR);
    EXPECT_TRUE(fd.ok()) << fd.status();
    EXPECT_TRUE(system_->Close(*fd).ok());
    return *fd;
  }

  // Twisted's helper.encapsulate(): a UDP datagram from the far end to the
  // tunnel's address, framed for this tunnel as the application writes it.
  static std::string Encapsulate(uint16_t source_port, uint16_t dest_port,
                                 std::string_view payload) {
    std::string packet = netstack::BuildUdpIpv4(
        *netstack::Ipv4Address::Parse(ConformanceNetwork::kRemote), source_port,
        *netstack::Ipv4Address::Parse(ConformanceNetwork::kLocal), dest_port,
        payload);
    if (type() == TunnelType::kTap) {
      packet = netstack::BuildEthernet(netstack::MacAddress(),
                                       netstack::MacAddress::Broadcast(),
                                       0x0800, packet);
    }
    if (pi()) packet.insert(0, std::string("\0\0\x08\0", 4));
    return packet;
  }

  // Twisted's helper.parser(): the UDP datagrams for kPort in a packet read
  // from the tunnel, through netstack's protocol layers.
  static std::vector<std::pair<std::string, Address>> Parse(
      std::string_view packet) {
    CapturingDatagramProtocol receiver;
    netstack::RawUdpProtocol udp;
    netstack::IpProtocol ip;
    netstack::EthernetProtocol ether;
    EXPECT_TRUE(udp.AddProto(kPort, &receiver).ok());
    EXPECT_TRUE(ip.AddProto(17, &udp).ok());
    EXPECT_TRUE(ether.AddProto(0x0800, &ip).ok());
    if (pi()) packet.remove_prefix(std::min(packet.size(), kPiSize));
    if (type() == TunnelType::kTap) {
      ether.DatagramReceived(packet);
    } else {
      ip.DatagramReceived(packet, netstack::LinkMetadata{});
    }
    return std::move(receiver.received);
  }

  // Reads packets until one carries `message` to kPort (returned), or the
  // tunnel runs dry (nullopt). Other traffic is skipped.
  std::optional<std::pair<std::string, Address>> ReadUntil(
      std::string_view message, size_t limit = 2048) {
    for (int i = 0; i < 100; ++i) {
      absl::StatusOr<std::string> packet = system_->Read(fd_, limit);
      if (!packet.ok()) {
        EXPECT_EQ(ErrnoOf(packet.status()), EAGAIN) << packet.status();
        return std::nullopt;
      }
      for (auto& datagram : Parse(*packet)) {
        if (datagram.first == message) return datagram;
      }
    }
    return std::nullopt;
  }

  // A payload no earlier test could have sent.
  static std::string UniqueMessage() {
    static std::mt19937_64 random(20240601);
    return absl::StrCat("hello world:", random());
  }

  std::unique_ptr<IoSystem> system_;
  int fd_ = -1;
  std::string name_;
};

TYPED_TEST_SUITE_P(IoSystemConformanceTest);

// --- Twisted's TunnelDeviceTestsMixin and IOSystemTestsMixin ---------------

TYPED_TEST_P(IoSystemConformanceTest, ReadEBADF) {
  const int fd = this->InvalidFileDescriptor();
  EXPECT_EQ(ErrnoOf(this->system_->Read(fd, 1024).status()), EBADF);
}

TYPED_TEST_P(IoSystemConformanceTest, WriteEBADF) {
  const int fd = this->InvalidFileDescriptor();
  EXPECT_EQ(ErrnoOf(this->system_->Write(fd, "bytes").status()), EBADF);
}

TYPED_TEST_P(IoSystemConformanceTest, CloseEBADF) {
  const int fd = this->InvalidFileDescriptor();
  EXPECT_EQ(ErrnoOf(this->system_->Close(fd)), EBADF);
}

TYPED_TEST_P(IoSystemConformanceTest, IoctlEBADF) {
  const int fd = this->InvalidFileDescriptor();
  EXPECT_EQ(ErrnoOf(this->system_->Ioctl(fd, kTunSetIff, "tap0").status()),
            EBADF);
}

TYPED_TEST_P(IoSystemConformanceTest, IoctlEINVAL) {
  // Hopefully no system implements request 0xDEADBEEF.
  EXPECT_EQ(
      ErrnoOf(this->system_->Ioctl(this->fd_, 0xDEADBEEF, "garbage").status()),
      EINVAL);
}

TYPED_TEST_P(IoSystemConformanceTest, Receive) {
  // UDP promises nothing, so try a few times, as Twisted does.
  for (int attempt = 0; attempt < 10; ++attempt) {
    const std::string message = this->UniqueMessage();
    absl::StatusOr<UdpEndpoint> source = this->system_->SendUdp(
        message, {ConformanceNetwork::kRemote, this->kPort});
    ASSERT_TRUE(source.ok()) << source.status();
    auto found = this->ReadUntil(message);
    if (found.has_value()) {
      EXPECT_EQ(found->second,
                Address(IPv4Address{IPv4Address::Kind::kUdp, source->host,
                                    source->port}));
      return;
    }
  }
  FAIL() << "never saw the probe UDP datagram on " << this->name_;
}

TYPED_TEST_P(IoSystemConformanceTest, Send) {
  const std::string message = this->UniqueMessage();
  absl::StatusOr<std::unique_ptr<UdpReceiver>> port = this->system_->ReceiveUdp(
      this->fd_, ConformanceNetwork::kLocal, this->kPort);
  ASSERT_TRUE(port.ok()) << port.status();
  const std::string packet = this->Encapsulate(50000, this->kPort, message);
  absl::StatusOr<size_t> written = this->system_->Write(this->fd_, packet);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(*written, packet.size());
  absl::StatusOr<std::string> received = (*port)->Recv(1024);
  ASSERT_TRUE(received.ok()) << received.status();
  EXPECT_EQ(*received, message);
}

TYPED_TEST_P(IoSystemConformanceTest, NoSuchDevice) {
  EXPECT_FALSE(
      this->system_->Open("/dev/there-is-no-such-device-ever", O_RDWR).ok());
}

// --- Where the kernel and Twisted's fake differ: the kernel wins -----------

TYPED_TEST_P(IoSystemConformanceTest, EmptyNonBlockingReadIsEAGAIN) {
  // Drain whatever the kernel may have queued, then one more read.
  absl::StatusOr<std::string> packet;
  for (int i = 0; i < 100; ++i) {
    packet = this->system_->Read(this->fd_, 2048);
    if (!packet.ok()) break;
  }
  EXPECT_EQ(ErrnoOf(packet.status()), EAGAIN) << packet.status();
}

TYPED_TEST_P(IoSystemConformanceTest, IoBeforeTunSetIffIsEBADFD) {
  absl::StatusOr<int> fd =
      this->system_->Open(kTunDevicePath, O_RDWR | O_NONBLOCK);
  ASSERT_TRUE(fd.ok()) << fd.status();
  EXPECT_EQ(ErrnoOf(this->system_->Read(*fd, 1024).status()), EBADFD);
  EXPECT_EQ(
      ErrnoOf(this->system_->Write(*fd, this->Encapsulate(1, 2, "x")).status()),
      EBADFD);
  EXPECT_EQ(
      ErrnoOf(this->system_
                  ->Ioctl(*fd, kTunGetIff, std::string(kIfreqNameFlagsSize, 0))
                  .status()),
      EBADFD);
  EXPECT_EQ(ErrnoOf(this->system_->IoctlValue(*fd, kTunSetPersist, 1).status()),
            EBADFD);
  EXPECT_TRUE(this->system_->Close(*fd).ok());
}

TYPED_TEST_P(IoSystemConformanceTest, SecondTunSetIffIsEEXIST) {
  EXPECT_EQ(ErrnoOf(this->system_
                        ->Ioctl(this->fd_, kTunSetIff,
                                PackIfreq(this->RequestedName(), this->mode()))
                        .status()),
            EEXIST);
}

TYPED_TEST_P(IoSystemConformanceTest, TunSetIffWithoutTypeIsEINVAL) {
  absl::StatusOr<int> fd =
      this->system_->Open(kTunDevicePath, O_RDWR | O_NONBLOCK);
  ASSERT_TRUE(fd.ok()) << fd.status();
  EXPECT_EQ(
      ErrnoOf(this->system_
                  ->Ioctl(*fd, kTunSetIff, PackIfreq("bad", TunnelFlags::kNoPi))
                  .status()),
      EINVAL);
  EXPECT_TRUE(this->system_->Close(*fd).ok());
}

TYPED_TEST_P(IoSystemConformanceTest, TunGetIffReportsNameAndMode) {
  absl::StatusOr<std::string> ifr = this->system_->Ioctl(
      this->fd_, kTunGetIff, std::string(kIfreqNameFlagsSize, '\0'));
  ASSERT_TRUE(ifr.ok()) << ifr.status();
  ASSERT_EQ(ifr->size(), kIfreqNameFlagsSize);
  const UnpackedIfreq got = UnpackIfreq(*ifr);
  EXPECT_EQ(got.name, this->name_);
  EXPECT_EQ(TunnelTypeOf(got.flags), this->type());
  // The kernel reports IFF_NOFILTER (IFF_NO_PI's bit) whatever was asked.
  EXPECT_TRUE(HasFlag(got.flags, TunnelFlags::kNoFilter)) << got.flags;
  EXPECT_FALSE(HasFlag(got.flags, TunnelFlags::kPersist)) << got.flags;
}

TYPED_TEST_P(IoSystemConformanceTest, TunSetPersistShowsInTunGetIff) {
  absl::StatusOr<int> result =
      this->system_->IoctlValue(this->fd_, kTunSetPersist, 1);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, 0);
  absl::StatusOr<std::string> ifr = this->system_->Ioctl(
      this->fd_, kTunGetIff, std::string(kIfreqNameFlagsSize, '\0'));
  ASSERT_TRUE(ifr.ok()) << ifr.status();
  EXPECT_TRUE(HasFlag(UnpackIfreq(*ifr).flags, TunnelFlags::kPersist));
  ASSERT_TRUE(this->system_->IoctlValue(this->fd_, kTunSetPersist, 0).ok());
  ifr = this->system_->Ioctl(this->fd_, kTunGetIff,
                             std::string(kIfreqNameFlagsSize, '\0'));
  ASSERT_TRUE(ifr.ok()) << ifr.status();
  EXPECT_FALSE(HasFlag(UnpackIfreq(*ifr).flags, TunnelFlags::kPersist));
}

TYPED_TEST_P(IoSystemConformanceTest, MalformedWriteIsEINVAL) {
  // TAP: shorter than an Ethernet header. TUN without PI: the first nibble
  // is no IP version. With PI: shorter than the PI header itself.
  std::string bad;
  if (this->type() == TunnelType::kTap) {
    bad = std::string(this->pi() ? kPiSize : 0, '\0') + std::string(13, 'x');
  } else if (this->pi()) {
    bad = std::string(3, '\0');
  } else {
    bad = "\x50" + std::string(30, 'x');
  }
  EXPECT_EQ(ErrnoOf(this->system_->Write(this->fd_, bad).status()), EINVAL);
  EXPECT_EQ(ErrnoOf(this->system_->Write(this->fd_, "").status()), EINVAL);
}

TYPED_TEST_P(IoSystemConformanceTest, PiHeaderCarriesEthertype) {
  const std::string message = this->UniqueMessage();
  ASSERT_TRUE(this->system_
                  ->SendUdp(message, {ConformanceNetwork::kRemote, this->kPort})
                  .ok());
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<std::string> packet = this->system_->Read(this->fd_, 2048);
    ASSERT_TRUE(packet.ok()) << packet.status();
    if (this->Parse(*packet).empty()) continue;
    if (this->pi()) {
      // flags 0 (not stripped), proto ETH_P_IP.
      EXPECT_EQ(packet->substr(0, kPiSize), std::string("\0\0\x08\0", 4));
    } else if (this->type() == TunnelType::kTun) {
      EXPECT_EQ(static_cast<uint8_t>((*packet)[0]) >> 4, 4);
    } else {
      EXPECT_EQ(packet->substr(12, 2), std::string("\x08\x00", 2));
    }
    return;
  }
  FAIL() << "never read the datagram";
}

TYPED_TEST_P(IoSystemConformanceTest, ShortReadTruncatesAndFlagsStrip) {
  const std::string message = this->UniqueMessage() + std::string(200, '.');
  ASSERT_TRUE(this->system_
                  ->SendUdp(message, {ConformanceNetwork::kRemote, this->kPort})
                  .ok());
  // Room for the headers and 4 payload bytes only.
  const size_t limit = this->LinkHeaderSize() + 20 + 8 + 4;
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<std::string> packet = this->system_->Read(this->fd_, limit);
    ASSERT_TRUE(packet.ok()) << packet.status();
    ASSERT_LE(packet->size(), limit);
    const size_t udp = this->LinkHeaderSize() + 20;
    if (packet->size() < udp + 8 ||
        packet->substr(udp + 2, 2) != std::string("\x30\x39", 2)) {
      continue;  // Not ours (port 12345 is 0x3039).
    }
    EXPECT_EQ(packet->size(), limit);
    EXPECT_EQ(packet->substr(udp + 8), message.substr(0, 4));
    if (this->pi()) {
      uint16_t flags = 0;  // Host byte order, as in struct tun_pi.
      std::memcpy(&flags, packet->data(), sizeof(flags));
      EXPECT_EQ(flags, kTunPktStrip) << "TUN_PKT_STRIP expected";
    }
    // The rest of the datagram is gone, not left for the next read.
    auto rest = this->ReadUntil(message);
    EXPECT_FALSE(rest.has_value());
    return;
  }
  FAIL() << "never read the datagram";
}

TYPED_TEST_P(IoSystemConformanceTest, ReadBufferSmallerThanPiHeader) {
  // With PI the kernel cannot even fit the header: EINVAL (and the packet
  // is gone). Without PI the packet is simply cut to the buffer.
  ASSERT_TRUE(this->system_
                  ->SendUdp(this->UniqueMessage(),
                            {ConformanceNetwork::kRemote, this->kPort})
                  .ok());
  absl::StatusOr<std::string> packet =
      this->system_->Read(this->fd_, kPiSize - 1);
  if (this->pi()) {
    EXPECT_EQ(ErrnoOf(packet.status()), EINVAL) << packet.status();
  } else {
    ASSERT_TRUE(packet.ok()) << packet.status();
    EXPECT_EQ(packet->size(), kPiSize - 1);
  }
  EXPECT_EQ(ErrnoOf(this->system_->Read(this->fd_, 2048).status()), EAGAIN);
}

TYPED_TEST_P(IoSystemConformanceTest, DatagramsKeepTheirBoundariesAndOrder) {
  const std::string first = this->UniqueMessage();
  const std::string second = this->UniqueMessage() + "-second";
  const UdpEndpoint to{ConformanceNetwork::kRemote, this->kPort};
  ASSERT_TRUE(this->system_->SendUdp(first, to).ok());
  ASSERT_TRUE(this->system_->SendUdp(second, to).ok());
  std::vector<std::string> seen;
  for (int i = 0; i < 100 && seen.size() < 2; ++i) {
    absl::StatusOr<std::string> packet = this->system_->Read(this->fd_, 2048);
    ASSERT_TRUE(packet.ok()) << packet.status();
    for (auto& datagram : this->Parse(*packet)) {
      seen.push_back(datagram.first);
    }
  }
  EXPECT_THAT(seen, ::testing::ElementsAre(first, second));
}

REGISTER_TYPED_TEST_SUITE_P(
    IoSystemConformanceTest, ReadEBADF, WriteEBADF, CloseEBADF, IoctlEBADF,
    IoctlEINVAL, Receive, Send, NoSuchDevice, EmptyNonBlockingReadIsEAGAIN,
    IoBeforeTunSetIffIsEBADFD, SecondTunSetIffIsEEXIST,
    TunSetIffWithoutTypeIsEINVAL, TunGetIffReportsNameAndMode,
    TunSetPersistShowsInTunGetIff, MalformedWriteIsEINVAL,
    PiHeaderCarriesEthertype, ShortReadTruncatesAndFlagsStrip,
    ReadBufferSmallerThanPiHeader, DatagramsKeepTheirBoundariesAndOrder);

}  // namespace standin

#endif  // STANDIN_TUNTAP_IO_SYSTEM_CONFORMANCE_H_
