// kv_demo: KvServer driven by a scripted client, printed as a transcript.
//
//   ./bazelw run //examples:kv_demo
//
// Part 1 talks to the server through a StringTransport (the unit-test
// double); in part 2 the same class serves a real client over TCP loopback
// through EpollReactor and StreamConnection.
#include <cctype>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/time/clock.h"
#include "standin/examples/kv_client.h"
#include "standin/examples/kv_server.h"
#include "standin/transport/address.h"
#include "standin/transport/epoll_reactor.h"
#include "standin/transport/stream_connection.h"
#include "standin/transport/stream_listener.h"
#include "standin/transport/string_transport.h"

namespace standin::examples {
namespace {

// Shows bytes as C-escaped text: "\r\n" stays visible.
std::string Escaped(std::string_view bytes) {
  std::string out;
  for (char c : bytes) {
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' || c == '\\' ||
               !std::isprint(static_cast<unsigned char>(c))) {
      out += absl::CHexEscape(absl::string_view(&c, 1));
    } else {
      out += c;
    }
  }
  return out;
}

// One line per server reply.
void PrintReplies(std::string_view bytes) {
  size_t start = 0;
  while (start < bytes.size()) {
    size_t end = bytes.find("\r\n", start);
    if (end == std::string_view::npos) end = bytes.size();
    std::printf("  S< %s\n", Escaped(bytes.substr(start, end - start)).c_str());
    start = end + 2;
  }
}

void InMemoryTranscript() {
  std::printf("== KvServer over StringTransport (no sockets) ==\n");
  KvStore store;
  KvServer server(&store);
  StringTransport transport;
  server.MakeConnection(&transport);
  // Requests arrive in awkward pieces, as they would from a real network.
  const std::vector<std::string_view> deliveries = {
      "SET greeting hello", " world\r\nGET greet", "ing\r\n",
      "GET missing\r\nDEL greeting\r\nCOUNT\r\n", "QUIT\r\n"};
  for (std::string_view chunk : deliveries) {
    std::printf("  C> \"%s\"\n", Escaped(chunk).c_str());
    server.DataReceived(chunk);
    PrintReplies(transport.Value());
    transport.Clear();
  }
  std::printf("  (server asked to close the connection: %s)\n",
              transport.disconnecting() ? "yes" : "no");
}

// The same KvServer class, now behind a real TCP listener on loopback,
// talking to a real client connection through the kernel.
int ServeOverTcp() {
  std::printf("\n== The same KvServer over real TCP (127.0.0.1) ==\n");
  EpollReactor reactor;
  KvStore store;
  auto listener = StreamListener::ListenTcp(
      &reactor, /*port=*/0,
      [&store](const Address&) { return std::make_unique<KvServer>(&store); });
  if (!listener.ok()) {
    std::printf("cannot listen: %s\n", listener.status().ToString().c_str());
    return 1;
  }
  const uint16_t port = std::get<IPv4Address>((*listener)->GetHost()).port;
  std::printf("  listening on %s\n", ToString((*listener)->GetHost()).c_str());

  KvClient client({"SET greeting hello", " world\r\nGET greet", "ing\r\n",
                   "GET missing\r\nDEL greeting\r\nCOUNT\r\n"});
  client.set_on_sent([](std::string_view chunk) {
    std::printf("  C> \"%s\"\n", Escaped(chunk).c_str());
  });
  client.set_on_reply([](std::string_view line) {
    std::printf("  S< %s\n", Escaped(line).c_str());
  });
  auto connection =
      StreamConnection::ConnectTcp(&reactor, "127.0.0.1", port, &client);
  if (!connection.ok()) {
    std::printf("cannot connect: %s\n", connection.status().ToString().c_str());
    return 1;
  }
  // Bounded: the demo must end even if something goes wrong.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!client.closed() && absl::Now() < deadline) {
    absl::Status turn = reactor.RunOnce(absl::Milliseconds(100));
    if (!turn.ok()) {
      std::printf("reactor: %s\n", turn.ToString().c_str());
      return 1;
    }
  }
  std::printf("  (server closed the connection: %s)\n",
              client.closed()
                  ? std::string(client.close_reason().message()).c_str()
                  : "no, timed out");
  return client.closed() ? 0 : 1;
}

}  // namespace
}  // namespace standin::examples

int main() {
  standin::examples::InMemoryTranscript();
  return standin::examples::ServeOverTcp();
}
