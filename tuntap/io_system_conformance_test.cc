// Runs the device conformance suite against MemoryIoSystem and the kernel,
// for TUN and TAP, with and without the packet-information header.
#include "standin/tuntap/io_system_conformance.h"

#include <iostream>

#include "gtest/gtest.h"

namespace standin {
namespace {

constexpr TunnelFlags kTun = TunnelFlags::kTun;
constexpr TunnelFlags kTap = TunnelFlags::kTap;
constexpr TunnelFlags kNoPi = TunnelFlags::kNoPi;

using MemoryDeviceTypes =
    ::testing::Types<ConformanceDevice<MemoryDevices, kTun | kNoPi>,
                     ConformanceDevice<MemoryDevices, kTun>,
                     ConformanceDevice<MemoryDevices, kTap | kNoPi>,
                     ConformanceDevice<MemoryDevices, kTap>>;
INSTANTIATE_TYPED_TEST_SUITE_P(Memory, IoSystemConformanceTest,
                               MemoryDeviceTypes, ConformanceDeviceNames);

using RealDeviceTypes =
    ::testing::Types<ConformanceDevice<RealDevices, kTun | kNoPi>,
                     ConformanceDevice<RealDevices, kTun>,
                     ConformanceDevice<RealDevices, kTap | kNoPi>,
                     ConformanceDevice<RealDevices, kTap>>;
INSTANTIATE_TYPED_TEST_SUITE_P(Real, IoSystemConformanceTest, RealDeviceTypes,
                               ConformanceDeviceNames);

// Says in the test log how many cases ran against the kernel.
class RealDeviceReport : public ::testing::Environment {
 public:
  void TearDown() override {
    std::cout << "[ standin  ] real-device conformance cases run: "
              << RealDeviceCasesRun() << std::endl;
  }
};

const auto* const kReport =
    ::testing::AddGlobalTestEnvironment(new RealDeviceReport);

}  // namespace
}  // namespace standin
