// RealIoSystem: IoSystem on the operating system — open(2), ioctl(2),
// read(2), write(2), close(2) on real descriptors, and real UDP sockets for
// SendUdp/ReceiveUdp (Twisted's _RealSystem plus its test helpers).
//
// Creating a tunnel needs CAP_NET_ADMIN; tests run it inside a network
// namespace of their own (see testutil/private_network.h).
//
// Example:
//
//   standin::RealIoSystem system({.udp_source = "192.0.2.1"});
//   absl::StatusOr<int> fd =
//       system.Open(standin::kTunDevicePath, O_RDWR | O_NONBLOCK | O_CLOEXEC);
//   if (!fd.ok()) return fd.status();  // e.g. EPERM without privilege
//   auto receiver = system.ReceiveUdp(
//       *fd, standin::IPv4Address::Udp("192.0.2.1", 12345));
//   ...                                // write a packet into the tunnel
//   absl::StatusOr<std::string> payload = (*receiver)->Recv(1024);
#ifndef STANDIN_TUNTAP_REAL_IO_SYSTEM_H_
#define STANDIN_TUNTAP_REAL_IO_SYSTEM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "standin/tuntap/io_system.h"

namespace standin {

class RealIoSystem : public IoSystem {
 public:
  struct Options {
    // SendUdp binds its socket to this address (port 0) first, so datagrams
    // leave from the tunnel's local address; 0.0.0.0 (the default) lets the
    // kernel choose by route.
    IPv4Host udp_source;
    // How long UdpReceiver::Recv waits before EAGAIN.
    absl::Duration receive_timeout = absl::Seconds(10);
  };

  RealIoSystem() : RealIoSystem(Options{}) {}
  explicit RealIoSystem(Options options)
      : IoSystem(/*reads_are_plain=*/true), options_(std::move(options)) {}

  using IoSystem::Open;  // And Open(path, flags).
  // open(2): EPERM without privilege, ENOENT without /dev/net/tun.
  absl::StatusOr<int> Open(std::string_view path, int flags, int mode) override;
  // ioctl(2) on a zeroed buffer of at least sizeof(struct ifreq).
  absl::StatusOr<std::string> Ioctl(int fd, unsigned long request,
                                    std::string_view arg) override;
  // ioctl(2) with `value` as the argument itself.
  absl::StatusOr<int> IoctlValue(int fd, unsigned long request,
                                 unsigned long value) override;
  // read(2) and write(2). Their EAGAIN and EINTR statuses are built once
  // and shared: a busy non-blocking loop meets them all the time.
  // Final: reads_are_plain() promises that it is read(2) and nothing else.
  absl::StatusOr<size_t> ReadInto(int fd, absl::Span<char> buffer) final;
  absl::StatusOr<size_t> Write(int fd, std::string_view data) override;
  // close(2): the descriptor is released even when an error is reported.
  absl::Status Close(int fd) override;
  // A fresh UDP socket bound to options().udp_source sends `payload`; the
  // result is the address and port the kernel sent it from.
  absl::StatusOr<IPv4Address> SendUdp(std::string_view payload,
                                      const IPv4Address& to) override;
  // A UDP socket bound to `host`:`port`; `fd` is unused (the kernel routes).
  absl::StatusOr<std::unique_ptr<UdpReceiver>> ReceiveUdp(
      int fd, const IPv4Address& local) override;

  const Options& options() const { return options_; }
  void set_udp_source(IPv4Host host) { options_.udp_source = host; }

 private:
  Options options_;
};

}  // namespace standin

#endif  // STANDIN_TUNTAP_REAL_IO_SYSTEM_H_
