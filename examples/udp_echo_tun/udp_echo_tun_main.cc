// udp_echo_tun: answers UDP datagrams on a TUN device until interrupted.
//
//   bazel run //examples/udp_echo_tun:udp_echo_tun_demo -- tun0 192.0.2.2 7
//   # in another shell (as root):
//   ip addr add 192.0.2.1/24 dev tun0 && ip link set tun0 up
//   echo hello | nc -u -w1 192.0.2.2 7
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "standin/examples/udp_echo_tun/udp_echo_tun.h"
#include "standin/transport/epoll_reactor.h"

namespace {
standin::EpollReactor* running = nullptr;
void OnSignal(int) {
  if (running != nullptr) running->Stop();
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s <interface> <address> <port>\n", argv[0]);
    return 2;
  }
  standin::EpollReactor reactor;
  standin::examples::UdpEchoTun echo(
      {.interface = argv[1],
       .address = argv[2],
       .port = static_cast<uint16_t>(std::atoi(argv[3]))},
      &reactor);
  if (absl::Status s = echo.Start(); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("echoing UDP on %s %s:%s\n", echo.port().interface().c_str(),
              argv[2], argv[3]);
  running = &reactor;
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  absl::Status s = reactor.Run();
  std::printf("echoed %llu datagrams\n",
              static_cast<unsigned long long>(echo.echoed()));
  return s.ok() ? 0 : 1;
}
