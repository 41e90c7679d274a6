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

void FileDescriptor::StartConnected(bool start_reading) {
  connecting_ = false;
  connected_ = true;
  if (protocol_ != nullptr) protocol_->MakeConnection(this);
  // MakeConnection() may have closed the connection already.
  if (start_reading && connected_ && !disconnecting_) StartReading();
  // Writes made while connecting, or a close asked for meanwhile.
  if (connected_ && (buffered_ > 0 || disconnecting_)) StartWriting();
}

void FileDescriptor::StartReading() {
  reading_ = true;
  reactor_->AddReader(this);
}

void FileDescriptor::StopReading() {
  reading_ = false;
  reactor_->RemoveReader(this);
}

void FileDescriptor::StartWriting() {
  writing_ = true;
  reactor_->AddWriter(write_selectable_);
}

void FileDescriptor::StopWriting() {
  writing_ = false;
  reactor_->RemoveWriter(write_selectable_);
}

void FileDescriptor::DetachFromReactor() {
  StopReading();
  StopWriting();
}

void FileDescriptor::Append(std::string_view data) {
  if (data.size() <= kCoalesceMax && !chunks_.empty() &&
      chunks_.back().size() + data.size() <= kTailChunkLimit) {
    chunks_.back().append(data);
  } else {
    std::string chunk;
    if (!spare_.empty() || spare_.capacity() > 0) {
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
  }
  buffered_ += data.size();
}

void FileDescriptor::MaybePauseProducer() {
  if (producer_ != nullptr && streaming_ && !producer_paused_ &&
      buffered_ > buffer_size_) {
    producer_paused_ = true;
    producer_->PauseProducing();
  }
}

void FileDescriptor::Write(std::string_view data) {
  if (!(connected_ || connecting_) || write_disconnected_ || aborting_ ||
      data.empty()) {
    return;
  }
  if (write_through_ && connected_ && buffered_ == 0 &&
      data.size() > kWriteThroughMin && deferred_error_.ok()) {
    struct iovec iov;
    iov.iov_base = const_cast<char*>(data.data());
    iov.iov_len = data.size();
    ++write_calls_;
    absl::StatusOr<size_t> written =
        WriteSomeData(absl::Span<const struct iovec>(&iov, 1));
    if (!written.ok()) {
      // Not from inside the protocol's call: DoWrite() reports it.
      deferred_error_ = written.status();
      StartWriting();
      return;
    }
    data.remove_prefix(std::min(*written, data.size()));
    if (data.empty()) return;
  }
  Append(data);
  MaybePauseProducer();
  if (!writing_) StartWriting();
}

void FileDescriptor::WriteSequence(absl::Span<const std::string_view> chunks) {
  if (!(connected_ || connecting_) || write_disconnected_ || aborting_) return;
  size_t before = buffered_;
  for (std::string_view chunk : chunks) {
    if (!chunk.empty()) Append(chunk);
  }
  if (buffered_ == before) return;
  MaybePauseProducer();
  if (!writing_) StartWriting();
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

absl::Status FileDescriptor::DoWrite() {
  if (disconnected_ || aborting_) return absl::OkStatus();
  if (!deferred_error_.ok()) return std::exchange(deferred_error_, {});
  if (buffered_ > 0) {
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
    ++write_calls_;
    absl::StatusOr<size_t> written =
        WriteSomeData(absl::Span<const struct iovec>(iov, count));
    if (!written.ok()) return written.status();
    Consume(std::min(*written, total));
  }
  if (buffered_ == 0) {
    StopWriting();
    if (producer_ != nullptr && (!streaming_ || producer_paused_)) {
      producer_paused_ = false;
      producer_->ResumeProducing();
    } else if (disconnecting_) {
      return PostLoseConnection();
    } else if (write_disconnecting_ && !write_disconnected_) {
      // Set first: CloseWriteConnection() may lead to LoseConnection(),
      // which must see the write side closed.
      write_disconnected_ = true;
      return CloseWriteConnection();
    }
  }
  return absl::OkStatus();
}

absl::Status FileDescriptor::PostLoseConnection() { return ConnectionDone(); }

void FileDescriptor::ConnectionLost(const absl::Status& reason) {
  if (disconnected_) return;
  disconnected_ = true;
  connected_ = false;
  connecting_ = false;
  abort_call_.Cancel();
  if (producer_ != nullptr) {
    Producer* producer = producer_;
    producer_ = nullptr;
    producer_paused_ = false;
    producer->StopProducing();
  }
  StopReading();
  StopWriting();
  chunks_.clear();
  front_offset_ = 0;
  buffered_ = 0;
  CloseDescriptor();
  HandleConnectionLost(reason);  // May destroy this; touch nothing after.
}

void FileDescriptor::LoseConnection() {
  if (connecting_ && !disconnecting_) {
    // Close once connected and flushed (StartConnected() won't read).
    disconnecting_ = true;
    return;
  }
  if (!connected_ || disconnecting_) return;
  if (write_disconnected_) {
    // DoWrite() will not finish the close any more; do it now.
    StopReading();
    StopWriting();
    ConnectionLost(ConnectionDone());
    return;
  }
  StopReading();
  StartWriting();
  disconnecting_ = true;
}

void FileDescriptor::LoseWriteConnection() {
  if (!connected_ || write_disconnecting_) return;
  write_disconnecting_ = true;
  StartWriting();
}

void FileDescriptor::AbortConnection() {
  if (disconnected_ || aborting_) return;
  aborting_ = true;
  disconnecting_ = true;
  StopReading();
  StopWriting();
  chunks_.clear();
  front_offset_ = 0;
  buffered_ = 0;
  abort_call_ = reactor_->CallLater(
      absl::ZeroDuration(), [this] { ConnectionLost(ConnectionAborted()); });
}

void FileDescriptor::StopConsuming() {
  UnregisterProducer();
  LoseConnection();
}

absl::Status FileDescriptor::RegisterProducer(Producer* producer,
                                              bool streaming) {
  if (producer_ != nullptr) {
    return absl::FailedPreconditionError("Cannot register two producers");
  }
  if (disconnected_) {
    producer->StopProducing();
    return absl::OkStatus();
  }
  producer_ = producer;
  streaming_ = streaming;
  producer_paused_ = false;
  if (!streaming) producer->ResumeProducing();
  return absl::OkStatus();
}

void FileDescriptor::UnregisterProducer() {
  producer_ = nullptr;
  producer_paused_ = false;
  if (connected_ && disconnecting_ && !aborting_) StartWriting();
}

void FileDescriptor::PauseProducing() { StopReading(); }

void FileDescriptor::ResumeProducing() {
  if (connected_ && !disconnecting_) StartReading();
}

void FileDescriptor::StopProducing() { LoseConnection(); }

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
  if (n == 0) return ConnectionDone();
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
