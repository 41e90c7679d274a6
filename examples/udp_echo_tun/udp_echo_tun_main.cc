// udp_echo_tun_demo: one Echo (a DatagramProtocol) on three transports,
// printing what happens.
//
//   bazel run //examples/udp_echo_tun:udp_echo_tun_demo
//
// With no arguments it runs a scripted demo: the echo on a kernel UDP socket
// (UdpPort) on loopback; then, as root, inside a private network namespace
// (TEST-NET addresses, nothing leaves it), on a TUN and on a TAP device
// behind netstack::Host, where a kernel socket talks to it and the kernel
// pings it. It exits non-zero if any step fails.
//
//   udp_echo_tun_demo serve tun|tap <interface> <address> <port>
//
// serves on a device until interrupted (as root; then, from another shell,
// `ip addr add 192.0.2.1/24 dev tun0 && ip link set tun0 up` and
// `echo hello | nc -u -w1 192.0.2.2 7`).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "standin/examples/udp_echo_tun/kernel_peer.h"
#include "standin/examples/udp_echo_tun/udp_echo_tun.h"
#include "standin/testutil/private_network.h"
#include "standin/transport/epoll_reactor.h"
#include "standin/transport/udp_port.h"

namespace standin::examples {
namespace {

void Say(const std::string& where, const std::string& line) {
  std::printf("[%s] %s\n", where.c_str(), line.c_str());
  std::fflush(stdout);
}

// Turns the reactor until `done` holds, for at most 5 s.
bool RunUntil(EpollReactor& reactor, const std::function<bool()>& done) {
  const absl::Time give_up = absl::Now() + absl::Seconds(5);
  while (!done()) {
    if (absl::Now() > give_up || !reactor.RunOnce(absl::Milliseconds(5)).ok()) {
      return false;
    }
  }
  return true;
}

// The kernel sends `message` to `echo_at` and waits for it to come back.
bool RoundTrip(const std::string& where, EpollReactor& reactor,
               KernelPeer& kernel, const IPv4Address& echo_at,
               const std::string& message) {
  Say(where, absl::StrCat("kernel socket ", ToString(kernel.address()),
                          " sends \"", message, "\" to ", echo_at.ToString()));
  if (absl::Status s = kernel.Send(message, echo_at); !s.ok()) {
    Say(where, s.ToString());
    return false;
  }
  std::optional<KernelPeer::Datagram> reply;
  if (!RunUntil(reactor, [&] {
        reply = kernel.Receive();
        return reply.has_value();
      })) {
    Say(where, "FAILED: no echo within 5 s");
    return false;
  }
  Say(where, absl::StrCat("kernel socket got \"", reply->data, "\" back from ",
                          ToString(reply->from)));
  return reply->data == message;
}

bool Loopback() {
  const std::string where = "udp loopback";
  EpollReactor reactor;
  Echo echo([&](const std::string& line) { Say(where, "echo: " + line); });
  absl::StatusOr<std::unique_ptr<UdpPort>> port =
      UdpPort::Listen(IPv4Address::Udp("127.0.0.1", 0), &echo, &reactor);
  absl::StatusOr<KernelPeer> kernel = KernelPeer::Open("127.0.0.1", false);
  if (!port.ok() || !kernel.ok()) {
    Say(where,
        "FAILED: " + (port.ok() ? kernel.status() : port.status()).ToString());
    return false;
  }
  const IPv4Address echo_at = std::get<IPv4Address>((*port)->GetHost());
  const bool ok = RoundTrip(where, reactor, *kernel, echo_at, "hello, UdpPort");
  (*port)->StopListening();
  (void)reactor.RunOnce(absl::ZeroDuration());
  return ok;
}

bool Tunnel(TunnelType type) {
  const bool tap = type == TunnelType::kTap;
  const std::string where = tap ? "tap" : "tun";
  const IPv4Host echo_ip = tap ? IPv4Host("198.51.100.2") : "192.0.2.2";
  const IPv4Host kernel_ip = tap ? IPv4Host("198.51.100.1") : "192.0.2.1";
  EpollReactor reactor;
  absl::StatusOr<std::unique_ptr<UdpEchoTun>> echo = UdpEchoTun::Start(
      {.type = type,
       .interface = tap ? "demo-tap" : "demo-tun",
       .address = echo_ip.ToString()},
      &reactor, nullptr,
      [&](const std::string& line) { Say(where, "echo: " + line); });
  if (!echo.ok()) {
    Say(where, "FAILED: " + echo.status().ToString());
    return false;
  }
  netstack::Host& host = (*echo)->host();
  Say(where, absl::StrCat("netstack::Host ", echo_ip.ToString(),
                          tap ? " (MAC 02:00:00:00:00:02)" : "", " on ",
                          (*echo)->port().interface()));
  if (absl::Status s = testutil::ConfigureInterface((*echo)->port().interface(),
                                                    kernel_ip.ToString(), 24);
      !s.ok()) {
    Say(where, "FAILED: " + s.ToString());
    return false;
  }
  Say(where, absl::StrCat("kernel side: ", kernel_ip.ToString(), "/24 on ",
                          (*echo)->port().interface()));
  absl::StatusOr<KernelPeer> kernel = KernelPeer::Open(kernel_ip, true);
  if (!kernel.ok()) {
    Say(where, "FAILED: " + kernel.status().ToString());
    return false;
  }
  bool ok = RoundTrip(where, reactor, *kernel, IPv4Address::Udp(echo_ip, 7),
                      absl::StrCat("hello over ", where));
  if (tap) {
    Say(where,
        absl::StrCat("the kernel found the echo by ARP: host answered ",
                     host.counters().arp_replies_sent, " ARP request(s)"));
  }
  Say(where, absl::StrCat("kernel pings ", echo_ip.ToString()));
  std::optional<uint16_t> sequence;
  if (!kernel->Ping(echo_ip, 1, "standin demo ping").ok() ||
      !RunUntil(reactor, [&] {
        sequence = kernel->PingReply(echo_ip);
        return sequence.has_value();
      })) {
    Say(where, "FAILED: no ping reply within 5 s");
    ok = false;
  } else {
    Say(where, absl::StrCat("ping reply seq=", *sequence, " from ",
                            echo_ip.ToString(), " (host answered ",
                            host.counters().echo_replies_sent, " ping)"));
  }
  Say(where, "host dropped: " + host.drops().ToString());
  (*echo)->Stop();
  (void)reactor.RunOnce(absl::ZeroDuration());
  return ok;
}

int Demo() {
  bool ok = Loopback();
  if (absl::Status s = testutil::EnterPrivateNetworkNamespace(); !s.ok()) {
    Say("tun/tap", "skipped: a private network namespace needs root (" +
                       s.ToString() + ")");
  } else {
    ok &= Tunnel(TunnelType::kTun);
    ok &= Tunnel(TunnelType::kTap);
  }
  Say("demo", ok ? "all steps succeeded" : "FAILED");
  return ok ? 0 : 1;
}

EpollReactor* serving = nullptr;
void OnSignal(int) {
  if (serving != nullptr) serving->Stop();
}

int Serve(const std::string& kind, const std::string& interface,
          const std::string& address, int port) {
  EpollReactor reactor;
  absl::StatusOr<std::unique_ptr<UdpEchoTun>> echo = UdpEchoTun::Start(
      {.type = kind == "tap" ? TunnelType::kTap : TunnelType::kTun,
       .interface = interface,
       .address = address,
       .port = static_cast<uint16_t>(port)},
      &reactor, nullptr, [&](const std::string& line) { Say(kind, line); });
  if (!echo.ok()) {
    std::fprintf(stderr, "%s\n", echo.status().ToString().c_str());
    return 1;
  }
  Say(kind, "serving on " + (*echo)->port().interface() + "; Ctrl-C stops");
  serving = &reactor;
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  absl::Status s = reactor.Run();
  Say(kind,
      absl::StrCat("echoed ", (*echo)->echo().echoed(), " datagrams; answered ",
                   (*echo)->host().counters().echo_replies_sent,
                   " pings; dropped ", (*echo)->host().drops().ToString()));
  return s.ok() ? 0 : 1;
}

}  // namespace
}  // namespace standin::examples

int main(int argc, char** argv) {
  if (argc == 1) return standin::examples::Demo();
  if (argc == 6 && std::string(argv[1]) == "serve" &&
      (std::string(argv[2]) == "tun" || std::string(argv[2]) == "tap")) {
    return standin::examples::Serve(argv[2], argv[3], argv[4],
                                    std::atoi(argv[5]));
  }
  std::fprintf(stderr,
               "usage: %s                    (the scripted demo)\n"
               "       %s serve tun|tap <interface> <address> <port>\n",
               argv[0], argv[0]);
  return 2;
}
