// The device conformance suite every IoSystem passes: Twisted's
// TunnelDeviceTestsMixin (twisted/pair/test/test_tuntap.py) ported, plus
// the places where Linux and Twisted's fake disagree (the kernel wins). It
// runs against the in-memory system and against the kernel, for TUN and
// TAP, with and without the packet-information header, so the double is
// proven to behave like the real device (trio's _check_streams pattern).
//
// Like every standin conformance suite it is value-parameterised over
// HarnessFactory (testutil/harness_factory.h). An IoSystemHarness hands the
// suite a system and the TUNSETIFF mode to attach with; the factories below
// make one per mode for MemoryIoSystem and for the kernel (inside a private
// network namespace, skipping with the reason without root), optionally
// wrapped in a decorator, which must then be invisible.
//
// Example (tuntap/io_system_conformance_test.cc does this):
//
//   using ::standin::testutil::IoSystemConformanceTest;
//   INSTANTIATE_TEST_SUITE_P(
//       Memory, IoSystemConformanceTest,
//       ::testing::ValuesIn(standin::testutil::MemoryIoSystemHarnesses()),
//       standin::testutil::HarnessName<standin::testutil::IoSystemHarness>);
//
// and link the test against //testutil:io_system_conformance (alwayslink).
#ifndef STANDIN_TESTUTIL_IO_SYSTEM_CONFORMANCE_H_
#define STANDIN_TESTUTIL_IO_SYSTEM_CONFORMANCE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "standin/testutil/harness_factory.h"
#include "standin/transport/address.h"
#include "standin/tuntap/io_system.h"
#include "standin/tuntap/tunnel_flags.h"

namespace standin::testutil {

// The addresses on either side of the tunnel under test (TEST-NET-1).
struct IoSystemConformanceNetwork {
  // The tunnel interface's own address.
  static constexpr const char* kLocal = "192.0.2.1";
  // The far end: datagrams to it are routed into the tunnel.
  static constexpr const char* kRemote = "192.0.2.2";
  // The same two addresses in binary, for IPv4Address endpoints.
  static constexpr IPv4Host kLocalHost = "192.0.2.1";
  static constexpr IPv4Host kRemoteHost = "192.0.2.2";
  // What the far end answers ARP with, on a TAP.
  static constexpr const char* kRemoteMac = "02:00:00:00:00:02";
  static constexpr int kPrefixLength = 24;
};

// What the suite needs of an implementation.
class IoSystemHarness {
 public:
  virtual ~IoSystemHarness() = default;
  // The system under test.
  virtual IoSystem& system() = 0;
  // The TUNSETIFF mode the suite attaches its tunnel with.
  virtual TunnelFlags mode() const = 0;
  // True for the kernel: a case that meets EPERM on TUNSETIFF skips, and
  // the cases that run are counted (RealDeviceCasesRun()).
  virtual bool real() const = 0;
  // Readies the network around the freshly attached tunnel `name`.
  virtual absl::Status PrepareNetwork(const std::string& name) = 0;
};

using IoSystemHarnessFactory = HarnessFactory<IoSystemHarness>;

// Wraps the system a harness made (`device`, owned by the harness and
// outliving the wrapper) in a decorator the suite then runs through;
// `mode` is the harness's (a capture needs the link type).
using IoSystemWrapper = std::function<std::unique_ptr<IoSystem>(
    IoSystem* device, TunnelFlags mode)>;

// One factory per mode, named "<prefix>TunNoPi", "<prefix>TunPi",
// "<prefix>TapNoPi", "<prefix>TapPi": MemoryIoSystem with /dev/net/tun,
// its SendUdp() coming from kLocal.
std::vector<IoSystemHarnessFactory> MemoryIoSystemHarnesses(
    std::string prefix = "Memory", IoSystemWrapper wrap = nullptr);
// The same for the kernel (RealIoSystem with default options) inside a
// private network namespace: the tunnel gets kLocal, and on a TAP a static
// neighbour for kRemote. Unavailable, saying why, without root or without
// /dev/net/tun.
std::vector<IoSystemHarnessFactory> RealIoSystemHarnesses(
    std::string prefix = "Real", IoSystemWrapper wrap = nullptr);

// Cases that ran against the kernel in this process (so a log can say how
// many ran rather than skipped).
int RealDeviceCasesRun();

// The suite. Each test gets a fresh harness and a tunnel attached in
// harness().mode() as fd_, named name_.
class IoSystemConformanceTest : public ConformanceTest<IoSystemHarness> {
 protected:
  // The UDP port the suite's datagrams go to.
  static constexpr uint16_t kPort = 12345;

  void SetUp() override;
  void TearDown() override;

  IoSystem& system() { return harness().system(); }
  TunnelFlags mode() { return harness().mode(); }
  TunnelType type() { return *TunnelTypeOf(mode()); }
  bool pi() { return !HasFlag(mode(), TunnelFlags::kNoPi); }
  // PI header plus Ethernet header, as present in this mode.
  size_t LinkHeaderSize();
  std::string RequestedName();

  // A descriptor that is not open now: opened and closed again.
  int InvalidFileDescriptor();
  // Twisted's helper.encapsulate(): a UDP datagram from the far end to the
  // tunnel's address, framed for this tunnel as the application writes it.
  std::string Encapsulate(uint16_t source_port, uint16_t dest_port,
                          std::string_view payload);
  // Twisted's helper.parser(): the UDP datagrams for kPort in a packet read
  // from the tunnel, through netstack's protocol layers.
  std::vector<std::pair<std::string, Address>> Parse(std::string_view packet);
  // Reads packets until one carries `message` to kPort (returned), or the
  // tunnel runs dry (nullopt). Other traffic is skipped.
  std::optional<std::pair<std::string, Address>> ReadUntil(
      std::string_view message, size_t limit = 2048);
  // A payload no earlier test could have sent.
  static std::string UniqueMessage();

  int fd_ = -1;
  std::string name_;
};

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_IO_SYSTEM_CONFORMANCE_H_
