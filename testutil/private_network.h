// Test support for real TUN/TAP devices: move the test process into a
// network namespace of its own and configure an interface there with ioctl
// (no iproute2 needed), so real-device tests never touch the host network.
// Link with //testutil:private_network (testonly).
//
// unshare(CLONE_NEWNET) moves the calling thread (and threads it starts
// later); call it from the test's main thread before starting others. The
// namespace disappears, with every interface in it, when the process exits.
//
// Example:
//
//   using namespace standin::testutil;  // in a test file
//   absl::Status netns = EnterPrivateNetworkNamespace();
//   if (!netns.ok()) GTEST_SKIP() << "needs CAP_SYS_ADMIN: " << netns;
//   ... TUNSETIFF creates "tun0" ...
//   ASSERT_TRUE(ConfigureInterface("tun0", "192.0.2.1", 24).ok());
//   ASSERT_TRUE(
//       AddStaticNeighbor("tap0", "192.0.2.2", "02:00:00:00:00:02").ok());
#ifndef STANDIN_TESTUTIL_PRIVATE_NETWORK_H_
#define STANDIN_TESTUTIL_PRIVATE_NETWORK_H_

#include <string_view>

#include "absl/status/status.h"

namespace standin::testutil {

// Enters a fresh network namespace (once per process; later calls return
// the first result) and brings its loopback interface up. A status naming
// the errno when not permitted (EPERM without CAP_SYS_ADMIN).
absl::Status EnterPrivateNetworkNamespace();

// Gives interface `name` the IPv4 `address`/`prefix_length`, brings it up
// and turns IPv6 off on it (so the kernel does not chatter on the device).
// Refuses unless EnterPrivateNetworkNamespace() succeeded.
absl::Status ConfigureInterface(std::string_view name, std::string_view address,
                                int prefix_length);

// A permanent ARP entry on `name` mapping `ip` to `mac`
// ("02:00:00:00:00:02"), so the kernel sends to `ip` over a TAP without
// asking who has it first.
absl::Status AddStaticNeighbor(std::string_view name, std::string_view ip,
                               std::string_view mac);

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_PRIVATE_NETWORK_H_
