#include "standin/testutil/io_system_conformance.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/ethernet.h"
#include "standin/netstack/ethernet_protocol.h"
#include "standin/netstack/ip_protocol.h"
#include "standin/netstack/ipv4.h"
#include "standin/netstack/mac_address.h"
#include "standin/netstack/raw_udp_protocol.h"
#include "standin/netstack/udp.h"
#include "standin/testutil/private_network.h"
#include "standin/transport/address.h"
#include "standin/transport/interfaces.h"
#include "standin/transport/status.h"
#include "standin/tuntap/memory_io_system.h"
#include "standin/tuntap/real_io_system.h"

namespace standin::testutil {
namespace {

using Net = IoSystemConformanceNetwork;

int real_cases_run = 0;

// A device system (memory or kernel), optionally seen through a wrapper.
class DeviceHarness : public IoSystemHarness {
 public:
  DeviceHarness(std::unique_ptr<IoSystem> device, TunnelFlags mode, bool real,
                const IoSystemWrapper& wrap)
      : device_(std::move(device)), mode_(mode), real_(real) {
    if (wrap) wrapper_ = wrap(device_.get(), mode);
  }
  ~DeviceHarness() override {
    wrapper_.reset();  // Before the device it wraps.
  }

  IoSystem& system() override { return wrapper_ ? *wrapper_ : *device_; }
  TunnelFlags mode() const override { return mode_; }
  bool real() const override { return real_; }
  absl::Status PrepareNetwork(const std::string& name) override {
    if (!real_) return absl::OkStatus();
    absl::Status s = ConfigureInterface(name, Net::kLocal, Net::kPrefixLength);
    if (!s.ok() || !HasFlag(mode_, TunnelFlags::kTap)) return s;
    return AddStaticNeighbor(name, Net::kRemote, Net::kRemoteMac);
  }

 private:
  std::unique_ptr<IoSystem> device_;
  std::unique_ptr<IoSystem> wrapper_;
  const TunnelFlags mode_;
  const bool real_;
};

constexpr std::pair<const char*, TunnelFlags> kModes[] = {
    {"TunNoPi", TunnelFlags::kTun | TunnelFlags::kNoPi},
    {"TunPi", TunnelFlags::kTun},
    {"TapNoPi", TunnelFlags::kTap | TunnelFlags::kNoPi},
    {"TapPi", TunnelFlags::kTap},
};

std::string RealUnavailable() {
  if (absl::Status netns = EnterPrivateNetworkNamespace(); !netns.ok()) {
    return absl::StrCat(
        "real TUN/TAP tests need root (CAP_SYS_ADMIN + CAP_NET_ADMIN) to "
        "create a private network namespace: ",
        netns.ToString());
  }
  const std::string path(kTunDevicePath);
  if (::access(path.c_str(), R_OK | W_OK) != 0) {
    return absl::StrCat("the platform lacks a usable ", path, ": ",
                        std::strerror(errno));
  }
  return "";
}

}  // namespace

std::vector<IoSystemHarnessFactory> MemoryIoSystemHarnesses(
    std::string prefix, IoSystemWrapper wrap) {
  std::vector<IoSystemHarnessFactory> factories;
  for (const auto& [suffix, mode] : kModes) {
    factories.push_back(
        {absl::StrCat(prefix, suffix), [mode = mode, wrap] {
           auto memory = std::make_unique<MemoryIoSystem>();
           memory->set_udp_source(IPv4Address::Udp(Net::kLocalHost, 21345));
           return std::make_unique<DeviceHarness>(std::move(memory), mode,
                                                  /*real=*/false, wrap);
         }});
  }
  return factories;
}

std::vector<IoSystemHarnessFactory> RealIoSystemHarnesses(
    std::string prefix, IoSystemWrapper wrap) {
  std::vector<IoSystemHarnessFactory> factories;
  for (const auto& [suffix, mode] : kModes) {
    factories.push_back({absl::StrCat(prefix, suffix),
                         [mode = mode, wrap] {
                           // Default options: SendUdp's source is whatever
                           // the kernel picks, and it must say which.
                           return std::make_unique<DeviceHarness>(
                               std::make_unique<RealIoSystem>(), mode,
                               /*real=*/true, wrap);
                         },
                         RealUnavailable});
  }
  return factories;
}

int RealDeviceCasesRun() { return real_cases_run; }

void IoSystemConformanceTest::SetUp() {
  ConformanceTest<IoSystemHarness>::SetUp();
  if (IsSkipped() || HasFatalFailure()) return;
  absl::StatusOr<int> fd =
      system().Open(kTunDevicePath, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  ASSERT_TRUE(fd.ok()) << fd.status();
  fd_ = *fd;
  absl::StatusOr<std::string> ifr =
      system().Ioctl(fd_, kTunSetIff, PackIfreq(RequestedName(), mode()));
  if (harness().real() && ErrnoOf(ifr.status()) == EPERM) {
    GTEST_SKIP() << "permission to create a tunnel denied: " << ifr.status();
  }
  ASSERT_TRUE(ifr.ok()) << ifr.status();
  name_ = UnpackIfreq(*ifr).name;
  absl::Status prepared = harness().PrepareNetwork(name_);
  ASSERT_TRUE(prepared.ok()) << prepared;
  if (harness().real()) ++real_cases_run;
}

void IoSystemConformanceTest::TearDown() {
  if (fd_ >= 0) {
    // A persistent tunnel would outlive the test; never leave one behind.
    (void)system().IoctlValue(fd_, kTunSetPersist, 0);
    (void)system().Close(fd_);
  }
  ConformanceTest<IoSystemHarness>::TearDown();
}

size_t IoSystemConformanceTest::LinkHeaderSize() {
  return (pi() ? kPiSize : 0) + (type() == TunnelType::kTap
                                     ? netstack::EthernetFrame::kHeaderSize
                                     : 0);
}

std::string IoSystemConformanceTest::RequestedName() {
  return type() == TunnelType::kTap ? "tap-standin" : "tun-standin";
}

int IoSystemConformanceTest::InvalidFileDescriptor() {
  absl::StatusOr<int> fd = system().Open(kTunDevicePath, O_RDWR);
  EXPECT_TRUE(fd.ok()) << fd.status();
  EXPECT_TRUE(system().Close(*fd).ok());
  return *fd;
}

std::string IoSystemConformanceTest::Encapsulate(uint16_t source_port,
                                                 uint16_t dest_port,
                                                 std::string_view payload) {
  std::string packet =
      netstack::BuildUdpIpv4(*IPv4Host::Parse(Net::kRemote), source_port,
                             *IPv4Host::Parse(Net::kLocal), dest_port, payload);
  if (type() == TunnelType::kTap) {
    packet = netstack::BuildEthernet(netstack::MacAddress(),
                                     netstack::MacAddress::Broadcast(),
                                     netstack::kEtherTypeIpv4, packet);
  }
  if (pi()) packet.insert(0, std::string("\0\0\x08\0", kPiSize));
  return packet;
}

std::vector<std::pair<std::string, Address>> IoSystemConformanceTest::Parse(
    std::string_view packet) {
  class Collect : public DatagramProtocol {
   public:
    void DatagramReceived(std::string_view data, const Address& from) override {
      received.emplace_back(std::string(data), from);
    }
    std::vector<std::pair<std::string, Address>> received;
  } receiver;
  netstack::RawUdpProtocol udp;
  netstack::IpProtocol ip;
  netstack::EthernetProtocol ether;
  EXPECT_TRUE(udp.AddProto(kPort, &receiver).ok());
  EXPECT_TRUE(ip.AddProto(netstack::kIpProtocolUdp, &udp).ok());
  EXPECT_TRUE(ether.AddProto(netstack::kEtherTypeIpv4, &ip).ok());
  if (pi()) packet.remove_prefix(std::min(packet.size(), kPiSize));
  if (type() == TunnelType::kTap) {
    ether.DatagramReceived(packet);
  } else {
    ip.DatagramReceived(packet, netstack::LinkMetadata{});
  }
  return std::move(receiver.received);
}

std::optional<std::pair<std::string, Address>>
IoSystemConformanceTest::ReadUntil(std::string_view message, size_t limit) {
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<std::string> packet = system().Read(fd_, limit);
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

std::string IoSystemConformanceTest::UniqueMessage() {
  static std::mt19937_64 random(20240601);
  return absl::StrCat("hello world:", random());
}

namespace {

constexpr size_t kIpHeader = netstack::Ipv4Packet::kMinHeaderSize;
constexpr size_t kUdpHeader = netstack::UdpDatagram::kHeaderSize;

// The answer of TUNGETFEATURES on `fd`.
absl::StatusOr<uint32_t> Features(IoSystem& system, int fd) {
  absl::StatusOr<std::string> answer =
      system.Ioctl(fd, kTunGetFeatures, std::string(sizeof(uint32_t), '\0'));
  if (!answer.ok()) return answer.status();
  EXPECT_EQ(answer->size(), sizeof(uint32_t));
  uint32_t features = 0;
  std::memcpy(&features, answer->data(),
              std::min(answer->size(), sizeof(features)));
  return features;
}

// --- Twisted's TunnelDeviceTestsMixin and IOSystemTestsMixin ---------------

TEST_P(IoSystemConformanceTest, ReadEBADF) {
  const int fd = InvalidFileDescriptor();
  EXPECT_EQ(ErrnoOf(system().Read(fd, 1024).status()), EBADF);
}

TEST_P(IoSystemConformanceTest, WriteEBADF) {
  const int fd = InvalidFileDescriptor();
  EXPECT_EQ(ErrnoOf(system().Write(fd, "bytes").status()), EBADF);
}

TEST_P(IoSystemConformanceTest, CloseEBADF) {
  const int fd = InvalidFileDescriptor();
  EXPECT_EQ(ErrnoOf(system().Close(fd)), EBADF);
}

TEST_P(IoSystemConformanceTest, IoctlEBADF) {
  const int fd = InvalidFileDescriptor();
  EXPECT_EQ(ErrnoOf(system().Ioctl(fd, kTunSetIff, "tap0").status()), EBADF);
}

TEST_P(IoSystemConformanceTest, IoctlEINVAL) {
  // Hopefully no system implements request 0xDEADBEEF.
  EXPECT_EQ(ErrnoOf(system().Ioctl(fd_, 0xDEADBEEF, "garbage").status()),
            EINVAL);
}

TEST_P(IoSystemConformanceTest, Receive) {
  // UDP promises nothing, so try a few times, as Twisted does.
  for (int attempt = 0; attempt < 10; ++attempt) {
    const std::string message = UniqueMessage();
    absl::StatusOr<IPv4Address> source =
        system().SendUdp(message, IPv4Address::Udp(Net::kRemoteHost, kPort));
    ASSERT_TRUE(source.ok()) << source.status();
    auto found = ReadUntil(message);
    if (found.has_value()) {
      EXPECT_EQ(found->second,
                Address(IPv4Address{IPv4Address::Kind::kUdp, source->host,
                                    source->port}));
      return;
    }
  }
  FAIL() << "never saw the probe UDP datagram on " << name_;
}

TEST_P(IoSystemConformanceTest, Send) {
  const std::string message = UniqueMessage();
  absl::StatusOr<std::unique_ptr<UdpReceiver>> port =
      system().ReceiveUdp(fd_, IPv4Address::Udp(Net::kLocalHost, kPort));
  ASSERT_TRUE(port.ok()) << port.status();
  const std::string packet = Encapsulate(50000, kPort, message);
  absl::StatusOr<size_t> written = system().Write(fd_, packet);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(*written, packet.size());
  absl::StatusOr<std::string> received = (*port)->Recv(1024);
  ASSERT_TRUE(received.ok()) << received.status();
  EXPECT_EQ(*received, message);
}

TEST_P(IoSystemConformanceTest, NoSuchDevice) {
  EXPECT_FALSE(system().Open("/dev/there-is-no-such-device-ever", O_RDWR).ok());
}

// --- Where the kernel and Twisted's fake differ: the kernel wins -----------

TEST_P(IoSystemConformanceTest, EmptyNonBlockingReadIsEAGAIN) {
  // Drain whatever the kernel may have queued, then one more read.
  absl::StatusOr<std::string> packet;
  for (int i = 0; i < 100; ++i) {
    packet = system().Read(fd_, 2048);
    if (!packet.ok()) break;
  }
  EXPECT_EQ(ErrnoOf(packet.status()), EAGAIN) << packet.status();
}

TEST_P(IoSystemConformanceTest, IoBeforeTunSetIffIsEBADFD) {
  absl::StatusOr<int> fd = system().Open(kTunDevicePath, O_RDWR | O_NONBLOCK);
  ASSERT_TRUE(fd.ok()) << fd.status();
  EXPECT_EQ(ErrnoOf(system().Read(*fd, 1024).status()), EBADFD);
  EXPECT_EQ(ErrnoOf(system().Write(*fd, Encapsulate(1, 2, "x")).status()),
            EBADFD);
  EXPECT_EQ(
      ErrnoOf(system()
                  .Ioctl(*fd, kTunGetIff, std::string(kIfreqNameFlagsSize, 0))
                  .status()),
      EBADFD);
  EXPECT_EQ(ErrnoOf(system().IoctlValue(*fd, kTunSetPersist, 1).status()),
            EBADFD);
  EXPECT_TRUE(system().Close(*fd).ok());
}

TEST_P(IoSystemConformanceTest, SecondTunSetIffIsEEXIST) {
  EXPECT_EQ(
      ErrnoOf(system()
                  .Ioctl(fd_, kTunSetIff, PackIfreq(RequestedName(), mode()))
                  .status()),
      EEXIST);
}

TEST_P(IoSystemConformanceTest, TunSetIffWithoutTypeIsEINVAL) {
  absl::StatusOr<int> fd = system().Open(kTunDevicePath, O_RDWR | O_NONBLOCK);
  ASSERT_TRUE(fd.ok()) << fd.status();
  EXPECT_EQ(
      ErrnoOf(system()
                  .Ioctl(*fd, kTunSetIff, PackIfreq("bad", TunnelFlags::kNoPi))
                  .status()),
      EINVAL);
  EXPECT_TRUE(system().Close(*fd).ok());
}

TEST_P(IoSystemConformanceTest, TunGetIffReportsNameAndMode) {
  absl::StatusOr<std::string> ifr =
      system().Ioctl(fd_, kTunGetIff, std::string(kIfreqNameFlagsSize, '\0'));
  ASSERT_TRUE(ifr.ok()) << ifr.status();
  ASSERT_EQ(ifr->size(), kIfreqNameFlagsSize);
  const UnpackedIfreq got = UnpackIfreq(*ifr);
  EXPECT_EQ(got.name, name_);
  EXPECT_EQ(TunnelTypeOf(got.flags), type());
  // The kernel reports IFF_NOFILTER (IFF_NO_PI's bit) whatever was asked.
  EXPECT_TRUE(HasFlag(got.flags, TunnelFlags::kNoFilter)) << got.flags;
  EXPECT_FALSE(HasFlag(got.flags, TunnelFlags::kPersist)) << got.flags;
}

TEST_P(IoSystemConformanceTest, TunSetPersistShowsInTunGetIff) {
  absl::StatusOr<int> result = system().IoctlValue(fd_, kTunSetPersist, 1);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, 0);
  absl::StatusOr<std::string> ifr =
      system().Ioctl(fd_, kTunGetIff, std::string(kIfreqNameFlagsSize, '\0'));
  ASSERT_TRUE(ifr.ok()) << ifr.status();
  EXPECT_TRUE(HasFlag(UnpackIfreq(*ifr).flags, TunnelFlags::kPersist));
  ASSERT_TRUE(system().IoctlValue(fd_, kTunSetPersist, 0).ok());
  ifr = system().Ioctl(fd_, kTunGetIff, std::string(kIfreqNameFlagsSize, '\0'));
  ASSERT_TRUE(ifr.ok()) << ifr.status();
  EXPECT_FALSE(HasFlag(UnpackIfreq(*ifr).flags, TunnelFlags::kPersist));
}

TEST_P(IoSystemConformanceTest, MalformedWriteIsEINVAL) {
  // TAP: shorter than an Ethernet header. TUN without PI: the first nibble
  // is no IP version. With PI: shorter than the PI header itself.
  std::string bad;
  if (type() == TunnelType::kTap) {
    bad = std::string(pi() ? kPiSize : 0, '\0') + std::string(13, 'x');
  } else if (pi()) {
    bad = std::string(3, '\0');
  } else {
    bad = "\x50" + std::string(30, 'x');
  }
  EXPECT_EQ(ErrnoOf(system().Write(fd_, bad).status()), EINVAL);
  EXPECT_EQ(ErrnoOf(system().Write(fd_, "").status()), EINVAL);
}

TEST_P(IoSystemConformanceTest, PiHeaderCarriesEthertype) {
  const std::string message = UniqueMessage();
  ASSERT_TRUE(system()
                  .SendUdp(message, IPv4Address::Udp(Net::kRemoteHost, kPort))
                  .ok());
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<std::string> packet = system().Read(fd_, 2048);
    ASSERT_TRUE(packet.ok()) << packet.status();
    if (Parse(*packet).empty()) continue;
    if (pi()) {
      // flags 0 (not stripped), proto ETH_P_IP.
      EXPECT_EQ(packet->substr(0, kPiSize), std::string("\0\0\x08\0", 4));
    } else if (type() == TunnelType::kTun) {
      EXPECT_EQ(static_cast<uint8_t>((*packet)[0]) >> 4, 4);
    } else {
      EXPECT_EQ(packet->substr(12, 2), std::string("\x08\x00", 2));
    }
    return;
  }
  FAIL() << "never read the datagram";
}

TEST_P(IoSystemConformanceTest, ShortReadTruncatesAndFlagsStrip) {
  const std::string message = UniqueMessage() + std::string(200, '.');
  ASSERT_TRUE(system()
                  .SendUdp(message, IPv4Address::Udp(Net::kRemoteHost, kPort))
                  .ok());
  // Room for the headers and 4 payload bytes only.
  const size_t limit = LinkHeaderSize() + kIpHeader + kUdpHeader + 4;
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<std::string> packet = system().Read(fd_, limit);
    ASSERT_TRUE(packet.ok()) << packet.status();
    ASSERT_LE(packet->size(), limit);
    const size_t udp = LinkHeaderSize() + kIpHeader;
    if (packet->size() < udp + kUdpHeader ||
        packet->substr(udp + 2, 2) != std::string("\x30\x39", 2)) {
      continue;  // Not ours (port 12345 is 0x3039).
    }
    EXPECT_EQ(packet->size(), limit);
    EXPECT_EQ(packet->substr(udp + kUdpHeader), message.substr(0, 4));
    if (pi()) {
      uint16_t flags = 0;  // Host byte order, as in struct tun_pi.
      std::memcpy(&flags, packet->data(), sizeof(flags));
      EXPECT_EQ(flags, kTunPktStrip) << "TUN_PKT_STRIP expected";
    }
    // The rest of the datagram is gone, not left for the next read.
    auto rest = ReadUntil(message);
    EXPECT_FALSE(rest.has_value());
    return;
  }
  FAIL() << "never read the datagram";
}

TEST_P(IoSystemConformanceTest, ReadBufferSmallerThanPiHeader) {
  // With PI the kernel cannot even fit the header: EINVAL (and the packet
  // is gone). Without PI the packet is simply cut to the buffer.
  ASSERT_TRUE(
      system()
          .SendUdp(UniqueMessage(), IPv4Address::Udp(Net::kRemoteHost, kPort))
          .ok());
  absl::StatusOr<std::string> packet = system().Read(fd_, kPiSize - 1);
  if (pi()) {
    EXPECT_EQ(ErrnoOf(packet.status()), EINVAL) << packet.status();
  } else {
    ASSERT_TRUE(packet.ok()) << packet.status();
    EXPECT_EQ(packet->size(), kPiSize - 1);
  }
  EXPECT_EQ(ErrnoOf(system().Read(fd_, 2048).status()), EAGAIN);
}

TEST_P(IoSystemConformanceTest, DatagramsKeepTheirBoundariesAndOrder) {
  const std::string first = UniqueMessage();
  const std::string second = UniqueMessage() + "-second";
  const IPv4Address to = IPv4Address::Udp(Net::kRemoteHost, kPort);
  ASSERT_TRUE(system().SendUdp(first, to).ok());
  ASSERT_TRUE(system().SendUdp(second, to).ok());
  std::vector<std::string> seen;
  for (int i = 0; i < 100 && seen.size() < 2; ++i) {
    absl::StatusOr<std::string> packet = system().Read(fd_, 2048);
    ASSERT_TRUE(packet.ok()) << packet.status();
    for (auto& datagram : Parse(*packet)) {
      seen.push_back(datagram.first);
    }
  }
  EXPECT_THAT(seen, ::testing::ElementsAre(first, second));
}

// The source SendUdp() reports is the one the datagram carries on the wire
// (a kernel socket that never bound an address must still say which one
// the kernel chose, not 0.0.0.0).
TEST_P(IoSystemConformanceTest, SendUdpReportsTheSourceReadOffTheTunnel) {
  const std::string message = UniqueMessage();
  absl::StatusOr<IPv4Address> source =
      system().SendUdp(message, IPv4Address::Udp(Net::kRemoteHost, kPort));
  ASSERT_TRUE(source.ok()) << source.status();
  auto found = ReadUntil(message);
  ASSERT_TRUE(found.has_value()) << "never read the datagram on " << name_;
  EXPECT_EQ(found->second, Address(IPv4Address{IPv4Address::Kind::kUdp,
                                               source->host, source->port}));
  EXPECT_NE(source->host, "0.0.0.0");
  EXPECT_NE(source->port, 0);
}

TEST_P(IoSystemConformanceTest, ZeroLengthReadReturnsZeroAndKeepsTheDatagram) {
  // The kernel answers before it dequeues (or needs room for a PI header).
  const std::string message = UniqueMessage();
  ASSERT_TRUE(system()
                  .SendUdp(message, IPv4Address::Udp(Net::kRemoteHost, kPort))
                  .ok());
  absl::StatusOr<std::string> nothing = system().Read(fd_, 0);
  ASSERT_TRUE(nothing.ok()) << nothing.status();
  EXPECT_EQ(*nothing, "");
  EXPECT_TRUE(ReadUntil(message).has_value()) << "the datagram was lost";
}

TEST_P(IoSystemConformanceTest, ZeroLengthReadOfAnEmptyTunnelReturnsZero) {
  absl::StatusOr<std::string> packet;
  for (int i = 0; i < 100; ++i) {
    packet = system().Read(fd_, 2048);
    if (!packet.ok()) break;
  }
  ASSERT_EQ(ErrnoOf(packet.status()), EAGAIN) << packet.status();
  absl::StatusOr<std::string> nothing = system().Read(fd_, 0);
  ASSERT_TRUE(nothing.ok()) << nothing.status();
  EXPECT_EQ(*nothing, "");
}

TEST_P(IoSystemConformanceTest, TunSetIffWithTunAndTapMakesATun) {
  absl::StatusOr<int> fd = system().Open(kTunDevicePath, O_RDWR | O_NONBLOCK);
  ASSERT_TRUE(fd.ok()) << fd.status();
  const TunnelFlags both =
      TunnelFlags::kTun | TunnelFlags::kTap | (mode() & TunnelFlags::kNoPi);
  absl::StatusOr<std::string> set =
      system().Ioctl(*fd, kTunSetIff, PackIfreq("both-standin", both));
  ASSERT_TRUE(set.ok()) << set.status();
  absl::StatusOr<std::string> got =
      system().Ioctl(*fd, kTunGetIff, std::string(kIfreqNameFlagsSize, '\0'));
  ASSERT_TRUE(got.ok()) << got.status();
  const TunnelFlags flags = UnpackIfreq(*got).flags;
  EXPECT_EQ(TunnelTypeOf(flags), TunnelType::kTun) << flags;
  EXPECT_FALSE(HasFlag(flags, TunnelFlags::kTap)) << flags;
  EXPECT_TRUE(system().Close(*fd).ok());
}

TEST_P(IoSystemConformanceTest, TunGetFeaturesAnswersTheKernelsMask) {
  // With a tunnel attached and on a fresh descriptor before TUNSETIFF.
  absl::StatusOr<uint32_t> attached = Features(system(), fd_);
  ASSERT_TRUE(attached.ok()) << attached.status();
  EXPECT_EQ(static_cast<TunnelFlags>(*attached), kTunGetFeaturesAnswer);
  absl::StatusOr<int> fd = system().Open(kTunDevicePath, O_RDWR | O_NONBLOCK);
  ASSERT_TRUE(fd.ok()) << fd.status();
  absl::StatusOr<uint32_t> fresh = Features(system(), *fd);
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_EQ(static_cast<TunnelFlags>(*fresh), kTunGetFeaturesAnswer);
  EXPECT_TRUE(system().Close(*fd).ok());
}

}  // namespace
}  // namespace standin::testutil
