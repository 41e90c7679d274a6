#include "standin/netstack/pcap_writer.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace standin::netstack {
namespace {

// pcap stores every header field in the writer's byte order; the magic
// number tells the reader which one that was.
constexpr uint32_t kMagic = 0xa1b2c3d4;  // microsecond timestamps
constexpr uint16_t kVersionMajor = 2;
constexpr uint16_t kVersionMinor = 4;

template <typename T>
void AppendRaw(std::string* out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out->append(bytes, sizeof(T));
}

}  // namespace

void PcapWriter::FileCloser::operator()(std::FILE* file) const {
  // A close error cannot be reported from a destructor; every record was
  // already written unbuffered, so nothing is lost with it.
  (void)std::fclose(file);
}

PcapWriter::PcapWriter(std::string* out, File file, std::string path,
                       LinkType link_type, Clock clock, uint32_t snap_length)
    : out_(out),
      file_(std::move(file)),
      path_(std::move(path)),
      link_type_(link_type),
      clock_(std::move(clock)),
      snap_length_(snap_length) {}

PcapWriter::PcapWriter(PcapWriter&& other) noexcept
    : out_(other.out_),
      file_(std::move(other.file_)),
      path_(std::move(other.path_)),
      link_type_(other.link_type_),
      clock_(std::move(other.clock_)),
      snap_length_(other.snap_length_),
      packets_written_(other.packets_written_) {}

PcapWriter::~PcapWriter() = default;

std::string PcapWriter::FileHeader() const {
  std::string header;
  AppendRaw<uint32_t>(&header, kMagic);
  AppendRaw<uint16_t>(&header, kVersionMajor);
  AppendRaw<uint16_t>(&header, kVersionMinor);
  AppendRaw<int32_t>(&header, 0);   // thiszone: timestamps are UTC
  AppendRaw<uint32_t>(&header, 0);  // sigfigs
  AppendRaw<uint32_t>(&header, snap_length_);
  AppendRaw<uint32_t>(&header, static_cast<uint32_t>(link_type_));
  return header;
}

PcapWriter PcapWriter::ToString(std::string* out, LinkType link_type,
                                Clock clock, uint32_t snap_length) {
  PcapWriter writer(out, nullptr, "", link_type, std::move(clock), snap_length);
  out->append(writer.FileHeader());
  return writer;
}

absl::StatusOr<std::unique_ptr<PcapWriter>> PcapWriter::OpenFile(
    const std::string& path, LinkType link_type, Clock clock,
    uint32_t snap_length) {
  // "e": close-on-exec, so a spawned child does not inherit the capture.
  File file(std::fopen(path.c_str(), "wbe"));
  if (file == nullptr) {
    int err = errno;
    return absl::ErrnoToStatus(err,
                               absl::StrCat("cannot create pcap file ", path));
  }
  // Unbuffered: each record is one write(2) at once, so a capture read while
  // the program runs (or after it crashes) holds every packet written, and a
  // write error comes back from the WritePacket() that caused it.
  std::setvbuf(file.get(), nullptr, _IONBF, 0);
  std::unique_ptr<PcapWriter> writer(
      new PcapWriter(nullptr, std::move(file), path, link_type,
                     std::move(clock), snap_length));
  absl::Status s = writer->Append(writer->FileHeader());
  if (!s.ok()) return s;
  return writer;
}

absl::Status PcapWriter::Append(std::string_view bytes) {
  if (out_ != nullptr) {
    out_->append(bytes.data(), bytes.size());
    return absl::OkStatus();
  }
  while (!bytes.empty()) {
    errno = 0;
    size_t n = std::fwrite(bytes.data(), 1, bytes.size(), file_.get());
    bytes.remove_prefix(n);
    if (bytes.empty()) break;
    int err = errno;
    std::clearerr(file_.get());
    if (err == EINTR) continue;
    return absl::ErrnoToStatus(err == 0 ? EIO : err,
                               absl::StrCat("cannot write pcap file ", path_));
  }
  return absl::OkStatus();
}

absl::Status PcapWriter::WritePacket(std::string_view packet) {
  return WritePacket(packet, clock_ ? clock_() : absl::UnixEpoch());
}

absl::Status PcapWriter::WritePacket(std::string_view packet, absl::Time when) {
  int64_t micros = absl::ToUnixMicros(when);
  if (micros < 0) micros = 0;
  uint32_t included =
      static_cast<uint32_t>(std::min<size_t>(packet.size(), snap_length_));
  // One contiguous record, so a file sink sees one write() per packet.
  std::string record;
  record.reserve(16 + included);
  AppendRaw<uint32_t>(&record, static_cast<uint32_t>(micros / 1000000));
  AppendRaw<uint32_t>(&record, static_cast<uint32_t>(micros % 1000000));
  AppendRaw<uint32_t>(&record, included);
  AppendRaw<uint32_t>(&record, static_cast<uint32_t>(packet.size()));
  record.append(packet.data(), included);
  absl::Status s = Append(record);
  if (s.ok()) ++packets_written_;
  return s;
}

std::ostream& operator<<(std::ostream& os, LinkType type) {
  switch (type) {
    case LinkType::kEthernet:
      return os << "LINKTYPE_ETHERNET";
    case LinkType::kRaw:
      return os << "LINKTYPE_RAW";
  }
  return os << "LinkType(" << static_cast<uint32_t>(type) << ")";
}

}  // namespace standin::netstack
