// Cookbook: a protocol played against a scripted peer (ScriptedTransport).
#include <string_view>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "standin/testutil/clock.h"
#include "standin/testutil/scripted_transport.h"
#include "standin/transport/interfaces.h"
#include "standin/transport/timer_queue.h"

namespace {

// [START cookbook]
// Asks for a name, greets it, hangs up; hangs up after 10 s of silence.
class Greeter : public standin::Protocol {
 public:
  explicit Greeter(standin::testutil::Clock* clock) : clock_(clock) {}
  void ConnectionMade() override {
    transport()->Write("name?\r\n");
    timeout_ = clock_->CallLater(absl::Seconds(10),
                                 [this] { transport()->LoseConnection(); });
  }
  void DataReceived(std::string_view name) override {
    timeout_.Cancel();
    transport()->Write("hello, ");  // two writes: the script compares
    transport()->Write(name);       // the byte stream, not the calls
    transport()->LoseConnection();
  }

 private:
  standin::testutil::Clock* clock_;
  standin::DelayedCall timeout_;
};

TEST(Cookbook, ScriptedConversation) {
  standin::testutil::Clock clock;
  Greeter greeter(&clock);
  standin::testutil::ScriptedTransport peer;
  peer.ExpectWrite("name?\r\n")
      .Advance(clock, absl::Seconds(9))
      .Deliver("Ada\r\n")
      .ExpectWrite("hello, Ada\r\n")
      .ExpectLoseConnection();
  peer.Play(&greeter);  // a deviation fails naming the step, with a diff
}
// [END cookbook]

}  // namespace
