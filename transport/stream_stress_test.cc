// Stress: 64 MiB through a socketpair in random-sized chunks from a
// streaming producer, with the receiver pausing and resuming at random so
// the producer is paused and resumed by backpressure many times. A running
// hash on each side proves nothing was lost, duplicated or reordered; the
// descriptor count proves nothing leaked. Deterministic: fixed seeds, no
// sleeps (the reactor's timers drive the randomness).
#include <dirent.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "standin/transport/epoll_reactor.h"
#include "standin/transport/status.h"
#include "standin/transport/stream_connection.h"

namespace standin {
namespace {

constexpr size_t kTotal = 64 << 20;

int OpenFdCount() {
  int count = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  while (struct dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count - 1;
}

// FNV-1a, 64-bit: order-sensitive, so reordering changes it.
struct RunningHash {
  uint64_t value = 14695981039346656037ull;
  uint64_t bytes = 0;
  void Add(std::string_view data) {
    uint64_t h = value;
    for (unsigned char c : data) {
      h ^= c;
      h *= 1099511628211ull;
    }
    value = h;
    bytes += data.size();
  }
};

// Writes pseudo-random chunks on reactor turns while not paused.
class Sender : public Protocol, public Producer {
 public:
  explicit Sender(Reactor* reactor) : reactor_(reactor), rng_(12345) {}

  void ConnectionMade() override {
    ASSERT_TRUE(transport()->RegisterProducer(this, /*streaming=*/true).ok());
    Schedule();
  }
  void ConnectionLost(const absl::Status& reason) override {
    lost_reason = reason;
    ++lost_calls;
  }
  void PauseProducing() override {
    EXPECT_FALSE(paused_) << "paused twice";
    paused_ = true;
    ++pauses;
  }
  void ResumeProducing() override {
    EXPECT_TRUE(paused_) << "resumed while not paused";
    paused_ = false;
    ++resumes;
    Schedule();
  }
  void StopProducing() override { ++stops; }

  RunningHash hash;
  absl::Status lost_reason;
  int lost_calls = 0;
  int pauses = 0;
  int resumes = 0;
  int stops = 0;
  bool paused_at_end = false;

 private:
  void Schedule() {
    if (!tick_.active()) {
      tick_ = reactor_->CallLater(absl::ZeroDuration(), [this] { Tick(); });
    }
  }
  // A few chunks of random size (1 byte to 256 KiB, skewed small), then
  // yield to the loop; stop when paused.
  void Tick() {
    int chunks = std::uniform_int_distribution<int>(1, 8)(rng_);
    for (int i = 0; i < chunks && !paused_ && hash.bytes < kTotal; ++i) {
      int bits = std::uniform_int_distribution<int>(0, 18)(rng_);
      size_t size =
          std::uniform_int_distribution<size_t>(1, size_t{1} << bits)(rng_);
      size = std::min(size, kTotal - hash.bytes);
      chunk_.resize(size);
      for (size_t j = 0; j < size; ++j) {
        chunk_[j] = static_cast<char>(byte_rng_());
      }
      hash.Add(chunk_);
      transport()->Write(chunk_);
    }
    if (hash.bytes >= kTotal) {
      paused_at_end = paused_;  // The last write may have paused us.
      transport()->UnregisterProducer();
      transport()->LoseConnection();
      return;
    }
    if (!paused_) Schedule();
  }

  Reactor* reactor_;
  std::mt19937_64 rng_;
  std::minstd_rand byte_rng_{7};
  std::string chunk_;
  bool paused_ = false;
  DelayedCall tick_;
};

// Hashes what arrives; pauses its own reading at random for a few turns.
class Receiver : public Protocol {
 public:
  explicit Receiver(Reactor* reactor) : reactor_(reactor), rng_(999) {}

  void DataReceived(std::string_view data) override {
    hash.Add(data);
    if (std::uniform_int_distribution<int>(0, 15)(rng_) == 0 &&
        !resume_.active()) {
      auto* producer = dynamic_cast<Producer*>(transport());
      producer->PauseProducing();
      ++pauses;
      // Stay paused for a while: zero to a few milliseconds of reactor time.
      absl::Duration pause =
          absl::Microseconds(std::uniform_int_distribution<int>(0, 2000)(rng_));
      resume_ = reactor_->CallLater(
          pause, [producer] { producer->ResumeProducing(); });
    }
  }
  void ConnectionLost(const absl::Status& reason) override {
    lost_reason = reason;
    ++lost_calls;
    resume_.Cancel();
  }

  RunningHash hash;
  absl::Status lost_reason;
  int lost_calls = 0;
  int pauses = 0;

 private:
  Reactor* reactor_;
  std::mt19937 rng_;
  DelayedCall resume_;
};

TEST(StreamStressTest, SixtyFourMebibytesWithRandomChunksAndPauses) {
  const int fds_before = OpenFdCount();
  {
    EpollReactor reactor;
    Sender sender(&reactor);
    Receiver receiver(&reactor);
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    auto server = StreamConnection::Adopt(fds[1], &reactor, &receiver);
    ASSERT_TRUE(server.ok());
    auto client = StreamConnection::Adopt(fds[0], &reactor, &sender);
    ASSERT_TRUE(client.ok());

    const absl::Time deadline = reactor.Now() + absl::Minutes(5);
    while (sender.lost_calls == 0 || receiver.lost_calls == 0) {
      ASSERT_LT(reactor.Now(), deadline) << "stuck at " << receiver.hash.bytes;
      ASSERT_TRUE(reactor.RunOnce(absl::Seconds(1)).ok());
    }
    EXPECT_EQ(sender.hash.bytes, kTotal);
    EXPECT_EQ(receiver.hash.bytes, kTotal);
    EXPECT_EQ(receiver.hash.value, sender.hash.value);
    EXPECT_TRUE(IsConnectionDone(sender.lost_reason)) << sender.lost_reason;
    EXPECT_TRUE(IsConnectionDone(receiver.lost_reason)) << receiver.lost_reason;
    EXPECT_EQ(sender.lost_calls, 1);
    EXPECT_EQ(receiver.lost_calls, 1);
    // Backpressure really happened, many times, and every pause was undone.
    EXPECT_GT(sender.pauses, 10);
    EXPECT_EQ(sender.resumes + (sender.paused_at_end ? 1 : 0), sender.pauses);
    EXPECT_GT(receiver.pauses, 10);
    EXPECT_EQ(sender.stops, 0);  // Unregistered before the close.
    EXPECT_EQ(reactor.unhandled_errors(), 0u);
    EXPECT_TRUE(reactor.GetReaders().empty());
    EXPECT_TRUE(reactor.GetWriters().empty());
  }
  EXPECT_EQ(OpenFdCount(), fds_before);
}

}  // namespace
}  // namespace standin
