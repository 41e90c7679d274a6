// MemoryIoSystem: an IoSystem whose files live in memory, so a TuntapPort
// (or anything else written against IoSystem) is tested without root or a
// kernel device — Twisted's twisted.pair.testing.MemoryIOSystem.
//
// Opening a registered special device (by default /dev/net/tun, a Tunnel)
// hands out descriptors from 8192 up, never reused. open and ioctl need
// their names in permissions() (EPERM otherwise, to test privilege
// failures); an unregistered path is ENOSYS, an unknown descriptor EBADF, an
// unsupported ioctl EINVAL. SendUdp/ReceiveUdp build and parse real
// IPv4/UDP (and Ethernet, on a TAP) with netstack; unlike Twisted, SendUdp
// delivers to the tunnel the caller chose, not whichever file is open first.
//
// Example:
//
//   standin::MemoryIoSystem system;
//   standin::TuntapPort port("tun0", &ip, 8192, &reactor, &system);
//   ASSERT_TRUE(port.StartListening().ok());
//   standin::IPv4Address from =
//       *system.SendUdp("ping", standin::IPv4Address::Udp("192.0.2.1", 7));
//   ASSERT_TRUE(port.DoRead().ok());          // ip -> udp -> your protocol
//   standin::Tunnel* tunnel = system.GetTunnel(port);
//   EXPECT_THAT(tunnel->write_buffer(), testing::SizeIs(1));  // its reply
//   system.permissions().erase("open");       // the next Open() is EPERM
#ifndef STANDIN_TUNTAP_MEMORY_IO_SYSTEM_H_
#define STANDIN_TUNTAP_MEMORY_IO_SYSTEM_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "standin/transport/address.h"
#include "standin/transport/reactor.h"
#include "standin/tuntap/io_system.h"
#include "standin/tuntap/tunnel.h"

namespace standin {

class MemoryIoSystem : public IoSystem {
 public:
  // Makes the file opened at a registered path.
  using DeviceFactory = std::function<std::unique_ptr<Tunnel>(
      MemoryIoSystem*, int flags, int mode)>;
  // The first descriptor handed out (Twisted's _counter).
  static constexpr int kFirstFd = 8192;

  // Registers kTunDevicePath as a plain Tunnel.
  MemoryIoSystem();
  // With `register_tun_device` false nothing is registered (every Open is
  // ENOSYS until RegisterSpecialDevice()).
  explicit MemoryIoSystem(bool register_tun_device);

  // Opening `path` from now on calls `factory`.
  void RegisterSpecialDevice(std::string path, DeviceFactory factory);

  // The operations allowed to proceed: "open" and "ioctl" by default; a
  // missing name makes that call fail with EPERM.
  absl::flat_hash_set<std::string>& permissions() { return permissions_; }

  // The tunnel open as `fd`, or null.
  Tunnel* GetTunnel(int fd) const;
  // The tunnel a port (anything with a fileno(), e.g. a TuntapPort) reads.
  Tunnel* GetTunnel(const Selectable& port) const {
    return GetTunnel(port.fileno());
  }

  // Where SendUdp() datagrams come from; Twisted's 10.1.2.3:21345 unless
  // set.
  void set_udp_source(IPv4Address source) { udp_source_ = source; }
  const IPv4Address& udp_source() const { return udp_source_; }
  // SendUdp() delivers to the tunnel open as `fd` (checked at send time).
  // Unset, it delivers to the only attached tunnel, and fails when there
  // are none or several.
  void RouteUdpTo(int fd) { udp_route_ = fd; }
  // SendUdp() through the tunnel open as `fd`, whatever the route.
  absl::StatusOr<IPv4Address> SendUdpVia(int fd, std::string_view payload,
                                         const IPv4Address& to);

  // --- IoSystem: descriptors ---------------------------------------------
  using IoSystem::Open;  // And Open(path, flags).
  // EPERM unless "open" is in permissions(); ENOSYS for a path nobody
  // registered; otherwise the next descriptor, from kFirstFd up.
  absl::StatusOr<int> Open(std::string_view path, int flags, int mode) override;
  // Drops the Tunnel; EBADF for a descriptor not open.
  absl::Status Close(int fd) override;
  // --- IoSystem: the device (EBADF for a descriptor not open) -------------
  // The Tunnel's read and write (see tunnel.h).
  absl::StatusOr<size_t> ReadInto(int fd, absl::Span<char> buffer) override;
  absl::StatusOr<size_t> Write(int fd, std::string_view data) override;
  // EPERM unless "ioctl" is in permissions(); otherwise the Tunnel answers.
  absl::StatusOr<std::string> Ioctl(int fd, unsigned long request,
                                    std::string_view arg) override;
  absl::StatusOr<int> IoctlValue(int fd, unsigned long request,
                                 unsigned long value) override;
  // --- IoSystem: the far side of the tunnel -------------------------------
  // Builds the IPv4/UDP datagram from udp_source() with netstack, queues it
  // on the routed tunnel (framed as Ethernet on a TAP) and returns
  // udp_source().
  absl::StatusOr<IPv4Address> SendUdp(std::string_view payload,
                                      const IPv4Address& to) override;
  // Recv() takes datagrams the application wrote to the tunnel open as `fd`
  // (skipping any not addressed to `local`, as a socket never sees
  // them) and returns the UDP payload; EAGAIN when none is left.
  absl::StatusOr<std::unique_ptr<UdpReceiver>> ReceiveUdp(
      int fd, const IPv4Address& local) override;

  // Descriptors currently open, ascending.
  std::vector<int> open_fds() const;

  // A summary for gtest: each open fd with its Tunnel, the permissions, the
  // UDP route when set.
  friend void PrintTo(const MemoryIoSystem& system, std::ostream* os);

 private:
  absl::Status CheckPermission(std::string_view operation) const;
  absl::StatusOr<Tunnel*> Lookup(int fd, std::string_view operation) const;

  std::map<std::string, DeviceFactory> devices_;
  absl::flat_hash_map<int, std::unique_ptr<Tunnel>> open_files_;
  absl::flat_hash_set<std::string> permissions_ = {"open", "ioctl"};
  int next_fd_ = kFirstFd;
  IPv4Address udp_source_ = IPv4Address::Udp("10.1.2.3", 21345);
  std::optional<int> udp_route_;
};

}  // namespace standin

#endif  // STANDIN_TUNTAP_MEMORY_IO_SYSTEM_H_
