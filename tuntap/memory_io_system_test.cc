// MemoryIoSystem and Tunnel behaviour the shared device suite cannot check
// against the kernel: Twisted's own fake's rules (permissions, descriptor
// numbering, ENOSYS, naming, the optional send-buffer limit, the blocking
// read that would hang) and SendUdp routing.
#include "standin/tuntap/memory_io_system.h"

#include <fcntl.h>

#include <csignal>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/ethernet.h"
#include "standin/transport/status.h"
#include "standin/tuntap/tunnel_flags.h"

namespace standin {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr TunnelFlags kTunNoPi = TunnelFlags::kTun | TunnelFlags::kNoPi;

int OpenTunnel(MemoryIoSystem& system, TunnelFlags mode,
               std::string_view name = "tun0",
               int flags = O_RDWR | O_NONBLOCK) {
  absl::StatusOr<int> fd = system.Open(kTunDevicePath, flags);
  EXPECT_TRUE(fd.ok()) << fd.status();
  EXPECT_TRUE(system.Ioctl(*fd, kTunSetIff, PackIfreq(name, mode)).ok());
  return *fd;
}

TEST(MemoryIoSystemTest, DescriptorsStartAt8192AndAreNeverReused) {
  MemoryIoSystem system;
  const int a = *system.Open(kTunDevicePath, O_RDWR);
  const int b = *system.Open(kTunDevicePath, O_RDWR);
  EXPECT_EQ(a, 8192);
  EXPECT_EQ(b, 8193);
  ASSERT_TRUE(system.Close(a).ok());
  EXPECT_EQ(*system.Open(kTunDevicePath, O_RDWR), 8194);
  EXPECT_THAT(system.open_fds(), ElementsAre(8193, 8194));
}

TEST(MemoryIoSystemTest, UnregisteredPathIsENOSYS) {
  MemoryIoSystem system;
  EXPECT_EQ(ErrnoOf(system.Open("/dev/null", O_RDWR).status()), ENOSYS);
  MemoryIoSystem empty(/*register_tun_device=*/false);
  EXPECT_EQ(ErrnoOf(empty.Open(kTunDevicePath, O_RDWR).status()), ENOSYS);
}

TEST(MemoryIoSystemTest, RegisterSpecialDeviceUsesTheFactory) {
  MemoryIoSystem system(false);
  int made = 0;
  system.RegisterSpecialDevice("/dev/other",
                               [&](MemoryIoSystem* s, int flags, int mode) {
                                 EXPECT_EQ(s, &system);
                                 EXPECT_EQ(mode, 0600);
                                 ++made;
                                 return std::make_unique<Tunnel>(flags, mode);
                               });
  const int fd = *system.Open("/dev/other", O_RDWR | O_CLOEXEC, 0600);
  EXPECT_EQ(made, 1);
  EXPECT_TRUE(system.GetTunnel(fd)->close_on_exec());
}

TEST(MemoryIoSystemTest, PermissionsGateOpenAndIoctl) {
  MemoryIoSystem system;
  EXPECT_THAT(system.permissions(),
              ::testing::UnorderedElementsAre("open", "ioctl"));
  const int fd = *system.Open(kTunDevicePath, O_RDWR);
  system.permissions().erase("ioctl");
  EXPECT_EQ(
      ErrnoOf(system.Ioctl(fd, kTunSetIff, PackIfreq("t", kTunNoPi)).status()),
      EPERM);
  EXPECT_EQ(ErrnoOf(system.IoctlValue(fd, kTunSetPersist, 1).status()), EPERM);
  system.permissions().erase("open");
  EXPECT_EQ(ErrnoOf(system.Open(kTunDevicePath, O_RDWR).status()), EPERM);
}

TEST(MemoryIoSystemTest, TwistedNamingByDefaultKernelNamingOnRequest) {
  MemoryIoSystem system;
  const int fd = OpenTunnel(system, kTunNoPi, "tap-twistedtest");
  EXPECT_EQ(system.GetTunnel(fd)->requested_name(), "tap-twistedtest");
  EXPECT_EQ(system.GetTunnel(fd)->name(), "tap-twistedt123");

  const int kernel = *system.Open(kTunDevicePath, O_RDWR);
  system.GetTunnel(kernel)->set_naming(Tunnel::Naming::kKernel);
  absl::StatusOr<std::string> ifr =
      system.Ioctl(kernel, kTunSetIff, PackIfreq("", TunnelFlags::kTap));
  ASSERT_TRUE(ifr.ok());
  EXPECT_EQ(UnpackIfreq(*ifr).name, "tap0");
}

TEST(MemoryIoSystemTest, SetIffReturnsTheArgumentSizeWithTheGivenName) {
  MemoryIoSystem system;
  const int fd = *system.Open(kTunDevicePath, O_RDWR);
  absl::StatusOr<std::string> ifr =
      system.Ioctl(fd, kTunSetIff, PackIfreq("tun0", kTunNoPi));
  ASSERT_TRUE(ifr.ok());
  EXPECT_EQ(ifr->size(), 18u);
  EXPECT_EQ(UnpackIfreq(*ifr).name, "tun0123");
  EXPECT_EQ(UnpackIfreq(*ifr).flags, kTunNoPi);
}

TEST(TunnelTest, BlockingReadOnAnEmptyTunnelDies) {
  // Twisted raises NotImplementedError; we die saying why.
  Tunnel tunnel(O_RDONLY, 0);
  ASSERT_TRUE(tunnel.Ioctl(kTunSetIff, PackIfreq("t", kTunNoPi)).ok());
  char buffer[64];
  EXPECT_DEATH((void)tunnel.Read(absl::MakeSpan(buffer)),
               "blocking read on an empty in-memory Tunnel");
}

TEST(TunnelTest, AddToReadBufferBeforeTunSetIffDies) {
  Tunnel tunnel(O_RDWR | O_NONBLOCK, 0);
  EXPECT_DEATH(tunnel.AddToReadBuffer("x"), "before TUNSETIFF");
}

TEST(TunnelTest, TapFramingLikeTwisted) {
  MemoryIoSystem system;
  const int fd = OpenTunnel(system, TunnelFlags::kTap | TunnelFlags::kNoPi);
  const std::string ip = netstack::BuildUdpIpv4(IPv4Host(10, 0, 0, 1), 1,
                                                IPv4Host(10, 0, 0, 2), 2, "x");
  system.GetTunnel(fd)->AddToReadBuffer(ip);
  absl::StatusOr<std::string> frame = system.Read(fd, 2048);
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ(*frame, std::string(6, '\xff') + std::string(6, '\0') +
                        std::string("\x08\x00", 2) + ip);
}

TEST(TunnelTest, SendBufferLimitIsOffByDefaultAndENOBUFSWhenSet) {
  MemoryIoSystem system;
  const int fd = OpenTunnel(system, kTunNoPi);
  Tunnel* tunnel = system.GetTunnel(fd);
  EXPECT_EQ(tunnel->send_buffer_limit(), std::nullopt);
  const std::string big = "\x45" + std::string(65534, 'x');
  EXPECT_EQ(*system.Write(fd, big), big.size());
  tunnel->set_send_buffer_limit(1024);
  EXPECT_EQ(ErrnoOf(system.Write(fd, "\x45" + std::string(1024, 'x')).status()),
            ENOBUFS);
  EXPECT_EQ(*system.Write(fd, "\x45" + std::string(1023, 'x')), 1024u);
}

TEST(TunnelTest, PendingSignalsInterruptOneCallEach) {
  MemoryIoSystem system;
  const int fd = OpenTunnel(system, kTunNoPi);
  Tunnel* tunnel = system.GetTunnel(fd);
  tunnel->pending_signals().push_back(SIGINT);
  tunnel->pending_signals().push_back(SIGINT);
  EXPECT_EQ(ErrnoOf(system.Write(fd, "\x45").status()), EINTR);
  EXPECT_EQ(ErrnoOf(system.Read(fd, 100).status()), EINTR);
  EXPECT_EQ(*system.Write(fd, "\x45"), 1u);
  EXPECT_THAT(tunnel->write_buffer(), ElementsAre("\x45"));
}

TEST(MemoryIoSystemTest, SendUdpGoesToTheOnlyAttachedTunnel) {
  MemoryIoSystem system;
  const int unattached = *system.Open(kTunDevicePath, O_RDWR | O_NONBLOCK);
  const int fd = OpenTunnel(system, kTunNoPi);
  absl::StatusOr<IPv4Address> source =
      system.SendUdp("hi", IPv4Address::Udp("10.0.0.9", 53));
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ(*source, (IPv4Address::Udp("10.1.2.3", 21345)));  // Twisted's.
  EXPECT_THAT(system.GetTunnel(fd)->read_buffer(), ::testing::SizeIs(1));
  EXPECT_THAT(system.GetTunnel(unattached)->read_buffer(), IsEmpty());
}

TEST(MemoryIoSystemTest, SendUdpWithSeveralTunnelsNeedsARoute) {
  MemoryIoSystem system;
  const int a = OpenTunnel(system, kTunNoPi, "a");
  const int b = OpenTunnel(system, kTunNoPi, "b");
  EXPECT_EQ(
      system.SendUdp("hi", IPv4Address::Udp("10.0.0.9", 53)).status().code(),
      absl::StatusCode::kFailedPrecondition);
  system.RouteUdpTo(b);
  system.set_udp_source(IPv4Address::Udp("198.51.100.7", 4000));
  EXPECT_EQ(*system.SendUdp("hi", IPv4Address::Udp("10.0.0.9", 53)),
            (IPv4Address::Udp("198.51.100.7", 4000)));
  EXPECT_THAT(system.GetTunnel(a)->read_buffer(), IsEmpty());
  EXPECT_THAT(system.GetTunnel(b)->read_buffer(), ::testing::SizeIs(1));
  ASSERT_TRUE(system.SendUdpVia(a, "x", IPv4Address::Udp("10.0.0.9", 53)).ok());
  EXPECT_THAT(system.GetTunnel(a)->read_buffer(), ::testing::SizeIs(1));
}

TEST(MemoryIoSystemTest, SendUdpWithNoTunnelIsENETUNREACH) {
  MemoryIoSystem system;
  EXPECT_EQ(
      ErrnoOf(system.SendUdp("hi", IPv4Address::Udp("10.0.0.9", 53)).status()),
      ENETUNREACH);
  EXPECT_EQ(
      ErrnoOf(system.SendUdpVia(8192, "hi", IPv4Address::Udp("10.0.0.9", 53))
                  .status()),
      EBADF);
  // A malformed destination no longer reaches SendUdp: IPv4Address holds a
  // binary host, and a bad literal does not compile.
}

TEST(MemoryIoSystemTest, ReceiveUdpSkipsOtherTrafficAndSaysEAGAINWhenDry) {
  MemoryIoSystem system;
  const int fd = OpenTunnel(system, kTunNoPi);
  auto receiver = system.ReceiveUdp(fd, IPv4Address::Udp("192.0.2.1", 7));
  ASSERT_TRUE(receiver.ok());
  const auto a = IPv4Host(192, 0, 2, 2);
  const auto b = IPv4Host(192, 0, 2, 1);
  ASSERT_TRUE(
      system.Write(fd, netstack::BuildUdpIpv4(a, 1, b, 8, "other port")).ok());
  ASSERT_TRUE(
      system.Write(fd, netstack::BuildUdpIpv4(a, 1, a, 7, "other host")).ok());
  ASSERT_TRUE(
      system.Write(fd, netstack::BuildUdpIpv4(a, 1, b, 7, "mine")).ok());
  EXPECT_EQ(*(*receiver)->Recv(1024), "mine");
  EXPECT_EQ(ErrnoOf((*receiver)->Recv(1024).status()), EAGAIN);
  ASSERT_TRUE(
      system.Write(fd, netstack::BuildUdpIpv4(a, 1, b, 7, "cut me")).ok());
  EXPECT_EQ(*(*receiver)->Recv(3), "cut");
}

}  // namespace
}  // namespace standin
