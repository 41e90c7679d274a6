// Tunnel: one open /dev/net/tun file in memory — the device side of a
// MemoryIoSystem (Twisted's twisted.pair.testing.Tunnel), faithful to Linux
// where Twisted's fake is not.
//
// The test plays the network: AddToReadBuffer() queues an IP datagram for
// the application to read (framed as Ethernet on a TAP), and write_buffer()
// holds every datagram the application wrote, exactly as written. Behaviour
// follows drivers/net/tun.c: EBADFD before TUNSETIFF, a 4-byte packet
// information header unless IFF_NO_PI (TUN_PKT_STRIP set when a read cuts
// the packet), EINVAL for a NO_PI TUN write whose first nibble is not 4 or 6
// and for a TAP write shorter than an Ethernet header, EAGAIN on an empty
// non-blocking read, 0 for a zero-length read (the datagram stays queued),
// EINTR while signals are pending, TUNSETIFF decoding IFF_TUN|IFF_TAP as a
// TUN, TUNGETIFF, TUNGETFEATURES and TUNSETPERSIST. Twisted's 1024-byte
// send buffer is an opt-in setting.
// Not modelled: link state (the kernel answers EIO to writes while the
// interface is down; a memory tunnel is always up), multi-queue, offloads
// and the virtio-net header.
//
// Example:
//
//   standin::MemoryIoSystem system;        // registers /dev/net/tun
//   int fd = *system.Open(standin::kTunDevicePath, O_RDWR | O_NONBLOCK);
//   (void)*system.Ioctl(fd, standin::kTunSetIff,
//       standin::PackIfreq("tun0", standin::TunnelFlags::kTun |
//                                      standin::TunnelFlags::kNoPi));
//   standin::Tunnel* tunnel = system.GetTunnel(fd);
//   tunnel->AddToReadBuffer(ip_datagram);   // the network sends us a packet
//   EXPECT_EQ(*system.Read(fd, 2048), ip_datagram);
//   tunnel->pending_signals().push_back(SIGINT);
//   EXPECT_EQ(standin::ErrnoOf(system.Write(fd, ip_datagram).status()),
//             EINTR);
#ifndef STANDIN_TUNTAP_TUNNEL_H_
#define STANDIN_TUNTAP_TUNNEL_H_

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "standin/transport/address.h"
#include "standin/tuntap/tunnel_flags.h"

namespace standin {

class Tunnel {
 public:
  // How TUNSETIFF names the interface.
  enum class Naming {
    // Twisted's fake: the requested name cut to 12 bytes plus "123", so a
    // test notices code that uses the name it asked for instead of the name
    // it was given.
    kTwisted,
    // The kernel: the requested name as is; "" becomes "tun%d"/"tap%d" and
    // "%d" is replaced by 0.
    kKernel,
  };

  // `open_flags` as given to open(2) (O_NONBLOCK, O_CLOEXEC matter);
  // `mode` is ignored, as by the kernel for /dev/net/tun.
  Tunnel(int open_flags, int mode);
  virtual ~Tunnel() = default;
  Tunnel(const Tunnel&) = delete;
  Tunnel& operator=(const Tunnel&) = delete;

  // --- The network side (the test) ----------------------------------------
  // Queues an IPv4/IPv6 datagram for the application to read. On a TAP it
  // is framed as Ethernet first (src 00:00:00:00:00:00, dst broadcast,
  // ethertype from the IP version), as Twisted does. Dies before TUNSETIFF.
  void AddToReadBuffer(std::string_view datagram);
  void AddToReadBuffer(std::string&& datagram);  // Moves, no copy.
  void AddToReadBuffer(const char* datagram) {
    AddToReadBuffer(std::string_view(datagram));
  }
  // Datagrams (TUN) or frames (TAP) waiting to be read, without PI header.
  std::deque<std::string>& read_buffer() { return read_buffer_; }
  // Everything the application wrote, one entry per write, as written
  // (PI header included when the tunnel has one).
  std::deque<std::string>& write_buffer() { return write_buffer_; }
  // Each entry interrupts one read or write with EINTR and is consumed.
  std::deque<int>& pending_signals() { return pending_signals_; }
  // The errno an empty non-blocking read fails with (EAGAIN; Twisted's
  // tests also use EWOULDBLOCK, EINTR or anything else).
  void set_empty_read_errno(int err) {
    empty_read_errno_ = err;
    empty_read_status_ = absl::OkStatus();
  }
  // Writes larger than this fail with ENOBUFS; none by default (Twisted's
  // fake uses 1024).
  void set_send_buffer_limit(std::optional<size_t> limit) {
    send_buffer_limit_ = limit;
  }
  std::optional<size_t> send_buffer_limit() const { return send_buffer_limit_; }
  void set_naming(Naming naming) { naming_ = naming; }

  // --- State ------------------------------------------------------------
  int open_flags() const { return open_flags_; }
  // The ifr_flags given to TUNSETIFF; nullopt before it.
  std::optional<TunnelFlags> tunnel_mode() const { return mode_; }
  // The tunnel type, once TUNSETIFF set one.
  std::optional<TunnelType> tunnel_type() const;
  // The name TUNSETIFF asked for (up to its first NUL) / was given.
  const std::string& requested_name() const { return requested_name_; }
  const std::string& name() const { return name_; }
  bool blocking() const;
  bool close_on_exec() const;
  bool persistent() const { return persistent_; }
  bool has_pi() const;

  // --- The application side (MemoryIoSystem calls these) ------------------
  virtual absl::StatusOr<size_t> Read(absl::Span<char> buffer);
  virtual absl::StatusOr<size_t> Write(std::string_view data);
  // TUNSETIFF, TUNGETIFF, TUNGETFEATURES (buffer argument, padded to a
  // struct ifreq as the kernel sees it; the first arg.size() bytes return).
  virtual absl::StatusOr<std::string> Ioctl(unsigned long request,
                                            std::string_view arg);
  // TUNSETPERSIST (value argument).
  virtual absl::StatusOr<int> IoctlValue(unsigned long request,
                                         unsigned long value);

  // One line for gtest: "Tunnel{IFF_TUN|IFF_NO_PI "tun0", non-blocking; to
  // read 1 (84 bytes); written 2 (168 bytes); pending signals [2]}". An
  // operator<< rather than PrintTo() so that subclasses print too.
  friend std::ostream& operator<<(std::ostream& os, const Tunnel& tunnel);

 private:
  // Each works on `ifr`, the caller's argument padded to a struct ifreq.
  absl::Status SetIff(std::string& ifr);
  void GetIff(std::string& ifr) const;
  std::string NameFor(std::string_view requested, TunnelType type) const;

  const int open_flags_;
  std::optional<TunnelFlags> mode_;
  std::string requested_name_;
  std::string name_;
  bool persistent_ = false;
  Naming naming_ = Naming::kTwisted;
  int empty_read_errno_ = EAGAIN;
  // Built once: an empty read happens once per DoRead() in a busy loop.
  absl::Status empty_read_status_;
  std::optional<size_t> send_buffer_limit_;
  std::deque<std::string> read_buffer_;
  std::deque<std::string> write_buffer_;
  std::deque<int> pending_signals_;
};

}  // namespace standin

#endif  // STANDIN_TUNTAP_TUNNEL_H_
