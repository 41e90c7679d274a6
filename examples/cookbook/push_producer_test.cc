// Cookbook: a push producer, paused and resumed by its transport.
#include <algorithm>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/testutil/accumulating_protocol.h"
#include "standin/testutil/loopback_pump.h"
#include "standin/transport/interfaces.h"
#include "standin/transport/status.h"

namespace {

using ::testing::EndsWith;
using ::testing::StartsWith;

// [START cookbook]
// Writes the lines "0" to "99" as fast as its transport lets it.
class Numbers : public standin::Producer {
 public:
  explicit Numbers(standin::Transport* out) : out_(out) {}
  void ResumeProducing() override {
    for (paused_ = false; !paused_ && next_ < 100;) {
      out_->Write(std::to_string(next_++) + "\n");  // may pause us
    }
    if (next_ == 100 && !paused_) {
      out_->UnregisterProducer();
      out_->LoseConnection();
    }
  }
  void PauseProducing() override {
    paused_ = true;
    ++pauses;
  }
  void StopProducing() override { paused_ = true; }
  int pauses = 0;

 private:
  standin::Transport* out_;
  int next_ = 0;
  bool paused_ = false;
};

TEST(Cookbook, PushProducerOnALoopbackPump) {
  standin::testutil::AccumulatingProtocol writer, reader;
  standin::testutil::LoopbackPump pump(&writer, &reader, {.buffer_size = 64});
  Numbers numbers(writer.transport());
  ASSERT_TRUE(writer.transport()->RegisterProducer(&numbers, true).ok());
  numbers.ResumeProducing();
  pump.Flush();  // delivers, resumes the producer, delivers ... until done
  EXPECT_GT(numbers.pauses, 0);
  EXPECT_THAT(reader.data(), StartsWith("0\n1\n2\n"));
  EXPECT_THAT(reader.data(), EndsWith("98\n99\n"));
  EXPECT_TRUE(standin::IsConnectionDone(reader.closed_reason()));
}
// [END cookbook]

}  // namespace
