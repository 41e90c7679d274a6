// HarnessFactory: the one way every standin conformance suite (transport,
// process, reactor, IoSystem, datagram) is parameterised, so a reader learns
// the pattern once (trio's one checker per interface, gtest's
// value-parameterised tests).
//
// A suite is a value-parameterised fixture over HarnessFactory<Harness>,
// where Harness is the suite's small interface to the implementation under
// test. Each implementation's own test instantiates the suite with a named
// factory; an implementation that cannot run here (no root, no
// /dev/net/tun) says why, and every test of it skips with that reason.
//
// Example:
//
//   using standin::testutil::TransportConformanceTest;
//   using standin::testutil::TransportHarnessFactory;
//   INSTANTIATE_TEST_SUITE_P(
//       Socketpair, TransportConformanceTest,
//       ::testing::Values(TransportHarnessFactory{
//           "socketpair", [] { return std::make_unique<PairHarness>(); }}),
//       standin::testutil::HarnessName<standin::testutil::TransportHarness>);
#ifndef STANDIN_TESTUTIL_HARNESS_FACTORY_H_
#define STANDIN_TESTUTIL_HARNESS_FACTORY_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "gtest/gtest.h"

namespace standin::testutil {

// A named way to make a Harness: the parameter of a conformance suite.
template <typename Harness>
struct HarnessFactory {
  // The instantiation's name in test output ("socketpair", "memory", ...).
  std::string name;
  std::function<std::unique_ptr<Harness>()> make;
  // Null or returning "" when the harness can run on this machine;
  // otherwise the reason it cannot (e.g. "needs CAP_NET_ADMIN"), and each
  // test skips with it.
  std::function<std::string()> unavailable;

  friend std::ostream& operator<<(std::ostream& os, const HarnessFactory& f) {
    return os << f.name;
  }
};

// For INSTANTIATE_TEST_SUITE_P: names each instantiation after its factory.
template <typename Harness>
std::string HarnessName(
    const ::testing::TestParamInfo<HarnessFactory<Harness>>& info) {
  return info.param.name;
}

// The base fixture of a conformance suite: skips (with the factory's
// reason) when the harness is unavailable, otherwise makes a fresh harness
// per test and destroys it in TearDown(), before the fixture's own members
// (the protocols the harness points at) go.
template <typename Harness>
class ConformanceTest
    : public ::testing::TestWithParam<HarnessFactory<Harness>> {
 protected:
  void SetUp() override {
    const HarnessFactory<Harness>& factory = this->GetParam();
    if (factory.unavailable) {
      if (std::string reason = factory.unavailable(); !reason.empty()) {
        GTEST_SKIP() << factory.name << ": " << reason;
      }
    }
    harness_ = factory.make();
    ASSERT_NE(harness_, nullptr) << factory.name << ": make() returned null";
  }
  void TearDown() override { harness_.reset(); }

  Harness& harness() { return *harness_; }

  std::unique_ptr<Harness> harness_;
};

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_HARNESS_FACTORY_H_
