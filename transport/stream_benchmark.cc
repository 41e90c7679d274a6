// StreamConnection throughput over an AF_UNIX socketpair on one thread
// driven by EpollReactor, beside its limit, measured in the same iteration:
//
//   BM_StreamBulk64KiB    256 MiB written as 4096 writes of 64 KiB.
//   BM_StreamSmall100B    1,000,000 writes of 100 bytes.
//
// The limit is the cheapest way one thread can move the same bytes through
// the same kind of socket: both ends non-blocking, write until the socket is
// full (a short write or EAGAIN), then read until it is empty (a short read
// or EAGAIN), no epoll. It runs in two shapes and the faster one in this run
// is the limit (label: limit=writev or limit=copying): writev() of the
// messages as they were made (up to IOV_MAX per call), which pays no copy
// to coalesce them, and write() of the messages copied into one buffer of
// up to kSendLimit bytes, which pays that copy but hands the kernel one
// segment (for 100-byte messages the cheaper: ours beat the writev() loop
// 1.17x). Both sides read into a buffer of ReadChunk()'s size
// and give each read to the same sink, which copies it into a buffer kept
// for the check: that copy is the receiving application's work and is the
// same on both sides. A two-thread loop is no limit on a 2-core machine (it
// was beaten 2.2x): the threads fight over the cores and the socket lock.
//
// Every message is a different slice of a pseudo-random pattern, so lost,
// repeated or reordered bytes change the result. After each run, outside
// the timed region, the sink must hold exactly the bytes sent, compared by
// CRC-32C; a mismatch fails the benchmark.
//
// libevent 2.1 bufferevents doing the same job on one thread (dlopen()ed,
// skipped when absent) run in the same iteration too, as a reference.
//
// Counters (medians over iterations, which shrug off another process
// stealing the CPU now and then; *_best from the fastest iteration):
//   MBps, MBps_best             ours
//   limit_MBps, limit_MBps_best the raw loop (the faster shape)
//   limit_writev_MBps, limit_copying_MBps  each shape
//   ratio                       ours' speed / the limit's: the median of
//                               the ratios of the runs of each iteration
//                               (never above 1 for a true limit);
//                               ratio_best compares the fastest runs
//   libevent_MBps, ratio_vs_libevent (ours' speed / libevent's, likewise)
//   syscalls_per_MB             ours, every syscall the thread made during
//                               the transfer (goal for 100-byte writes: <=
//                               40), counted by the kernel's sys_enter
//                               tracepoint through perf_event_open(); also
//                               split into epoll_wait_, epoll_ctl_,
//                               write_ (write/writev/sendmsg/sendto) and
//                               read_ (read/readv/recvmsg/recvfrom) per_MB
//   limit_syscalls_per_MB, libevent_syscalls_per_MB
// Syscall counting needs CAP_PERFMON (root) and tracefs (where it is not
// mounted, root mounts it in a mount namespace private to this process);
// without them those counters are absent (a note on stderr says why), and
// `strace -c -f` from outside gives the same figures.
//
//   bazel run --config=opt //transport:stream_benchmark
#include <dlfcn.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "standin/transport/epoll_reactor.h"
#include "standin/transport/stream_connection.h"

namespace standin {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const char* what) {
  std::perror(what);
  std::abort();
}

// --- CRC-32C (Castagnoli), with SSE4.2 when the CPU has it ---------------

uint32_t Crc32cTable(uint32_t crc, const char* data, size_t size) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ ((c & 1) ? 0x82f63b78u : 0);
      t[i] = c;
    }
    return t;
  }();
  for (size_t i = 0; i < size; ++i) {
    crc = table[(crc ^ static_cast<uint8_t>(data[i])) & 0xff] ^ (crc >> 8);
  }
  return crc;
}

__attribute__((target("sse4.2"))) uint32_t Crc32cHardware(uint32_t crc,
                                                          const char* data,
                                                          size_t size) {
  uint64_t c = crc;
  for (; size >= 8; data += 8, size -= 8) {
    uint64_t word;
    std::memcpy(&word, data, 8);
    c = __builtin_ia32_crc32di(c, word);
  }
  crc = static_cast<uint32_t>(c);
  for (; size > 0; ++data, --size) {
    crc = __builtin_ia32_crc32qi(crc, static_cast<uint8_t>(*data));
  }
  return crc;
}

// Extends `crc` (start from 0) over `data`.
uint32_t Crc32c(uint32_t crc, std::string_view data) {
  static const bool hardware = __builtin_cpu_supports("sse4.2");
  crc = ~crc;
  crc = hardware ? Crc32cHardware(crc, data.data(), data.size())
                 : Crc32cTable(crc, data.data(), data.size());
  return ~crc;
}

// --- What is sent, and where it lands --------------------------------------

// `count` messages of `size` bytes; message i is the next `size` bytes of a
// pseudo-random stream with a period that no message size divides, so no
// two neighbouring messages are alike.
class Job {
 public:
  Job(size_t size, size_t count) : size_(size), count_(count) {
    bytes_.resize(kPeriod + size);
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < kPeriod; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      bytes_[i] = static_cast<char>(x);
    }
    for (size_t i = kPeriod; i < bytes_.size(); ++i) {
      bytes_[i] = bytes_[i - kPeriod];
    }
    for (size_t i = 0; i < count_; ++i) crc_ = Crc32c(crc_, Message(i));
  }
  std::string_view Message(size_t i) const {
    return std::string_view(bytes_).substr((i * size_) % kPeriod, size_);
  }
  size_t size() const { return size_; }
  size_t count() const { return count_; }
  size_t total() const { return size_ * count_; }
  uint32_t crc() const { return crc_; }

 private:
  static constexpr size_t kPeriod = (1 << 20) + 13;
  size_t size_;
  size_t count_;
  std::string bytes_;
  uint32_t crc_ = 0;
};

// Keeps every byte received, for the check after the run. Its memory is
// touched once up front so no run pays page faults for it.
class Sink {
 public:
  explicit Sink(size_t capacity) : bytes_(capacity, '\0') {}
  void Reset() { size_ = 0; }
  void Append(std::string_view data) {
    if (data.size() > bytes_.size() - size_) {
      overflow_ = true;
      return;
    }
    std::memcpy(bytes_.data() + size_, data.data(), data.size());
    size_ += data.size();
  }
  size_t size() const { return size_; }
  // Empty when the sink holds exactly what `job` sent; else what is wrong.
  std::string Check(const Job& job) const {
    char text[160];
    if (overflow_ || size_ != job.total()) {
      std::snprintf(text, sizeof(text), "received %zu bytes%s, sent %zu", size_,
                    overflow_ ? " and more" : "", job.total());
      return text;
    }
    const uint32_t crc = Crc32c(0, std::string_view(bytes_.data(), size_));
    if (crc != job.crc()) {
      std::snprintf(text, sizeof(text),
                    "CRC-32C of the bytes received is %08x, of those sent "
                    "%08x",
                    crc, job.crc());
      return text;
    }
    return "";
  }

 private:
  std::string bytes_;
  size_t size_ = 0;
  bool overflow_ = false;
};

// --- Syscall counting --------------------------------------------------------

// What one run cost in syscalls (all of them, and some by name).
struct Syscalls {
  enum Kind { kAll, kEpollWait, kEpollCtl, kWrite, kRead, kKinds };
  std::array<uint64_t, kKinds> count{};
  Syscalls& operator+=(const Syscalls& other) {
    for (int k = 0; k < kKinds; ++k) count[k] += other.count[k];
    return *this;
  }
};

// Counts this thread's syscalls with the kernel's tracepoints (a group of
// perf events, started and stopped together).
class SyscallCounter {
 public:
  static SyscallCounter& Get() {
    static SyscallCounter* counter = new SyscallCounter;
    return *counter;
  }
  bool available() const { return leader_ >= 0; }
  const std::string& why_unavailable() const { return why_; }
  // Which kinds have their own tracepoints (kAll always, when available).
  bool has(Syscalls::Kind kind) const { return has_[kind]; }

  void Start() {
    if (!available()) return;
    ::ioctl(leader_, PERF_EVENT_IOC_RESET, PERF_IOC_FLAG_GROUP);
    ::ioctl(leader_, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
  }
  Syscalls Stop() {
    Syscalls out;
    if (!available()) return out;
    ::ioctl(leader_, PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
    std::vector<uint64_t> values(1 + kinds_.size());
    if (::read(leader_, values.data(), values.size() * 8) < 0) Die("read");
    for (size_t i = 0; i < kinds_.size(); ++i) {
      out.count[kinds_[i]] += values[1 + i];
    }
    // The DISABLE ioctl itself is seen entering.
    out.count[Syscalls::kAll] -= std::min(out.count[Syscalls::kAll], overhead_);
    return out;
  }

 private:
  SyscallCounter() {
    int all = Open("raw_syscalls/sys_enter", -1);
    if (all < 0 && !TracefsMounted() && MountTracefsPrivately()) {
      all = Open("raw_syscalls/sys_enter", -1);
    }
    if (all < 0) return;
    leader_ = all;
    kinds_.push_back(Syscalls::kAll);
    has_[Syscalls::kAll] = true;
    const std::pair<Syscalls::Kind, const char*> named[] = {
        {Syscalls::kEpollWait, "epoll_wait"},
        {Syscalls::kEpollWait, "epoll_pwait"},
        {Syscalls::kEpollWait, "epoll_pwait2"},
        {Syscalls::kEpollCtl, "epoll_ctl"},
        {Syscalls::kWrite, "write"},
        {Syscalls::kWrite, "writev"},
        {Syscalls::kWrite, "sendmsg"},
        {Syscalls::kWrite, "sendto"},
        {Syscalls::kRead, "read"},
        {Syscalls::kRead, "readv"},
        {Syscalls::kRead, "recvmsg"},
        {Syscalls::kRead, "recvfrom"},
    };
    for (const auto& [kind, name] : named) {
      if (Open(std::string("syscalls/sys_enter_") + name, leader_) >= 0) {
        kinds_.push_back(kind);
        has_[kind] = true;
      }
    }
    Start();
    overhead_ = Stop().count[Syscalls::kAll];
  }

  static bool TracefsMounted() {
    return ::access("/sys/kernel/tracing/events", F_OK) == 0 ||
           ::access("/sys/kernel/debug/tracing/events", F_OK) == 0;
  }

  // Mounts tracefs where only this process sees it: in a mount namespace of
  // its own (root may), so the machine's mounts are left as they were.
  bool MountTracefsPrivately() {
    const char* failed = nullptr;
    if (::unshare(CLONE_NEWNS) != 0) {
      failed = "unshare(CLONE_NEWNS)";
    } else if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) !=
               0) {
      failed = "mount(/, MS_PRIVATE)";
    } else if (::mount("tracefs", "/sys/kernel/tracing", "tracefs", 0,
                       nullptr) != 0) {
      failed = "mount(tracefs)";
    }
    if (failed == nullptr) return true;
    why_ = std::string("tracefs is not mounted and ") + failed +
           " failed: " + std::strerror(errno);
    return false;
  }

  // A counting event for tracepoint `event` ("raw_syscalls/sys_enter") in
  // `group` (-1: a new group, disabled); its fd, or -1 (why_ says why).
  int Open(const std::string& event, int group) {
    uint64_t id = 0;
    for (const char* root :
         {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
      std::ifstream in(std::string(root) + "/events/" + event + "/id");
      if (in >> id) break;
    }
    if (id == 0) {
      if (group < 0) {
        why_ = "no tracepoint " + event +
               " (is tracefs mounted at /sys/kernel/tracing?)";
      }
      return -1;
    }
    perf_event_attr attr{};
    attr.size = sizeof(attr);
    attr.type = PERF_TYPE_TRACEPOINT;
    attr.config = id;
    attr.disabled = group < 0;
    attr.read_format = PERF_FORMAT_GROUP;
    const long fd = ::syscall(SYS_perf_event_open, &attr, 0, -1, group,
                              PERF_FLAG_FD_CLOEXEC);
    if (fd < 0 && group < 0) {
      why_ = "perf_event_open(" + event + "): " + std::strerror(errno) +
             " (needs CAP_PERFMON, e.g. root)";
    }
    return static_cast<int>(fd);
  }

  int leader_ = -1;
  std::vector<Syscalls::Kind> kinds_;  // of each event, in group order
  std::array<bool, Syscalls::kKinds> has_{};
  uint64_t overhead_ = 0;
  std::string why_;
};

// --- One run ----------------------------------------------------------------

struct RunResult {
  double seconds = 0;
  Syscalls syscalls;
};

struct SocketPair {
  SocketPair() {
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
      Die("socketpair");
    }
  }
  ~SocketPair() {
    for (int fd : fds) {
      if (fd >= 0) ::close(fd);
    }
  }
  // Hands fd `i` to a new owner.
  int Release(int i) { return std::exchange(fds[i], -1); }
  int fds[2];
};

void SetNonBlocking(int fd) {
  if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
    Die("fcntl");
  }
}

// Times `body` and counts its syscalls.
template <typename Body>
RunResult Measure(Body body) {
  SyscallCounter& counter = SyscallCounter::Get();
  RunResult result;
  counter.Start();
  const Clock::time_point start = Clock::now();
  body();
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.syscalls = counter.Stop();
  return result;
}

// Ours: a streaming producer writes the messages, as many as the transport
// takes before pausing it, then more when resumed.
class Sender : public Protocol, public Producer {
 public:
  explicit Sender(const Job& job) : job_(job) {}
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
    while (!paused_ && next_ < job_.count()) {
      transport()->Write(job_.Message(next_++));
    }
    if (next_ == job_.count() && !done_) {
      done_ = true;
      transport()->UnregisterProducer();
    }
  }
  const Job& job_;
  size_t next_ = 0;
  bool paused_ = false;
  bool done_ = false;
};

class Receiver : public Protocol {
 public:
  Receiver(EpollReactor* reactor, const Job& job, Sink* sink)
      : reactor_(reactor), total_(job.total()), sink_(sink) {}
  void DataReceived(std::string_view data) override {
    sink_->Append(data);
    if (sink_->size() >= total_) reactor_->Stop();
  }

 private:
  EpollReactor* reactor_;
  size_t total_;
  Sink* sink_;
};

RunResult RunOurs(const Job& job, Sink* sink) {
  EpollReactor reactor;
  SocketPair pair;
  Receiver receiver(&reactor, job, sink);
  Sender sender(job);
  std::unique_ptr<StreamConnection> server, client;
  return Measure([&] {
    auto s = StreamConnection::Adopt(pair.Release(1), &reactor, &receiver);
    auto c = StreamConnection::Adopt(pair.Release(0), &reactor, &sender);
    if (!s.ok() || !c.ok()) std::abort();
    server = *std::move(s);
    client = *std::move(c);
    if (!reactor.Run().ok()) std::abort();
  });
}

// Reads `in` until it is empty (a short read or EAGAIN) into `buffer`,
// giving each read to `sink`; returns the bytes read.
size_t DrainSocket(int in, std::string* buffer, Sink* sink) {
  size_t received = 0;
  while (true) {
    const ssize_t r = ::read(in, buffer->data(), buffer->size());
    if (r < 0) {
      if (errno == EAGAIN) break;
      Die("read");
    }
    if (r == 0) Die("unexpected EOF");
    sink->Append(std::string_view(buffer->data(), r));
    received += static_cast<size_t>(r);
    if (static_cast<size_t>(r) < buffer->size()) break;  // now empty
  }
  return received;
}

// The limit (see the top of the file): writev() of the messages as made.
RunResult RunRaw(const Job& job, Sink* sink) {
  SocketPair pair;
  const int out = pair.fds[0], in = pair.fds[1];
  SetNonBlocking(out);
  SetNonBlocking(in);
  std::vector<iovec> iov(IOV_MAX);
  // Offer at most this much per writev(): more than the socket holds.
  constexpr size_t kMaxOffer = 4 << 20;
  std::string buffer(FileDescriptor::kReadChunkSize, '\0');
  return Measure([&] {
    size_t next = 0;    // message
    size_t offset = 0;  // bytes of message `next` already written
    size_t received = 0;
    while (received < job.total()) {
      while (next < job.count()) {
        size_t n = 0, offered = 0;
        for (size_t i = next;
             i < job.count() && n < iov.size() && offered < kMaxOffer;
             ++i, ++n) {
          std::string_view m = job.Message(i);
          if (i == next) m.remove_prefix(offset);
          iov[n] = {const_cast<char*>(m.data()), m.size()};
          offered += m.size();
        }
        const ssize_t w = ::writev(out, iov.data(), static_cast<int>(n));
        if (w < 0) {
          if (errno == EAGAIN) break;
          Die("writev");
        }
        // Advance past what was taken.
        size_t taken = static_cast<size_t>(w) + offset;
        next += taken / job.size();
        offset = taken % job.size();
        if (static_cast<size_t>(w) < offered) break;  // the socket is full
      }
      received += DrainSocket(in, &buffer, sink);
    }
  });
}

// The limit's other shape: the messages copied into one buffer of up to
// kSendLimit bytes and handed over by write(), as ours does. For small
// messages this beats writev(), whose cost in the kernel grows with the
// number of segments (100-byte messages: ours was 1.17x the writev loop).
RunResult RunRawCopying(const Job& job, Sink* sink) {
  SocketPair pair;
  const int out = pair.fds[0], in = pair.fds[1];
  SetNonBlocking(out);
  SetNonBlocking(in);
  std::string pending;
  pending.reserve(FileDescriptor::kSendLimit + job.size());
  std::string buffer(FileDescriptor::kReadChunkSize, '\0');
  return Measure([&] {
    size_t next = 0;     // the next message to copy
    size_t written = 0;  // bytes of `pending` already written
    size_t received = 0;
    while (received < job.total()) {
      while (true) {
        if (written == pending.size()) {  // refill
          pending.clear();
          written = 0;
          while (next < job.count() &&
                 (pending.empty() ||
                  pending.size() + job.size() <= FileDescriptor::kSendLimit)) {
            pending.append(job.Message(next++));
          }
          if (pending.empty()) break;  // all sent
        }
        const ssize_t w =
            ::write(out, pending.data() + written, pending.size() - written);
        if (w < 0) {
          if (errno == EAGAIN) break;
          Die("write");
        }
        written += static_cast<size_t>(w);
        if (written < pending.size()) break;  // the socket is full
      }
      received += DrainSocket(in, &buffer, sink);
    }
  });
}

// --- libevent 2.1 bufferevents, the reference -------------------------------
//
// Loaded with dlopen() from the runtime library (no headers needed); absent,
// its counters are left out. Same job as ours: one thread, a socketpair, a
// writer that keeps 64 KiB buffered and a reader that copies everything into
// the sink. Its per-call limits are raised to ours (256 KiB reads, 128 KiB
// writes), but 2.1 still reads at most 4 KiB per readv() (EVBUFFER_MAX_READ),
// each after an ioctl(FIONREAD) and an epoll_wait(): hence its ~750
// syscalls per MB.
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
  int (*evbuffer_remove)(void*, void*, size_t);
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
      load(api.evbuffer_remove, "evbuffer_remove");
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
  const Job* job;
  Sink* sink;
  void* base = nullptr;
  void* writer = nullptr;
  std::string buffer = std::string(FileDescriptor::kReadChunkSize, '\0');
  size_t next = 0;

  // Like our streaming producer: write until more than 64 KiB is buffered.
  void Produce() {
    void* out = ev->bufferevent_get_output(writer);
    while (next < job->count() &&
           ev->evbuffer_get_length(out) <= FileDescriptor::kDefaultBufferSize) {
      std::string_view m = job->Message(next++);
      ev->bufferevent_write(writer, m.data(), m.size());
    }
  }
  static void OnWritable(void*, void* ctx) {
    static_cast<LibEventTransfer*>(ctx)->Produce();
  }
  static void OnReadable(void* bev, void* ctx) {
    auto* t = static_cast<LibEventTransfer*>(ctx);
    void* in = t->ev->bufferevent_get_input(bev);
    const int n =
        t->ev->evbuffer_remove(in, t->buffer.data(), t->buffer.size());
    if (n > 0) t->sink->Append(std::string_view(t->buffer.data(), n));
    if (t->sink->size() >= t->job->total())
      t->ev->event_base_loopbreak(t->base);
  }
};

RunResult RunLibEvent(const LibEvent& ev, const Job& job, Sink* sink) {
  SocketPair pair;
  SetNonBlocking(pair.fds[0]);
  SetNonBlocking(pair.fds[1]);
  LibEventTransfer t{&ev, &job, sink};
  t.base = ev.event_base_new();
  t.writer = ev.bufferevent_socket_new(t.base, pair.Release(0),
                                       LibEvent::kCloseOnFree);
  void* reader = ev.bufferevent_socket_new(t.base, pair.Release(1),
                                           LibEvent::kCloseOnFree);
  for (void* bev : {t.writer, reader}) {
    ev.bufferevent_set_max_single_read(bev, FileDescriptor::kReadChunkSize);
    ev.bufferevent_set_max_single_write(bev, FileDescriptor::kSendLimit);
  }
  ev.bufferevent_setcb(t.writer, nullptr, &LibEventTransfer::OnWritable,
                       nullptr, &t);
  ev.bufferevent_setcb(reader, &LibEventTransfer::OnReadable, nullptr, nullptr,
                       &t);
  RunResult result = Measure([&] {
    ev.bufferevent_enable(t.writer, LibEvent::kWrite);
    ev.bufferevent_enable(reader, LibEvent::kRead);
    t.Produce();
    ev.event_base_dispatch(t.base);
  });
  ev.bufferevent_free(t.writer);
  ev.bufferevent_free(reader);
  ev.event_base_free(t.base);
  return result;
}

// --- The benchmarks ----------------------------------------------------------

// The runs of one contender, in iteration order.
struct Tally {
  std::vector<double> seconds;
  Syscalls syscalls;
  void Add(const RunResult& r) {
    seconds.push_back(r.seconds);
    syscalls += r.syscalls;
  }
  double runs() const { return static_cast<double>(seconds.size()); }
  double Median() const { return MedianOf(seconds); }
  double Best() const {
    return *std::min_element(seconds.begin(), seconds.end());
  }
  // The median over iterations of other's time / ours, each pair measured
  // side by side: slow drifts in the machine's load cancel, outliers drop.
  double RatioTo(const Tally& other) const {
    std::vector<double> ratios;
    for (size_t i = 0; i < seconds.size() && i < other.seconds.size(); ++i) {
      ratios.push_back(other.seconds[i] / seconds[i]);
    }
    return MedianOf(ratios);
  }
  static double MedianOf(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  }
};

// Runs ours, the limit and libevent once per iteration (in rotating order,
// so none always goes first), checks each sink outside the timed region and
// reports (see the top of the file). The iteration's time is ours.
void RunJob(benchmark::State& state, const Job& job) {
  Sink sink(job.total());
  const LibEvent* libevent = LibEvent::Get();
  // Sides: 0 ours, 1 the writev() limit, 2 the copying limit, 3 libevent.
  constexpr int kSides = 4;
  Tally tallies[kSides];
  Tally &ours = tallies[0], &reference = tallies[3];
  int turn = 0;
  for (auto _ : state) {
    for (int k = 0; k < kSides; ++k) {
      const int who = (turn + k) % kSides;
      if (who == 3 && libevent == nullptr) continue;
      sink.Reset();
      RunResult r = who == 0   ? RunOurs(job, &sink)
                    : who == 1 ? RunRaw(job, &sink)
                    : who == 2 ? RunRawCopying(job, &sink)
                               : RunLibEvent(*libevent, job, &sink);
      if (std::string error = sink.Check(job); !error.empty()) {
        static const char* names[] = {"ours", "the writev limit",
                                      "the copying limit", "libevent"};
        state.SkipWithError((std::string(names[who]) + ": " + error).c_str());
        return;
      }
      tallies[who].Add(r);
      if (who == 0) state.SetIterationTime(r.seconds);
    }
    ++turn;
  }
  // The limit is whichever of its two shapes was faster here.
  const bool copying_wins = tallies[2].Median() < tallies[1].Median();
  const Tally& limit = tallies[copying_wins ? 2 : 1];
  state.SetLabel(copying_wins ? "limit=copying" : "limit=writev");
  const double mb = static_cast<double>(job.total()) / 1e6;
  auto& c = state.counters;
  state.SetBytesProcessed(static_cast<int64_t>(job.total()) *
                          state.iterations());
  c["MBps"] = mb / ours.Median();
  c["MBps_best"] = mb / ours.Best();
  c["limit_MBps"] = mb / limit.Median();
  c["limit_MBps_best"] = mb / limit.Best();
  c["limit_writev_MBps"] = mb / tallies[1].Median();
  c["limit_copying_MBps"] = mb / tallies[2].Median();
  c["ratio"] = ours.RatioTo(limit);
  c["ratio_best"] = limit.Best() / ours.Best();
  if (reference.runs() > 0) {
    c["libevent_MBps"] = mb / reference.Median();
    c["ratio_vs_libevent"] = ours.RatioTo(reference);
  }
  const SyscallCounter& counter = SyscallCounter::Get();
  if (!counter.available()) {
    static bool told = false;
    if (!told) {
      std::fprintf(stderr, "stream_benchmark: syscalls not counted: %s\n",
                   counter.why_unavailable().c_str());
      told = true;
    }
    return;
  }
  auto per_mb = [&](const Tally& t, Syscalls::Kind kind) {
    return static_cast<double>(t.syscalls.count[kind]) / t.runs() / mb;
  };
  c["syscalls_per_MB"] = per_mb(ours, Syscalls::kAll);
  const std::pair<Syscalls::Kind, const char*> kinds[] = {
      {Syscalls::kEpollWait, "epoll_wait_per_MB"},
      {Syscalls::kEpollCtl, "epoll_ctl_per_MB"},
      {Syscalls::kWrite, "write_per_MB"},
      {Syscalls::kRead, "read_per_MB"},
  };
  for (const auto& [kind, name] : kinds) {
    if (counter.has(kind)) c[name] = per_mb(ours, kind);
  }
  c["limit_syscalls_per_MB"] = per_mb(limit, Syscalls::kAll);
  if (reference.runs() > 0) {
    c["libevent_syscalls_per_MB"] = per_mb(reference, Syscalls::kAll);
  }
}

void BM_StreamBulk64KiB(benchmark::State& state) {
  static const Job job(64 << 10, 4096);
  RunJob(state, job);
}
// Two seconds of our runs: enough iterations for a steady median.
BENCHMARK(BM_StreamBulk64KiB)
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->MinTime(2);

void BM_StreamSmall100B(benchmark::State& state) {
  static const Job job(100, 1'000'000);
  RunJob(state, job);
}
BENCHMARK(BM_StreamSmall100B)
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->MinTime(2);

}  // namespace
}  // namespace standin
