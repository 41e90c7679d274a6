// kv_demo: KvServer driven by a scripted client, printed as a transcript.
//
//   ./bazelw run //examples:kv_demo
//
// Part 1 talks to the server through a StringTransport (the unit-test
// double); the same class then serves real clients in part 2.
#include <cctype>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/escaping.h"
#include "standin/examples/kv_server.h"
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

}  // namespace
}  // namespace standin::examples

int main() {
  standin::examples::InMemoryTranscript();
  return 0;
}
