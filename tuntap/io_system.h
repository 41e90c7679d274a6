// IoSystem: the handful of OS calls a TuntapPort makes, behind an interface,
// so the same port runs on the kernel (RealIoSystem) or in memory
// (MemoryIoSystem) — Twisted's _IInputOutputSystem.
//
// Every call returns a status carrying the errno (standin::ErrnoOf), exactly
// as the kernel would report it, so code under test handles EAGAIN, EINTR
// and EBADFD the same way against both. SendUdp/ReceiveUdp are for tests:
// they play "the rest of the network" on the far side of a tunnel.
//
// Example:
//
//   standin::IoSystem& system = ...;  // RealIoSystem or MemoryIoSystem
//   absl::StatusOr<int> fd = system.Open(standin::kTunDevicePath,
//                                        O_RDWR | O_NONBLOCK);
//   ASSERT_TRUE(fd.ok());
//   auto ifr = system.Ioctl(*fd, standin::kTunSetIff,
//       standin::PackIfreq("tun0", standin::TunnelFlags::kTun |
//                                      standin::TunnelFlags::kNoPi));
//   auto source = system.SendUdp("ping", IPv4Address::Udp("192.0.2.2", 12345));
//   absl::StatusOr<std::string> packet = system.Read(*fd, 2048);
//   if (standin::ErrnoOf(packet.status()) == EAGAIN) { /* nothing yet */ }
#ifndef STANDIN_TUNTAP_IO_SYSTEM_H_
#define STANDIN_TUNTAP_IO_SYSTEM_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "standin/transport/address.h"

namespace standin {

// Receives the UDP datagrams sent to one address (a bound socket, or its
// in-memory stand-in).
class UdpReceiver {
 public:
  virtual ~UdpReceiver() = default;
  // The payload of the next datagram, cut to `nbytes`. EAGAIN (status with
  // that errno) when none arrives in time.
  virtual absl::StatusOr<std::string> Recv(size_t nbytes) = 0;
};

class IoSystem {
 public:
  virtual ~IoSystem() = default;

  // open(2): a new descriptor or the errno (ENOENT, EPERM, ENOSYS, ...).
  // `mode` matters only when O_CREAT creates a file. An implementation
  // overrides this form and says `using IoSystem::Open;` to keep the short
  // one callable on its own type.
  virtual absl::StatusOr<int> Open(std::string_view path, int flags,
                                   int mode) = 0;
  // Open() with mode 0777, as open(2) and os.open default it.
  absl::StatusOr<int> Open(std::string_view path, int flags) {
    return Open(path, flags, 0777);
  }
  // ioctl(2) with a buffer argument, like Python's fcntl.ioctl(fd, req,
  // bytes): `arg` is copied into a zeroed buffer of at least sizeof(struct
  // ifreq), the kernel reads and writes that buffer, and the first
  // arg.size() bytes of it are returned. An 18-byte "16sH" TUNSETIFF works.
  virtual absl::StatusOr<std::string> Ioctl(int fd, unsigned long request,
                                            std::string_view arg) = 0;
  // ioctl(2) with an integer argument passed by value (TUNSETPERSIST and
  // friends), like fcntl.ioctl(fd, req, int): the ioctl's return value.
  virtual absl::StatusOr<int> IoctlValue(int fd, unsigned long request,
                                         unsigned long value) = 0;
  // read(2) into `buffer`: the number of bytes read. A datagram device
  // returns one datagram per call, cut to the buffer.
  virtual absl::StatusOr<size_t> ReadInto(int fd, absl::Span<char> buffer) = 0;
  // write(2) of one datagram: the number of bytes written.
  virtual absl::StatusOr<size_t> Write(int fd, std::string_view data) = 0;
  // close(2).
  virtual absl::Status Close(int fd) = 0;

  // Sends `payload` as one UDP datagram to `to` from the far side of the
  // tunnel; returns the source endpoint it was sent from.
  virtual absl::StatusOr<IPv4Address> SendUdp(std::string_view payload,
                                              const IPv4Address& to) = 0;
  // A receiver for datagrams sent to `local` through the tunnel open as
  // `fd` (which the real system ignores: the kernel routes).
  virtual absl::StatusOr<std::unique_ptr<UdpReceiver>> ReceiveUdp(
      int fd, const IPv4Address& local) = 0;

  // read(2) of at most `limit` bytes, returned as a string.
  absl::StatusOr<std::string> Read(int fd, size_t limit);

  // Whether ReadInto() is exactly read(2) on the descriptor, nothing
  // observed, injected or simulated: true for RealIoSystem alone (its
  // ReadInto() is final). A per-packet read loop (TuntapPort::DoRead) then
  // calls read(2) itself. That saves a virtual call, and a return that
  // mispredicts because the kernel refills the return stack buffer on every
  // system call: tuntap_benchmark, 64-byte datagrams, 0.92x -> 0.95x the
  // raw loop.
  bool reads_are_plain() const { return reads_are_plain_; }

 protected:
  IoSystem() = default;
  explicit IoSystem(bool reads_are_plain) : reads_are_plain_(reads_are_plain) {}

 private:
  const bool reads_are_plain_ = false;
};

}  // namespace standin

#endif  // STANDIN_TUNTAP_IO_SYSTEM_H_
