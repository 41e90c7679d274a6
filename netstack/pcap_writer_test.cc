#include "standin/netstack/pcap_writer.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/netstack/builders.h"

namespace standin::netstack {
namespace {

using std::string_literals::operator""s;
using ::testing::HasSubstr;

const MacAddress kMacA = MacAddress::FromBytes("\x02\x00\x00\x00\x00\x0a"s);
const MacAddress kMacB = MacAddress::FromBytes("\x02\x00\x00\x00\x00\x0b"s);

// A clock that starts at 1 s after the epoch and steps 250 ms per reading.
PcapWriter::Clock SteppingClock() {
  auto now = std::make_shared<absl::Time>(absl::FromUnixSeconds(1));
  return [now] {
    absl::Time t = *now;
    *now += absl::Milliseconds(250);
    return t;
  };
}

uint32_t U32At(const std::string& s, size_t at) {
  uint32_t v;
  std::memcpy(&v, s.data() + at, 4);
  return v;
}

TEST(PcapWriterTest, FileHeaderIsClassicPcap) {
  std::string out;
  PcapWriter pcap = PcapWriter::ToString(&out, LinkType::kRaw, SteppingClock());
  // Written little-endian on x86: magic a1b2c3d4 reads back d4 c3 b2 a1.
  EXPECT_EQ(out,
            "\xd4\xc3\xb2\xa1\x02\x00\x04\x00"
            "\x00\x00\x00\x00\x00\x00\x00\x00"
            "\xff\xff\x00\x00\x65\x00\x00\x00"s);
  EXPECT_EQ(pcap.link_type(), LinkType::kRaw);
  EXPECT_EQ(pcap.packets_written(), 0u);
}

TEST(PcapWriterTest, EthernetLinkType) {
  std::string out;
  PcapWriter pcap = PcapWriter::ToString(&out, LinkType::kEthernet, nullptr);
  EXPECT_EQ(U32At(out, 20), 1u);
}

TEST(PcapWriterTest, RecordsAreStampedByTheClock) {
  std::string out;
  PcapWriter pcap = PcapWriter::ToString(&out, LinkType::kRaw, SteppingClock());
  ASSERT_TRUE(pcap.WritePacket("abc").ok());
  ASSERT_TRUE(pcap.WritePacket("defg").ok());
  EXPECT_EQ(pcap.packets_written(), 2u);
  ASSERT_EQ(out.size(), 24u + 16 + 3 + 16 + 4);
  EXPECT_EQ(U32At(out, 24), 1u);  // seconds
  EXPECT_EQ(U32At(out, 28), 0u);  // microseconds
  EXPECT_EQ(U32At(out, 32), 3u);  // captured length
  EXPECT_EQ(U32At(out, 36), 3u);  // original length
  EXPECT_EQ(out.substr(40, 3), "abc");
  EXPECT_EQ(U32At(out, 43), 1u);
  EXPECT_EQ(U32At(out, 47), 250000u);
  EXPECT_EQ(out.substr(59), "defg");
}

TEST(PcapWriterTest, ExplicitTimestampAndPreEpochClamp) {
  std::string out;
  PcapWriter pcap = PcapWriter::ToString(&out, LinkType::kRaw, nullptr);
  ASSERT_TRUE(
      pcap.WritePacket("x", absl::FromUnixMicros(1700000000123456)).ok());
  ASSERT_TRUE(pcap.WritePacket("y", absl::FromUnixSeconds(-5)).ok());
  EXPECT_EQ(U32At(out, 24), 1700000000u);
  EXPECT_EQ(U32At(out, 28), 123456u);
  EXPECT_EQ(U32At(out, 41), 0u);
  EXPECT_EQ(U32At(out, 45), 0u);
}

TEST(PcapWriterTest, LongPacketsAreTruncatedToTheSnapLength) {
  std::string out;
  PcapWriter pcap = PcapWriter::ToString(&out, LinkType::kRaw, nullptr, 8);
  ASSERT_TRUE(pcap.WritePacket("0123456789abcdef").ok());
  EXPECT_EQ(U32At(out, 16), 8u);
  EXPECT_EQ(U32At(out, 32), 8u);
  EXPECT_EQ(U32At(out, 36), 16u);
  EXPECT_EQ(out.substr(40), "01234567");
}

TEST(PcapWriterTest, UncreatableFileNamesThePath) {
  absl::StatusOr<std::unique_ptr<PcapWriter>> pcap =
      PcapWriter::OpenFile("/nonexistent-dir/x.pcap", LinkType::kRaw, nullptr);
  ASSERT_FALSE(pcap.ok());
  EXPECT_EQ(pcap.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(pcap.status().message()),
              HasSubstr("/nonexistent-dir/x.pcap"));
}

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(PcapWriterTest, FileAndStringCapturesAreIdentical) {
  std::string path = TempPath("same.pcap");
  std::string expected;
  {
    PcapWriter to_string =
        PcapWriter::ToString(&expected, LinkType::kEthernet, SteppingClock());
    absl::StatusOr<std::unique_ptr<PcapWriter>> to_file =
        PcapWriter::OpenFile(path, LinkType::kEthernet, SteppingClock());
    ASSERT_TRUE(to_file.ok()) << to_file.status();
    for (std::string p : {"one"s, "two"s}) {
      ASSERT_TRUE(to_string.WritePacket(p).ok());
      ASSERT_TRUE((*to_file)->WritePacket(p).ok());
    }
  }
  EXPECT_EQ(ReadFile(path), expected);
}

// Each record reaches the file when WritePacket() returns, not when the
// writer closes: a capture read while the program runs (or after it crashed)
// holds every packet written so far.
TEST(PcapWriterTest, EachRecordIsInTheFileBeforeTheWriterCloses) {
  std::string path = TempPath("live.pcap");
  absl::StatusOr<std::unique_ptr<PcapWriter>> pcap =
      PcapWriter::OpenFile(path, LinkType::kRaw, SteppingClock());
  ASSERT_TRUE(pcap.ok()) << pcap.status();
  EXPECT_EQ(ReadFile(path).size(), 24u);
  ASSERT_TRUE((*pcap)->WritePacket("abcd").ok());
  EXPECT_EQ(ReadFile(path).size(), 24u + 16u + 4u);
}

// A failing write (here: a full disk) comes back from the WritePacket() that
// caused it, with the errno and the path.
TEST(PcapWriterTest, AWriteErrorIsReportedByTheWriteThatFailed) {
  if (::access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no /dev/full";
  absl::StatusOr<std::unique_ptr<PcapWriter>> pcap =
      PcapWriter::OpenFile("/dev/full", LinkType::kRaw, nullptr);
  ASSERT_FALSE(pcap.ok()) << "the file header was not written";
  EXPECT_EQ(pcap.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(pcap.status().message()),
              HasSubstr("cannot write pcap file /dev/full"));
}

// Runs `tcpdump -n -tt -r -` over the capture at `path`; returns its output.
std::string Tcpdump(const std::string& path, const std::string& flags = "") {
  std::string command =
      "/usr/bin/tcpdump -n -tt " + flags + " -r - < '" + path + "' 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "popen failed";
  std::string output;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) output.append(buf, n);
  int status = ::pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    output += "\n[tcpdump exit status " + std::to_string(status) + "]";
  }
  return output;
}

bool HaveTcpdump() { return ::access("/usr/bin/tcpdump", X_OK) == 0; }

TEST(PcapWriterTcpdumpTest, TcpdumpListsEthernetUdpFrames) {
  if (!HaveTcpdump()) {
    GTEST_SKIP() << "/usr/bin/tcpdump not installed (apt-get install tcpdump)";
  }
  std::string path = TempPath("ethernet.pcap");
  {
    absl::StatusOr<std::unique_ptr<PcapWriter>> pcap =
        PcapWriter::OpenFile(path, LinkType::kEthernet, SteppingClock());
    ASSERT_TRUE(pcap.ok()) << pcap.status();
    ASSERT_TRUE((*pcap)
                    ->WritePacket(BuildEthernet(
                        kMacA, kMacB, kEtherTypeIpv4,
                        BuildUdpIpv4(IPv4Host(192, 0, 2, 1), 40000,
                                     IPv4Host(192, 0, 2, 2), 40001, "hello")))
                    .ok());
    ASSERT_TRUE((*pcap)
                    ->WritePacket(BuildEthernet(
                        kMacB, kMacA, kEtherTypeIpv4,
                        BuildUdpIpv4(IPv4Host(198, 51, 100, 7), 5000,
                                     IPv4Host(192, 0, 2, 1), 40000, "reply!")))
                    .ok());
  }
  std::string out = Tcpdump(path);
  EXPECT_THAT(out, HasSubstr("link-type EN10MB")) << out;
  // An independent check of our checksums: tcpdump -vv verifies both.
  std::string verbose = Tcpdump(path, "-vv");
  EXPECT_THAT(verbose, HasSubstr("192.0.2.1.40000 > 192.0.2.2.40001: [udp sum "
                                 "ok] UDP, length 5"))
      << verbose;
  EXPECT_THAT(verbose, HasSubstr("198.51.100.7.5000 > 192.0.2.1.40000: [udp "
                                 "sum ok] UDP, length 6"))
      << verbose;
  EXPECT_THAT(verbose, Not(HasSubstr("bad cksum"))) << verbose;
  EXPECT_THAT(out, HasSubstr("1.000000 IP 192.0.2.1.40000 > 192.0.2.2.40001: "
                             "UDP, length 5"))
      << out;
  EXPECT_THAT(out, HasSubstr("1.250000 IP 198.51.100.7.5000 > 192.0.2.1.40000: "
                             "UDP, length 6"))
      << out;
  EXPECT_THAT(out, Not(HasSubstr("exit status"))) << out;
}

TEST(PcapWriterTcpdumpTest, TcpdumpListsRawIpUdpPackets) {
  if (!HaveTcpdump()) {
    GTEST_SKIP() << "/usr/bin/tcpdump not installed (apt-get install tcpdump)";
  }
  std::string path = TempPath("raw.pcap");
  {
    absl::StatusOr<std::unique_ptr<PcapWriter>> pcap =
        PcapWriter::OpenFile(path, LinkType::kRaw, SteppingClock());
    ASSERT_TRUE(pcap.ok()) << pcap.status();
    ASSERT_TRUE(
        (*pcap)
            ->WritePacket(BuildUdpIpv4(IPv4Host(192, 0, 2, 9), 1234,
                                       IPv4Host(203, 0, 113, 5), 4321, "abc"))
            .ok());
  }
  std::string out = Tcpdump(path);
  EXPECT_THAT(out, HasSubstr("link-type RAW")) << out;
  EXPECT_THAT(out, HasSubstr("1.000000 IP 192.0.2.9.1234 > 203.0.113.5.4321: "
                             "UDP, length 3"))
      << out;
  EXPECT_THAT(out, Not(HasSubstr("exit status"))) << out;
}

}  // namespace
}  // namespace standin::netstack
