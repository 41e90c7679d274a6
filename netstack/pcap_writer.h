// PcapWriter: captures packets in the classic libpcap file format (magic
// 0xa1b2c3d4, version 2.4), which tcpdump, tshark and Wireshark read.
//
// Records are stamped by a clock the caller supplies, so a test that drives
// a fake clock gets a deterministic capture. LinkType::kEthernet is for TAP
// frames, LinkType::kRaw (bare IPv4/IPv6 packets) for TUN. Packets longer
// than the snapshot length are truncated in the file, their original length
// kept, as libpcap does.
//
//   namespace ns = standin::netstack;
//   std::string capture;
//   ns::PcapWriter pcap = ns::PcapWriter::ToString(
//       &capture, ns::LinkType::kRaw, [&] { return clock.Now(); });
//   ASSERT_TRUE(pcap.WritePacket(ns::BuildUdpIpv4(a, 5353, b, 53, "q")).ok());
//
//   absl::StatusOr<std::unique_ptr<ns::PcapWriter>> file =
//       ns::PcapWriter::OpenFile("/tmp/tap0.pcap", ns::LinkType::kEthernet,
//                                absl::Now);
//   if (!file.ok()) return file.status();
//   if (absl::Status s = (*file)->WritePacket(frame); !s.ok()) return s;
//   // then: tcpdump -n -r /tmp/tap0.pcap
#ifndef STANDIN_NETSTACK_PCAP_WRITER_H_
#define STANDIN_NETSTACK_PCAP_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/base/attributes.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace standin::netstack {

// The pcap link-layer header types (LINKTYPE_*) the writer supports.
enum class LinkType : uint32_t {
  kEthernet = 1,  // LINKTYPE_ETHERNET: frames with a 14-byte Ethernet header
  kRaw = 101,     // LINKTYPE_RAW: bare IP packets, as a TUN device sees them
};
// "LINKTYPE_ETHERNET", "LINKTYPE_RAW".
std::ostream& operator<<(std::ostream& os, LinkType type);

class PcapWriter {
 public:
  using Clock = std::function<absl::Time()>;
  // The default snapshot length: every IPv4 packet fits.
  static constexpr uint32_t kDefaultSnapLength = 65535;

  // Appends the capture to `*out` (not owned; must outlive the writer). The
  // 24-byte file header is appended at once.
  static PcapWriter ToString(std::string* out, LinkType link_type, Clock clock,
                             uint32_t snap_length = kDefaultSnapLength);
  // Creates (or truncates) the file at `path` and writes the file header.
  // The status names the path when the file cannot be created or written.
  static absl::StatusOr<std::unique_ptr<PcapWriter>> OpenFile(
      const std::string& path, LinkType link_type, Clock clock,
      uint32_t snap_length = kDefaultSnapLength);

  PcapWriter(PcapWriter&& other) noexcept;
  PcapWriter& operator=(PcapWriter&&) = delete;
  PcapWriter(const PcapWriter&) = delete;
  ~PcapWriter();

  // Writes one record stamped with the clock's current time.
  ABSL_MUST_USE_RESULT absl::Status WritePacket(std::string_view packet);
  // Writes one record stamped `when` (microsecond resolution; times before
  // the epoch are clamped to it).
  ABSL_MUST_USE_RESULT absl::Status WritePacket(std::string_view packet,
                                                absl::Time when);

  LinkType link_type() const { return link_type_; }
  uint32_t snap_length() const { return snap_length_; }
  // Records written so far.
  size_t packets_written() const { return packets_written_; }

 private:
  struct FileCloser {
    void operator()(std::FILE* file) const;
  };
  using File = std::unique_ptr<std::FILE, FileCloser>;

  PcapWriter(std::string* out, File file, std::string path, LinkType link_type,
             Clock clock, uint32_t snap_length);
  absl::Status Append(std::string_view bytes);
  std::string FileHeader() const;

  std::string* out_;  // string sink, or null
  File file_;         // file sink, or null
  std::string path_;  // for error messages
  LinkType link_type_;
  Clock clock_;
  uint32_t snap_length_;
  size_t packets_written_ = 0;
};

}  // namespace standin::netstack

#endif  // STANDIN_NETSTACK_PCAP_WRITER_H_
