// CapturingIoSystem: wraps any IoSystem and records every datagram read from
// or written to a tunnel in a netstack::PcapWriter, for tcpdump or
// Wireshark. It is smoltcp's PcapWriter device beside FaultInjectingIoSystem:
// a device that wraps a device, so neither Tunnel nor TuntapPort knows that
// capture exists, and it works the same over MemoryIoSystem and the kernel.
//
// A TUN's packets go into a LinkType::kRaw capture, a TAP's frames into a
// LinkType::kEthernet one; packet-information headers are left out. The
// wrapper learns each descriptor's mode from the TUNSETIFF made through it.
// Capture never changes what the wrapped system does: a datagram it cannot
// record (a tunnel of the other link type, one attached without going
// through the wrapper, a failed pcap write) is counted in missed() and the
// first such failure is kept in status(), so nothing is lost silently.
//
// Example:
//
//   namespace ns = standin::netstack;
//   absl::StatusOr<std::unique_ptr<ns::PcapWriter>> pcap =
//       ns::PcapWriter::OpenFile("/tmp/tun0.pcap", ns::LinkType::kRaw,
//                                absl::Now);
//   if (!pcap.ok()) return pcap.status();
//   standin::RealIoSystem kernel;
//   standin::CapturingIoSystem capture(&kernel, pcap->get());
//   standin::TuntapPort port("tun0", &ip, 8192, &reactor, &capture);
//   ...                                  // traffic both ways
//   EXPECT_TRUE(capture.status().ok()) << capture.status();
//   // then: tcpdump -n -r /tmp/tun0.pcap
#ifndef STANDIN_TUNTAP_CAPTURING_IO_SYSTEM_H_
#define STANDIN_TUNTAP_CAPTURING_IO_SYSTEM_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "standin/netstack/pcap_writer.h"
#include "standin/tuntap/forwarding_io_system.h"
#include "standin/tuntap/tunnel_flags.h"

namespace standin {

class CapturingIoSystem : public ForwardingIoSystem {
 public:
  // `inner` and `pcap` (not owned) must outlive this.
  CapturingIoSystem(IoSystem* inner, netstack::PcapWriter* pcap);

  // A TUNSETIFF that succeeds tells the wrapper the descriptor's mode.
  absl::StatusOr<std::string> Ioctl(int fd, unsigned long request,
                                    std::string_view arg) override;
  // The bytes read (a datagram, cut to the buffer) and the datagrams
  // written successfully are recorded, without a PI header.
  absl::StatusOr<size_t> ReadInto(int fd, absl::Span<char> buffer) override;
  absl::StatusOr<size_t> Write(int fd, std::string_view data) override;
  // Forgets the descriptor's mode.
  absl::Status Close(int fd) override;

  // OK, or why the first datagram that was not recorded was not.
  const absl::Status& status() const { return status_; }
  // Datagrams recorded / not recorded.
  size_t captured() const { return captured_; }
  size_t missed() const { return missed_; }

 private:
  struct Mode {
    TunnelType type;
    bool pi;
  };
  void Record(int fd, std::string_view datagram);
  void Miss(absl::Status why);

  netstack::PcapWriter* const pcap_;
  absl::flat_hash_map<int, Mode> modes_;
  absl::Status status_;
  size_t captured_ = 0;
  size_t missed_ = 0;
};

}  // namespace standin

#endif  // STANDIN_TUNTAP_CAPTURING_IO_SYSTEM_H_
