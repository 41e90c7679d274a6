#include "standin/examples/kv_server.h"

#include <string>

namespace standin::examples {
namespace {

// Splits off the first space-separated word.
std::string_view NextWord(std::string_view& rest) {
  size_t space = rest.find(' ');
  std::string_view word = rest.substr(0, space);
  rest = space == std::string_view::npos ? std::string_view()
                                         : rest.substr(space + 1);
  return word;
}

}  // namespace

void KvServer::LineReceived(std::string_view line) {
  if (line.empty()) return;  // Blank lines are keep-alives.
  std::string_view rest = line;
  std::string_view command = NextWord(rest);
  if (command == "SET") {
    std::string_view key = NextWord(rest);
    if (key.empty()) return SendLine("-ERR usage: SET <key> <value>");
    (*store_)[std::string(key)] = std::string(rest);
    SendLine("+OK");
  } else if (command == "GET") {
    auto it = store_->find(rest);
    if (it == store_->end()) {
      SendLine("-ERR no such key '" + std::string(rest) + "'");
    } else {
      SendLine("$" + it->second);
    }
  } else if (command == "DEL") {
    auto it = store_->find(rest);
    bool found = it != store_->end();
    if (found) store_->erase(it);
    SendLine(found ? ":1" : ":0");
  } else if (command == "COUNT") {
    SendLine(":" + std::to_string(store_->size()));
  } else if (command == "QUIT") {
    SendLine("+BYE");
    StopReading();  // Ignore pipelined requests after QUIT.
    transport()->LoseConnection();
  } else {
    SendLine("-ERR unknown command '" + std::string(command) + "'");
  }
}

void KvServer::LineLengthExceeded(std::string_view /*partial_line*/) {
  SendLine("-ERR line too long");
  LineReceiver::LineLengthExceeded({});
}

}  // namespace standin::examples
