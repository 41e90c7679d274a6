#include "standin/examples/kv_client.h"

namespace standin::examples {

void KvClient::ConnectionMade() {
  // Pipelined: everything goes out at once, the server answers in order.
  for (const std::string& request : requests_) {
    transport()->Write(request);
    if (on_sent_) on_sent_(request);
  }
  transport()->Write("QUIT\r\n");
  if (on_sent_) on_sent_("QUIT\r\n");
}

void KvClient::LineReceived(std::string_view line) {
  replies_.emplace_back(line);
  if (on_reply_) on_reply_(line);
}

void KvClient::ConnectionLost(const absl::Status& reason) {
  closed_ = true;
  close_reason_ = reason;
}

}  // namespace standin::examples
