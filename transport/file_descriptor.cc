#include "standin/transport/file_descriptor.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "standin/transport/status.h"

namespace standin {
namespace {

// Writes up to this size are coalesced into the tail chunk of the buffer;
// bigger ones get a chunk of their own (one copy either way).
constexpr size_t kCoalesceMax = 8 * 1024;
// A coalescing tail chunk stops growing here, so a flush can start on a
// whole chunk and drained chunks are recycled at a sensible size.
constexpr size_t kTailChunkLimit = 64 * 1024;
// A fresh coalescing chunk starts this big (an idle connection with a few
// small writes should not hold 64 KiB).
constexpr size_t kInitialTailChunk = 4 * 1024;
// iovec entries per flush; kSendLimit bytes in coalesced chunks need far
// fewer.
constexpr size_t kMaxIov = 64;

}  // namespace

FileDescriptor::FileDescriptor(Reactor* reactor, Protocol* protocol)
    : reactor_(reactor), protocol_(protocol) {
  if (reactor_ == nullptr) {
    std::fprintf(stderr, "FileDescriptor: a Reactor is required\n");
    std::abort();
  }
}

FileDescriptor::~FileDescriptor() {
  abort_call_.Cancel();
  DetachFromReactor();
}

// --- Registration ------------------------------------------------------------

void FileDescriptor::StartConnected(bool start_reading) {
  state_ = State::kConnected;
  // Reading starts before the protocol hears of the connection (Twisted's
  // Server.__init__ and Client._connectDone), so a PauseProducing() from
  // ConnectionMade() holds. A close asked for while connecting skips it.
  if (start_reading && closing_ == Closing::kNo) StartReading();
  // Writes made while connecting, or a close asked for meanwhile.
  if (buffered_ > 0 || closing_ == Closing::kAfterFlush ||
      write_side_ == Side::kClosing) {
    WantWrite();
  }
  if (protocol_ != nullptr) protocol_->MakeConnection(this);  // Last act.
}

void FileDescriptor::StartReading() { reactor_->AddReader(this); }

void FileDescriptor::StopReading() { reactor_->RemoveReader(this); }

void FileDescriptor::StartWriting() {
  writer_ = Writer::kOn;
  reactor_->AddWriter(write_selectable_);
}

void FileDescriptor::StopWriting() {
  writer_ = Writer::kOff;
  reactor_->RemoveWriter(write_selectable_);
}

void FileDescriptor::WantWrite() {
  if (writer_ == Writer::kOff) {
    StartWriting();
  } else {
    writer_ = Writer::kOn;  // kIdle: still registered, no syscall needed.
  }
}

void FileDescriptor::DetachFromReactor() {
  StopReading();
  StopWriting();
}

// --- Writing -----------------------------------------------------------------

bool FileDescriptor::AcceptsWrites() const {
  return (state_ == State::kConnected || state_ == State::kConnecting) &&
         closing_ != Closing::kAbort && write_side_ != Side::kClosed;
}

inline bool FileDescriptor::JoinTail(std::string_view data) {
  if (data.size() > kCoalesceMax || chunks_.empty() ||
      chunks_.back().size() + data.size() > kTailChunkLimit) {
    return false;
  }
  chunks_.back().append(data);
  buffered_ += data.size();
  return true;
}

void FileDescriptor::Append(std::string_view data) {
  if (JoinTail(data)) return;
  std::string chunk;
  if (spare_.capacity() > 0) {
    chunk = std::move(spare_);
    spare_ = std::string();
    chunk.clear();
  }
  if (data.size() <= kCoalesceMax) {
    // Room for the small writes that follow; append() doubles from here
    // up to kTailChunkLimit.
    chunk.reserve(kInitialTailChunk);
  }
  chunk.append(data);
  chunks_.push_back(std::move(chunk));
  buffered_ += data.size();
}

absl::StatusOr<size_t> FileDescriptor::Send(
    absl::Span<const struct iovec> chunks) {
  ++write_calls_;
  size_t offered = 0;
  for (const struct iovec& chunk : chunks) offered += chunk.iov_len;
  absl::StatusOr<size_t> written = WriteSomeData(chunks);
  if (written.ok() && *written < offered) os_full_ = true;
  return written;
}

absl::Status FileDescriptor::FlushOnce() {
  struct iovec iov[kMaxIov];
  size_t count = 0;
  size_t total = 0;
  size_t offset = front_offset_;
  for (auto it = chunks_.begin();
       it != chunks_.end() && count < kMaxIov && total < kSendLimit; ++it) {
    size_t len = std::min(it->size() - offset, kSendLimit - total);
    iov[count].iov_base = const_cast<char*>(it->data() + offset);
    iov[count].iov_len = len;
    ++count;
    total += len;
    offset = 0;
  }
  absl::StatusOr<size_t> written =
      Send(absl::Span<const struct iovec>(iov, count));
  if (!written.ok()) return written.status();
  Consume(std::min(*written, total));
  return absl::OkStatus();
}

void FileDescriptor::FlushEagerly() {
  if (!eager_writes_ || buffered_ == 0 || state_ != State::kConnected ||
      os_full_ || !deferred_error_.ok()) {
    return;
  }
  // Not from inside the protocol's call: DoWrite() reports a failure.
  deferred_error_ = FlushOnce();
}

void FileDescriptor::AfterWrite() {
  if (producer_ != nullptr && producer_mode_ == ProducerMode::kPush &&
      buffered_ > buffer_size_) {
    producer_mode_ = ProducerMode::kPushPaused;
    producer_->PauseProducing();
  }
  // Twisted's write() always starts writing. Skipping it is the same only
  // when DoWrite() would have nothing to do but stop: an empty buffer, no
  // producer waiting for the drain, no pending close or error.
  if (buffered_ > 0 || !deferred_error_.ok() ||
      (producer_ != nullptr && producer_mode_ != ProducerMode::kPush) ||
      closing_ == Closing::kAfterFlush || write_side_ == Side::kClosing) {
    WantWrite();
  }
}

void FileDescriptor::Write(std::string_view data) {
  // The common case of a stream of small writes, first and in line: bytes
  // already wait, so this one joins the tail chunk; no flush, write-through
  // or pause is due. Exactly what the general path below would do, less its
  // calls (stream_benchmark, 100-byte writes: 0.67x -> 0.71x the limit).
  if (buffered_ > 0 && !data.empty() &&
      buffered_ + data.size() <= buffer_size_ && AcceptsWrites() &&
      JoinTail(data)) {
    WantWrite();
    return;
  }
  if (data.empty() || !AcceptsWrites()) return;
  const bool queued_ahead = buffered_ > 0;
  if (buffered_ + data.size() > buffer_size_) FlushEagerly();
  if (eager_writes_ && !queued_ahead && state_ == State::kConnected &&
      data.size() > kWriteThroughMin && !os_full_ && deferred_error_.ok()) {
    // Write-through: nothing is queued ahead, so the OS may take it from
    // the caller's memory; only what it leaves is copied.
    struct iovec iov;
    iov.iov_base = const_cast<char*>(data.data());
    iov.iov_len = data.size();
    absl::StatusOr<size_t> written =
        Send(absl::Span<const struct iovec>(&iov, 1));
    if (written.ok()) {
      data.remove_prefix(std::min(*written, data.size()));
    } else {
      deferred_error_ = written.status();
    }
  }
  if (!data.empty()) Append(data);
  AfterWrite();
}

void FileDescriptor::WriteSequence(absl::Span<const std::string_view> chunks) {
  if (!AcceptsWrites()) return;
  size_t total = 0;
  for (std::string_view chunk : chunks) total += chunk.size();
  if (total == 0) return;
  if (buffered_ + total > buffer_size_) FlushEagerly();
  for (std::string_view chunk : chunks) {
    if (!chunk.empty()) Append(chunk);
  }
  AfterWrite();
}

void FileDescriptor::Consume(size_t n) {
  buffered_ -= n;
  while (n > 0) {
    std::string& front = chunks_.front();
    size_t left = front.size() - front_offset_;
    if (n < left) {
      front_offset_ += n;
      return;
    }
    n -= left;
    front_offset_ = 0;
    // Keep one drained chunk's allocation for the next Append(): a steady
    // stream then allocates nothing (and glibc does not mmap/munmap 64 KiB
    // blocks per flush).
    if (front.capacity() <= 2 * kTailChunkLimit &&
        front.capacity() > spare_.capacity()) {
      spare_ = std::move(front);
    }
    chunks_.pop_front();
  }
}

void FileDescriptor::ClearBuffer() {
  chunks_.clear();
  front_offset_ = 0;
  buffered_ = 0;
}

absl::Status FileDescriptor::DoWrite() {
  if (state_ == State::kDisconnected || closing_ == Closing::kAbort) {
    return absl::OkStatus();
  }
  os_full_ = false;  // The reactor says the OS has room again.
  if (writer_ == Writer::kIdle) {
    // Nothing was written (nor a close asked for) since the producer was
    // resumed: Twisted would have stopped writing before resuming it.
    StopWriting();
    return absl::OkStatus();
  }
  if (!deferred_error_.ok()) return std::exchange(deferred_error_, {});
  if (buffered_ > 0) {
    if (absl::Status status = FlushOnce(); !status.ok()) return status;
    if (buffered_ > 0) return absl::OkStatus();
  }
  // Drained. A producer that supplies more comes first (Twisted's order).
  if (producer_ != nullptr && producer_mode_ != ProducerMode::kPush) {
    if (producer_mode_ == ProducerMode::kPushPaused) {
      producer_mode_ = ProducerMode::kPush;
    }
    // Resume first and stay registered: a producer that refills the
    // buffer keeps us writing with no epoll_ctl pair per refill; one that
    // does not leaves us idle, and the next DoWrite() stops writing.
    writer_ = Writer::kIdle;
    producer_->ResumeProducing();  // Last act: it may end the connection.
    return absl::OkStatus();
  }
  StopWriting();
  if (closing_ == Closing::kAfterFlush) return ConnectionDone();
  if (write_side_ == Side::kClosing) return CloseWriteSide();
  return absl::OkStatus();
}

absl::Status FileDescriptor::CloseWriteSide() {
  // Set first: the hook or the protocol may call LoseConnection(), which
  // must see the write side closed.
  write_side_ = Side::kClosed;
  if (absl::Status status = CloseWriteConnection(); !status.ok()) {
    return status;
  }
  if (HalfCloseableProtocol* protocol = half_closeable_protocol()) {
    std::weak_ptr<char> alive = alive_;
    protocol->WriteConnectionLost();
    if (alive.expired() || state_ == State::kDisconnected) {
      return absl::OkStatus();
    }
  }
  // Both directions done: the connection ends.
  if (read_side_ == Side::kClosed) return ConnectionDone();
  return absl::OkStatus();
}

// --- Ending ------------------------------------------------------------------

void FileDescriptor::ConnectionLost(const absl::Status& reason) {
  if (state_ == State::kDisconnected) return;
  state_ = State::kDisconnected;
  abort_call_.Cancel();
  if (producer_ != nullptr) {
    Producer* producer = std::exchange(producer_, nullptr);
    producer->StopProducing();
  }
  StopReading();
  StopWriting();
  ClearBuffer();
  deferred_error_ = absl::OkStatus();
  CloseDescriptor();
  HandleConnectionLost(reason);  // May destroy this; touch nothing after.
}

void FileDescriptor::LoseConnection() {
  if (closing_ != Closing::kNo) return;
  if (state_ == State::kConnecting) {
    // Close once connected and flushed (StartConnected() won't read).
    closing_ = Closing::kAfterFlush;
    return;
  }
  if (state_ != State::kConnected) return;
  if (write_side_ == Side::kClosed) {
    // DoWrite() will not finish the close any more; do it now (Twisted).
    ConnectionLost(ConnectionDone());
    return;
  }
  closing_ = Closing::kAfterFlush;
  StopReading();
  WantWrite();
}

void FileDescriptor::LoseWriteConnection() {
  if (write_side_ != Side::kOpen || closing_ != Closing::kNo) return;
  if (state_ != State::kConnected && state_ != State::kConnecting) return;
  write_side_ = Side::kClosing;
  // While connecting, StartConnected() starts writing.
  if (state_ == State::kConnected) WantWrite();
}

void FileDescriptor::AbortConnection() {
  if (state_ == State::kDisconnected || closing_ == Closing::kAbort) return;
  closing_ = Closing::kAbort;
  StopReading();
  StopWriting();
  ClearBuffer();
  deferred_error_ = absl::OkStatus();
  abort_call_ = reactor_->CallLater(
      absl::ZeroDuration(), [this] { ConnectionLost(ConnectionAborted()); });
}

void FileDescriptor::StopConsuming() {
  UnregisterProducer();
  LoseConnection();
}

// --- Producers ---------------------------------------------------------------

absl::Status FileDescriptor::RegisterProducer(Producer* producer,
                                              bool streaming) {
  if (producer_ != nullptr) {
    return absl::FailedPreconditionError("Cannot register two producers");
  }
  if (state_ == State::kDisconnected) {
    producer->StopProducing();
    return absl::OkStatus();
  }
  producer_ = producer;
  producer_mode_ = streaming ? ProducerMode::kPush : ProducerMode::kPull;
  if (!streaming) producer->ResumeProducing();
  return absl::OkStatus();
}

void FileDescriptor::UnregisterProducer() {
  producer_ = nullptr;
  producer_mode_ = ProducerMode::kPush;
  // A close that waited for the producer can finish now.
  if (state_ == State::kConnected &&
      (closing_ == Closing::kAfterFlush || write_side_ == Side::kClosing)) {
    WantWrite();
  }
}

void FileDescriptor::PauseProducing() { StopReading(); }

void FileDescriptor::ResumeProducing() {
  if (state_ == State::kConnected && closing_ == Closing::kNo &&
      read_side_ == Side::kOpen) {
    StartReading();
  }
}

void FileDescriptor::StopProducing() { LoseConnection(); }

// --- Hooks' defaults and reading ---------------------------------------------

absl::StatusOr<size_t> FileDescriptor::WriteSomeData(
    absl::Span<const struct iovec> /*chunks*/) {
  std::fprintf(stderr,
               "FileDescriptor: this subclass does not implement "
               "WriteSomeData() but buffered a write\n");
  std::abort();
}

void FileDescriptor::HandleDataReceived(std::string_view data) {
  if (protocol_ != nullptr) protocol_->DataReceived(data);
}

void FileDescriptor::HandleConnectionLost(const absl::Status& reason) {
  if (protocol_ != nullptr) protocol_->ConnectionLost(reason);
}

HalfCloseableProtocol* FileDescriptor::half_closeable_protocol() const {
  return dynamic_cast<HalfCloseableProtocol*>(protocol_);
}

absl::Status FileDescriptor::ReadConnectionLost() {
  HalfCloseableProtocol* protocol = half_closeable_protocol();
  if (protocol == nullptr) return ConnectionDone();
  read_side_ = Side::kClosed;
  StopReading();  // Level-triggered EOF would wake us forever.
  std::weak_ptr<char> alive = alive_;
  protocol->ReadConnectionLost();
  if (alive.expired() || state_ == State::kDisconnected) {
    return absl::OkStatus();
  }
  // Both directions done: the connection ends.
  if (write_side_ == Side::kClosed) return ConnectionDone();
  return absl::OkStatus();
}

absl::Status FileDescriptor::ReadChunk(int fd) {
  // One read buffer per thread, not per descriptor (thousands of idle
  // connections cost nothing). A read nested inside another's
  // DataReceived() (a test firing a reader from a callback) gets its own.
  thread_local std::string shared_buffer;
  thread_local bool shared_in_use = false;
  std::string nested_buffer;
  std::string& buffer = shared_in_use ? nested_buffer : shared_buffer;
  if (buffer.size() < kReadChunkSize) buffer.resize(kReadChunkSize);
  ssize_t n = ::read(fd, buffer.data(), buffer.size());
  if (n > 0) {
    // Marks the shared buffer busy for the call, even if it throws.
    struct InUse {
      bool* flag;
      ~InUse() {
        if (flag != nullptr) *flag = false;
      }
    } guard{&buffer == &shared_buffer ? &shared_in_use : nullptr};
    if (guard.flag != nullptr) *guard.flag = true;
    // The protocol may destroy this from DataReceived(); touch no member
    // afterwards.
    HandleDataReceived(std::string_view(buffer.data(), n));
    return absl::OkStatus();
  }
  if (n == 0) return ReadConnectionLost();
  int err = errno;
  if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) {
    return absl::OkStatus();
  }
  return standin::ConnectionLost("read", err);
}

absl::StatusOr<size_t> FileDescriptor::WritevNonBlocking(
    int fd, absl::Span<const struct iovec> chunks) {
  // Block SIGPIPE for this thread around the write; if the write raised one
  // (and none was pending before), take it off the pending set again.
  sigset_t sigpipe;
  sigemptyset(&sigpipe);
  sigaddset(&sigpipe, SIGPIPE);
  sigset_t pending;
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  sigset_t old_mask;
  pthread_sigmask(SIG_BLOCK, &sigpipe, &old_mask);
  ssize_t n;
  int err = 0;
  do {
    n = ::writev(fd, chunks.data(), static_cast<int>(chunks.size()));
    err = n < 0 ? errno : 0;
  } while (n < 0 && err == EINTR);
  if (err == EPIPE && !was_pending) {
    const struct timespec zero = {0, 0};
    while (sigtimedwait(&sigpipe, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  if (n >= 0) return static_cast<size_t>(n);
  if (err == EAGAIN || err == EWOULDBLOCK) return size_t{0};
  return standin::ConnectionLost("writev", err);
}

absl::StatusOr<size_t> FileDescriptor::SendmsgNoSignal(
    int fd, absl::Span<const struct iovec> chunks) {
  struct msghdr msg = {};
  msg.msg_iov = const_cast<struct iovec*>(chunks.data());
  msg.msg_iovlen = chunks.size();
  for (;;) {
    ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) return static_cast<size_t>(n);
    int err = errno;
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) return size_t{0};
    return standin::ConnectionLost("sendmsg", err);
  }
}

}  // namespace standin
