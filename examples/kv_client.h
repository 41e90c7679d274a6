// KvClient: a scripted client for KvServer, used by the demo and the
// end-to-end test. It sends each request as given (possibly split in odd
// places), collects the reply lines, and sends QUIT at the end.
//
// Example:
//
//   standin::examples::KvClient client({"SET a 1\r\n", "GET a\r\n"});
//   auto connection = standin::StreamConnection::ConnectTcp(
//       &reactor, "127.0.0.1", port, &client);
//   while (!client.closed()) reactor.RunOnce(absl::Seconds(1)).IgnoreError();
//   // client.replies() == {"+OK", "$1", "+BYE"}
#ifndef STANDIN_EXAMPLES_KV_CLIENT_H_
#define STANDIN_EXAMPLES_KV_CLIENT_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "standin/examples/line_receiver.h"

namespace standin::examples {

class KvClient : public LineReceiver {
 public:
  // `requests` are written in order once connected, then "QUIT\r\n".
  explicit KvClient(std::vector<std::string> requests)
      : requests_(std::move(requests)) {}

  const std::vector<std::string>& replies() const { return replies_; }
  bool closed() const { return closed_; }
  const absl::Status& close_reason() const { return close_reason_; }
  // Called with each chunk sent and each reply line received.
  void set_on_sent(absl::AnyInvocable<void(std::string_view)> f) {
    on_sent_ = std::move(f);
  }
  void set_on_reply(absl::AnyInvocable<void(std::string_view)> f) {
    on_reply_ = std::move(f);
  }

  void ConnectionMade() override;
  void ConnectionLost(const absl::Status& reason) override;

 protected:
  void LineReceived(std::string_view line) override;

 private:
  std::vector<std::string> requests_;
  std::vector<std::string> replies_;
  bool closed_ = false;
  absl::Status close_reason_;
  absl::AnyInvocable<void(std::string_view)> on_sent_;
  absl::AnyInvocable<void(std::string_view)> on_reply_;
};

}  // namespace standin::examples

#endif  // STANDIN_EXAMPLES_KV_CLIENT_H_
