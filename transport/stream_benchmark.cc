// StreamConnection throughput over an AF_UNIX socketpair, one thread driven
// by EpollReactor, beside the limits measured in the same run:
//
//   (a) 256 MiB in 64 KiB writes. Limit: a raw blocking write()/read() loop
//       between two threads (64 KiB writes, 256 KiB reads).
//   (b) 1,000,000 writes of 100 bytes. Limits: the naive raw loop (one
//       write() per message) and a coalescing raw loop (writev() of up to
//       1024 messages per call), both against a reader thread.
//
// The reference the issue names, libevent 2.1 bufferevents doing the same
// job on one thread, runs in the same process too (ratio_vs_libevent) when
// its runtime library is present.
//
// Each of our benchmarks reports MBps (its fastest iteration), MBps_mean,
// the limit's MBps (limit_MBps: the fastest of three raw runs made in this
// process just before), the ratio of the two (ratio_vs_raw,
// ratio_vs_coalescing, ratio_vs_naive) and the syscalls per MiB our side
// made (write_, read_syscalls_per_MiB and loop_turns_per_MiB, one
// epoll_wait each; epoll_ctl is not counted: strace -c -f shows it). Best
// against best keeps the ratio meaningful on a shared, noisy machine.
//
//   ./bazelw run --config=opt //transport:stream_benchmark
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "benchmark/benchmark.h"
#include "standin/transport/epoll_reactor.h"
#include "standin/transport/stream_connection.h"

namespace standin {
namespace {

constexpr size_t kBulkTotal = 256 << 20;
constexpr size_t kBulkChunk = 64 << 10;
constexpr size_t kSmallCount = 1'000'000;
constexpr size_t kSmallSize = 100;
constexpr size_t kReadSize = 256 << 10;

void SocketPair(int fds[2]) {
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    std::perror("socketpair");
    std::abort();
  }
}

// Reads until `total` bytes arrived (blocking), on its own thread.
std::thread StartReader(int fd, size_t total) {
  return std::thread([fd, total] {
    std::vector<char> buf(kReadSize);
    size_t got = 0;
    while (got < total) {
      ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n <= 0) std::abort();
      got += static_cast<size_t>(n);
    }
  });
}

void WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n <= 0) std::abort();
    data += n;
    size -= static_cast<size_t>(n);
  }
}

// Seconds for one raw transfer of `total` bytes with `writer` on this thread.
template <typename Writer>
double TimeRaw(size_t total, Writer writer) {
  int fds[2];
  SocketPair(fds);
  auto start = std::chrono::steady_clock::now();
  std::thread reader = StartReader(fds[1], total);
  writer(fds[0]);
  reader.join();
  std::chrono::duration<double> elapsed =
      std::chrono::steady_clock::now() - start;
  ::close(fds[0]);
  ::close(fds[1]);
  return elapsed.count();
}

double MegabytesPerSecond(size_t bytes, double seconds) {
  return static_cast<double>(bytes) / 1e6 / seconds;
}

// The limits: best of three runs each, measured once per process.
double RawBulkMBps() {
  static const double mbps = [] {
    std::string chunk(kBulkChunk, 'x');
    double best = 1e9;
    for (int i = 0; i < 3; ++i) {
      best = std::min(best, TimeRaw(kBulkTotal, [&](int fd) {
                        for (size_t sent = 0; sent < kBulkTotal;
                             sent += kBulkChunk) {
                          WriteAll(fd, chunk.data(), chunk.size());
                        }
                      }));
    }
    return MegabytesPerSecond(kBulkTotal, best);
  }();
  return mbps;
}

double RawNaiveSmallMBps() {
  static const double mbps = [] {
    std::string message(kSmallSize, 'm');
    double best = 1e9;
    for (int i = 0; i < 3; ++i) {
      best = std::min(best, TimeRaw(kSmallCount * kSmallSize, [&](int fd) {
                        for (size_t i = 0; i < kSmallCount; ++i) {
                          WriteAll(fd, message.data(), message.size());
                        }
                      }));
    }
    return MegabytesPerSecond(kSmallCount * kSmallSize, best);
  }();
  return mbps;
}

double RawCoalescingSmallMBps() {
  static const double mbps = [] {
    // Each message is its own buffer, as in an application that produces
    // them one by one; the writer gathers up to IOV_MAX per writev().
    constexpr size_t kBatch = 1024;
    std::vector<std::string> messages(kBatch, std::string(kSmallSize, 'm'));
    double best = 1e9;
    for (int i = 0; i < 3; ++i) {
      best = std::min(best, TimeRaw(kSmallCount * kSmallSize, [&](int fd) {
                        std::vector<iovec> iov(kBatch);
                        size_t left = kSmallCount;
                        while (left > 0) {
                          size_t n = std::min(left, kBatch);
                          for (size_t j = 0; j < n; ++j) {
                            iov[j].iov_base = messages[j].data();
                            iov[j].iov_len = kSmallSize;
                          }
                          // Finish the batch even if writev() is partial.
                          size_t bytes = n * kSmallSize;
                          size_t done = 0;
                          iovec* v = iov.data();
                          int count = static_cast<int>(n);
                          while (done < bytes) {
                            ssize_t w = ::writev(fd, v, count);
                            if (w <= 0) std::abort();
                            done += static_cast<size_t>(w);
                            size_t skip = static_cast<size_t>(w);
                            while (count > 0 && skip >= v->iov_len) {
                              skip -= v->iov_len;
                              ++v;
                              --count;
                            }
                            if (count > 0) {
                              v->iov_base =
                                  static_cast<char*>(v->iov_base) + skip;
                              v->iov_len -= skip;
                            }
                          }
                          left -= n;
                        }
                      }));
    }
    return MegabytesPerSecond(kSmallCount * kSmallSize, best);
  }();
  return mbps;
}

// Writes `count` messages of `message` as a streaming producer: as many as
// the transport takes before pausing us, then more when resumed.
class Sender : public Protocol, public Producer {
 public:
  Sender(std::string message, size_t count)
      : message_(std::move(message)), left_(count) {}
  void ConnectionMade() override {
    if (!transport()->RegisterProducer(this, true).ok()) std::abort();
    Produce();
  }
  void PauseProducing() override { paused_ = true; }
  void ResumeProducing() override {
    paused_ = false;
    Produce();
  }
  void StopProducing() override {}

 private:
  void Produce() {
    while (!paused_ && left_ > 0) {
      transport()->Write(message_);
      --left_;
    }
    if (left_ == 0 && !done_) {
      done_ = true;
      transport()->UnregisterProducer();
    }
  }
  std::string message_;
  size_t left_;
  bool paused_ = false;
  bool done_ = false;
};

class Receiver : public Protocol {
 public:
  Receiver(EpollReactor* reactor, size_t total)
      : reactor_(reactor), total_(total) {}
  void DataReceived(std::string_view data) override {
    ++reads;
    got_ += data.size();
    if (got_ >= total_) reactor_->Stop();
  }
  uint64_t reads = 0;  // One read() syscall each.

 private:
  EpollReactor* reactor_;
  size_t total_;
  size_t got_ = 0;
};

// The syscalls one transfer made, as counted by the code that made them:
// write syscalls, read syscalls that delivered data, and reactor turns (one
// epoll_wait each). Only epoll_ctl is missing; `strace -c -f` on this
// binary gives the full count.
struct Syscalls {
  uint64_t writes = 0;
  uint64_t reads = 0;
  uint64_t turns = 0;
  Syscalls& operator+=(const Syscalls& other) {
    writes += other.writes;
    reads += other.reads;
    turns += other.turns;
    return *this;
  }
};

// One transfer through StreamConnection.
Syscalls TransferThroughReactor(const std::string& message, size_t count) {
  EpollReactor reactor;
  int fds[2];
  SocketPair(fds);
  Receiver receiver(&reactor, message.size() * count);
  Sender sender(message, count);
  auto server = StreamConnection::Adopt(fds[1], &reactor, &receiver);
  auto client = StreamConnection::Adopt(fds[0], &reactor, &sender);
  if (!server.ok() || !client.ok()) std::abort();
  if (!reactor.Run().ok()) std::abort();
  return {(*client)->write_calls(), receiver.reads, reactor.turns()};
}

// --- libevent 2.1 bufferevents, the reference the issue names ----------------
//
// Loaded with dlopen() from the runtime library (no headers needed, nothing
// to install); skipped with a message where it is absent. Same job as ours:
// one thread, a socketpair, a writer that keeps 64 KiB buffered and a reader
// that drains everything. libevent's per-call limits are raised to ours
// (256 KiB reads, 128 KiB writes) so the comparison is of the machinery,
// not of defaults (its defaults, 16 KiB each way, are slower).
struct LibEvent {
  using DataCb = void (*)(void* bev, void* ctx);
  using EventCb = void (*)(void* bev, short what, void* ctx);
  void* (*event_base_new)();
  void (*event_base_free)(void*);
  int (*event_base_dispatch)(void*);
  int (*event_base_loopbreak)(void*);
  void* (*bufferevent_socket_new)(void*, int, int);
  void (*bufferevent_setcb)(void*, DataCb, DataCb, EventCb, void*);
  int (*bufferevent_enable)(void*, short);
  int (*bufferevent_write)(void*, const void*, size_t);
  void* (*bufferevent_get_input)(void*);
  void* (*bufferevent_get_output)(void*);
  size_t (*evbuffer_get_length)(const void*);
  int (*evbuffer_drain)(void*, size_t);
  void (*bufferevent_free)(void*);
  int (*bufferevent_set_max_single_read)(void*, size_t);
  int (*bufferevent_set_max_single_write)(void*, size_t);

  static constexpr short kRead = 0x02;
  static constexpr short kWrite = 0x04;
  static constexpr int kCloseOnFree = 0x01;

  // Null when the library (or a symbol) is missing.
  static const LibEvent* Get() {
    static const LibEvent* loaded = []() -> const LibEvent* {
      void* lib = ::dlopen("libevent_core-2.1.so.7", RTLD_NOW | RTLD_LOCAL);
      if (lib == nullptr) return nullptr;
      static LibEvent api;
      bool ok = true;
      auto load = [&](auto& fn, const char* name) {
        void* sym = ::dlsym(lib, name);
        if (sym == nullptr) ok = false;
        fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(sym);
      };
      load(api.event_base_new, "event_base_new");
      load(api.event_base_free, "event_base_free");
      load(api.event_base_dispatch, "event_base_dispatch");
      load(api.event_base_loopbreak, "event_base_loopbreak");
      load(api.bufferevent_socket_new, "bufferevent_socket_new");
      load(api.bufferevent_setcb, "bufferevent_setcb");
      load(api.bufferevent_enable, "bufferevent_enable");
      load(api.bufferevent_write, "bufferevent_write");
      load(api.bufferevent_get_input, "bufferevent_get_input");
      load(api.bufferevent_get_output, "bufferevent_get_output");
      load(api.evbuffer_get_length, "evbuffer_get_length");
      load(api.evbuffer_drain, "evbuffer_drain");
      load(api.bufferevent_free, "bufferevent_free");
      load(api.bufferevent_set_max_single_read,
           "bufferevent_set_max_single_read");
      load(api.bufferevent_set_max_single_write,
           "bufferevent_set_max_single_write");
      return ok ? &api : nullptr;
    }();
    return loaded;
  }
};

struct LibEventTransfer {
  const LibEvent* ev;
  void* base;
  void* writer;
  std::string message;
  size_t left;
  size_t total;
  size_t received = 0;

  // Like our streaming producer: write until more than 64 KiB is buffered.
  void Produce() {
    void* out = ev->bufferevent_get_output(writer);
    while (left > 0 &&
           ev->evbuffer_get_length(out) <= FileDescriptor::kDefaultBufferSize) {
      ev->bufferevent_write(writer, message.data(), message.size());
      --left;
    }
  }
  static void OnWritable(void*, void* ctx) {
    static_cast<LibEventTransfer*>(ctx)->Produce();
  }
  static void OnReadable(void* bev, void* ctx) {
    auto* t = static_cast<LibEventTransfer*>(ctx);
    void* in = t->ev->bufferevent_get_input(bev);
    size_t n = t->ev->evbuffer_get_length(in);
    t->ev->evbuffer_drain(in, n);
    t->received += n;
    if (t->received >= t->total) t->ev->event_base_loopbreak(t->base);
  }
};

void TransferThroughLibEvent(const LibEvent& ev, const std::string& message,
                             size_t count) {
  int fds[2];
  SocketPair(fds);
  for (int fd : fds) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  LibEventTransfer t{&ev,   ev.event_base_new(),   nullptr, message,
                     count, message.size() * count};
  t.writer = ev.bufferevent_socket_new(t.base, fds[0], LibEvent::kCloseOnFree);
  void* reader =
      ev.bufferevent_socket_new(t.base, fds[1], LibEvent::kCloseOnFree);
  for (void* bev : {t.writer, reader}) {
    ev.bufferevent_set_max_single_read(bev, kReadSize);
    ev.bufferevent_set_max_single_write(bev, FileDescriptor::kSendLimit);
  }
  ev.bufferevent_setcb(t.writer, nullptr, &LibEventTransfer::OnWritable,
                       nullptr, &t);
  ev.bufferevent_setcb(reader, &LibEventTransfer::OnReadable, nullptr, nullptr,
                       &t);
  ev.bufferevent_enable(t.writer, LibEvent::kWrite);
  ev.bufferevent_enable(reader, LibEvent::kRead);
  t.Produce();
  ev.event_base_dispatch(t.base);
  if (t.received < t.total) std::abort();
  ev.bufferevent_free(t.writer);
  ev.bufferevent_free(reader);
  ev.event_base_free(t.base);
}

// libevent's MB/s for a job: best of three, measured once per process.
double LibEventMBps(const std::string& message, size_t count) {
  const LibEvent* ev = LibEvent::Get();
  if (ev == nullptr) return 0;
  double best = 1e9;
  for (int i = 0; i < 3; ++i) {
    auto start = std::chrono::steady_clock::now();
    TransferThroughLibEvent(*ev, message, count);
    best = std::min(best, std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - start)
                              .count());
  }
  return MegabytesPerSecond(message.size() * count, best);
}

double LibEventBulkMBps() {
  static const double mbps =
      LibEventMBps(std::string(kBulkChunk, 'x'), kBulkTotal / kBulkChunk);
  return mbps;
}

double LibEventSmallMBps() {
  static const double mbps =
      LibEventMBps(std::string(kSmallSize, 'm'), kSmallCount);
  return mbps;
}

void BM_LibEventBulk64KiB(benchmark::State& state) {
  if (LibEvent::Get() == nullptr) {
    state.SkipWithError("libevent_core-2.1.so.7 not found");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(LibEventBulkMBps());
  state.counters["MBps"] = LibEventBulkMBps();
}
BENCHMARK(BM_LibEventBulk64KiB)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_LibEventSmall100B(benchmark::State& state) {
  if (LibEvent::Get() == nullptr) {
    state.SkipWithError("libevent_core-2.1.so.7 not found");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(LibEventSmallMBps());
  state.counters["MBps"] = LibEventSmallMBps();
}
BENCHMARK(BM_LibEventSmall100B)->Iterations(1)->Unit(benchmark::kMillisecond);

// Sets bytes/s, our MB/s beside each limit's and their ratio, and the write
// syscalls per MiB. The ratio compares best runs (ours: the fastest
// iteration; the limit: the fastest of three), which is what survives
// another process stealing the CPU now and then; MBps_mean is the plain
// average for reference.
void Report(benchmark::State& state, size_t bytes_per_iteration,
            double total_seconds, double best_seconds, const Syscalls& calls,
            double limit_mbps, const char* ratio_name,
            double second_limit_mbps = 0, const char* second_name = nullptr) {
  const double bytes = static_cast<double>(bytes_per_iteration) *
                       static_cast<double>(state.iterations());
  const double best_mbps =
      static_cast<double>(bytes_per_iteration) / 1e6 / best_seconds;
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["MBps"] = best_mbps;
  state.counters["MBps_mean"] = bytes / 1e6 / total_seconds;
  const double mib = bytes / (1 << 20);
  state.counters["write_syscalls_per_MiB"] =
      static_cast<double>(calls.writes) / mib;
  state.counters["read_syscalls_per_MiB"] =
      static_cast<double>(calls.reads) / mib;
  state.counters["loop_turns_per_MiB"] = static_cast<double>(calls.turns) / mib;
  state.counters["limit_MBps"] = limit_mbps;
  state.counters[ratio_name] = best_mbps / limit_mbps;
  if (second_name != nullptr) {
    state.counters["limit2_MBps"] = second_limit_mbps;
    state.counters[second_name] = best_mbps / second_limit_mbps;
  }
}

// Our best run against libevent's, when libevent could be loaded.
void ReportLibEvent(benchmark::State& state, size_t bytes_per_iteration,
                    double best_seconds, double libevent_mbps) {
  if (libevent_mbps <= 0) return;
  const double best_mbps =
      static_cast<double>(bytes_per_iteration) / 1e6 / best_seconds;
  state.counters["libevent_MBps"] = libevent_mbps;
  state.counters["ratio_vs_libevent"] = best_mbps / libevent_mbps;
}

// Runs `body` once per benchmark iteration, timing each.
template <typename Body>
void TimeIterations(benchmark::State& state, double* total, double* best,
                    Body body) {
  *total = 0;
  *best = 1e9;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    body();
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    *total += seconds;
    *best = std::min(*best, seconds);
  }
}

// (a) 256 MiB in 64 KiB writes.
void BM_StreamBulk64KiB(benchmark::State& state) {
  const double limit = RawBulkMBps();
  const std::string chunk(kBulkChunk, 'x');
  Syscalls calls;
  double total, best;
  TimeIterations(state, &total, &best, [&] {
    calls += TransferThroughReactor(chunk, kBulkTotal / kBulkChunk);
  });
  Report(state, kBulkTotal, total, best, calls, limit, "ratio_vs_raw");
  ReportLibEvent(state, kBulkTotal, best, LibEventBulkMBps());
}
BENCHMARK(BM_StreamBulk64KiB)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_RawBulk64KiB(benchmark::State& state) {
  std::string chunk(kBulkChunk, 'x');
  for (auto _ : state) {
    TimeRaw(kBulkTotal, [&](int fd) {
      for (size_t sent = 0; sent < kBulkTotal; sent += kBulkChunk) {
        WriteAll(fd, chunk.data(), chunk.size());
      }
    });
  }
  state.SetBytesProcessed(static_cast<int64_t>(kBulkTotal) *
                          state.iterations());
  state.counters["best_of_3_MBps"] = RawBulkMBps();
  state.counters["write_syscalls_per_MiB"] = 1024.0 * 1024 / kBulkChunk;
}
BENCHMARK(BM_RawBulk64KiB)->Unit(benchmark::kMillisecond)->UseRealTime();

// (b) 1,000,000 writes of 100 bytes.
void BM_StreamSmall100B(benchmark::State& state) {
  const double naive = RawNaiveSmallMBps();
  const double coalescing = RawCoalescingSmallMBps();
  const std::string message(kSmallSize, 'm');
  Syscalls calls;
  double total, best;
  TimeIterations(state, &total, &best, [&] {
    calls += TransferThroughReactor(message, kSmallCount);
  });
  Report(state, kSmallCount * kSmallSize, total, best, calls, coalescing,
         "ratio_vs_coalescing", naive, "ratio_vs_naive");
  ReportLibEvent(state, kSmallCount * kSmallSize, best, LibEventSmallMBps());
}
BENCHMARK(BM_StreamSmall100B)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_RawNaiveSmall100B(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(RawNaiveSmallMBps());
  }
  state.counters["MBps"] = RawNaiveSmallMBps();
  state.counters["write_syscalls_per_MiB"] =
      1024.0 * 1024 / static_cast<double>(kSmallSize);
}
BENCHMARK(BM_RawNaiveSmall100B)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_RawCoalescingSmall100B(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(RawCoalescingSmallMBps());
  }
  state.counters["MBps"] = RawCoalescingSmallMBps();
  state.counters["write_syscalls_per_MiB"] =
      1024.0 * 1024 / static_cast<double>(kSmallSize * 1024);
}
BENCHMARK(BM_RawCoalescingSmall100B)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace standin
