// Runs the device conformance suite (testutil/io_system_conformance.h)
// against MemoryIoSystem and the kernel, for TUN and TAP, with and without
// the packet-information header, and through the two devices that wrap a
// device, which must be invisible: FaultInjectingIoSystem with no faults
// planned and CapturingIoSystem.
#include "standin/testutil/io_system_conformance.h"

#include <iostream>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "standin/netstack/pcap_writer.h"
#include "standin/tuntap/capturing_io_system.h"
#include "standin/tuntap/fault_injecting_io_system.h"

namespace standin {
namespace {

using ::standin::testutil::IoSystemConformanceTest;
using ::standin::testutil::IoSystemHarness;
using ::standin::testutil::MemoryIoSystemHarnesses;
using ::standin::testutil::RealIoSystemHarnesses;

std::unique_ptr<IoSystem> NoFaults(IoSystem* device, TunnelFlags /*mode*/) {
  return std::make_unique<FaultInjectingIoSystem>(device, FaultPlan());
}

// A CapturingIoSystem that owns its capture, and checks when it goes that
// every datagram that passed through was recorded.
class OwnedCapture : public CapturingIoSystem {
 public:
  OwnedCapture(IoSystem* device, TunnelFlags mode)
      : CapturingIoSystem(device, &pcap_),
        pcap_(netstack::PcapWriter::ToString(
            &bytes_,
            HasFlag(mode, TunnelFlags::kTun) ? netstack::LinkType::kRaw
                                             : netstack::LinkType::kEthernet,
            [] { return absl::UnixEpoch(); })) {}
  ~OwnedCapture() override {
    EXPECT_EQ(missed(), 0u) << status();
    EXPECT_EQ(pcap_.packets_written(), captured());
  }

 private:
  std::string bytes_;
  netstack::PcapWriter pcap_;
};

std::unique_ptr<IoSystem> Captured(IoSystem* device, TunnelFlags mode) {
  return std::make_unique<OwnedCapture>(device, mode);
}

INSTANTIATE_TEST_SUITE_P(Memory, IoSystemConformanceTest,
                         ::testing::ValuesIn(MemoryIoSystemHarnesses()),
                         testutil::HarnessName<IoSystemHarness>);
INSTANTIATE_TEST_SUITE_P(NoFaults, IoSystemConformanceTest,
                         ::testing::ValuesIn(MemoryIoSystemHarnesses("NoFaults",
                                                                     NoFaults)),
                         testutil::HarnessName<IoSystemHarness>);
INSTANTIATE_TEST_SUITE_P(Captured, IoSystemConformanceTest,
                         ::testing::ValuesIn(MemoryIoSystemHarnesses("Captured",
                                                                     Captured)),
                         testutil::HarnessName<IoSystemHarness>);
INSTANTIATE_TEST_SUITE_P(Real, IoSystemConformanceTest,
                         ::testing::ValuesIn(RealIoSystemHarnesses()),
                         testutil::HarnessName<IoSystemHarness>);
INSTANTIATE_TEST_SUITE_P(
    RealCaptured, IoSystemConformanceTest,
    ::testing::ValuesIn(RealIoSystemHarnesses("RealCaptured", Captured)),
    testutil::HarnessName<IoSystemHarness>);

// Says in the test log how many cases ran against the kernel (.ci/run
// greps bazel-testlogs/tuntap/*/test.log for this line).
class RealDeviceReport : public ::testing::Environment {
 public:
  void TearDown() override {
    std::cout << "[ standin  ] real-device conformance cases run: "
              << testutil::RealDeviceCasesRun() << std::endl;
  }
};

const auto* const kReport =
    ::testing::AddGlobalTestEnvironment(new RealDeviceReport);

}  // namespace
}  // namespace standin
