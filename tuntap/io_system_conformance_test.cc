// Runs the device conformance suite against MemoryIoSystem and the kernel,
// for TUN and TAP, with and without the packet-information header.
#include "standin/tuntap/io_system_conformance.h"

#include <iostream>

#include "gtest/gtest.h"
#include "standin/tuntap/fault_injecting_io_system.h"

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

// A FaultInjectingIoSystem with an empty plan must be invisible: the same
// suite passes through it.
class PassThroughSystem : public FaultInjectingIoSystem {
 public:
  PassThroughSystem() : FaultInjectingIoSystem(&memory_, FaultPlan()) {
    memory_.set_udp_source({ConformanceNetwork::kLocal, 21345});
  }

 private:
  MemoryIoSystem memory_;
};

struct PassThroughDevices : MemoryDevices {
  static constexpr const char* kName = "NoFaults";
  static std::unique_ptr<IoSystem> Make() {
    return std::make_unique<PassThroughSystem>();
  }
};

using PassThroughDeviceTypes =
    ::testing::Types<ConformanceDevice<PassThroughDevices, kTun | kNoPi>,
                     ConformanceDevice<PassThroughDevices, kTap>>;
INSTANTIATE_TYPED_TEST_SUITE_P(NoFaults, IoSystemConformanceTest,
                               PassThroughDeviceTypes, ConformanceDeviceNames);

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
