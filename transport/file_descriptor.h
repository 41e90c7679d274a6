// FileDescriptor: the machinery every real descriptor-backed transport shares
// (Twisted's abstract.FileDescriptor), as a base class.
//
// It is a Selectable (the reactor calls DoRead/DoWrite), a Transport (the
// protocol writes to it) and a push Producer (whoever consumes our reads can
// pause us). It owns the user-space write buffer, flushes it with vectored
// writes of at most kSendLimit bytes per turn, pauses a streaming producer
// when more than buffer_size() bytes wait and resumes it when they drain,
// resumes a pull producer each time the buffer drains, and closes after the
// flush on LoseConnection() (or half-closes on LoseWriteConnection()).
// Subclasses supply the descriptor and the syscalls through the hooks below;
// StreamConnection (sockets), process pipe ends and TuntapPort are subclasses.
//
// Example (a read/write pipe-like descriptor):
//
//   class MyPipe : public standin::FileDescriptor {
//    public:
//     MyPipe(int fd, standin::Reactor* r, standin::Protocol* p)
//         : FileDescriptor(r, p), fd_(fd) { StartConnected(); }
//     ~MyPipe() override { DetachFromReactor(); CloseDescriptor(); }
//     int fileno() const override { return fd_; }
//     absl::Status DoRead() override { return ReadChunk(fd_); }
//     standin::Address GetHost() const override { return {}; }
//     standin::Address GetPeer() const override { return {}; }
//    protected:
//     absl::StatusOr<size_t> WriteSomeData(
//         absl::Span<const struct iovec> chunks) override {
//       return WritevNonBlocking(fd_, chunks);
//     }
//     void CloseDescriptor() override {
//       if (fd_ >= 0) ::close(fd_);
//       fd_ = -1;
//     }
//    private:
//     int fd_;
//   };
//
// Which hooks each kind of subclass uses:
//   stream socket  DoRead() = ReadChunk(); WriteSomeData() = SendmsgNoSignal();
//                  CloseWriteConnection() = shutdown(SHUT_WR);
//                  CloseDescriptor().
//   write-only fd  (a pipe to a child's stdin) WriteSomeData() =
//                  WritevNonBlocking(); CloseWriteConnection() returns
//                  ConnectionDone() (closing the write side is the end); watch
//                  it for reading too if you want epoll's EPOLLERR when the
//                  reader goes away (DoRead() then returns ConnectionDone()).
//   read-only fd   (a pipe from a child's stdout) DoRead() = ReadChunk() with
//                  HandleDataReceived() routed to the owner; it never becomes
//                  writable, so override LoseConnection() to close without
//                  waiting for a flush (e.g. AbortConnection()).
//   datagrams      (TuntapPort) override Write()/WriteSequence() to send each
//                  datagram at once, unbuffered; WriteSomeData() is unused.
//   pipe pair      set_write_selectable() to a Selectable for the write fd.
// HandleConnectionLost() routes the end of the connection wherever it belongs
// (by default, the protocol).
//
// Lifetime: the protocol may destroy the FileDescriptor from inside its
// ConnectionLost() (that call is the last thing the FileDescriptor does).
// Destroying a still-connected FileDescriptor removes it from the reactor and
// does not call the protocol.
#ifndef STANDIN_TRANSPORT_FILE_DESCRIPTOR_H_
#define STANDIN_TRANSPORT_FILE_DESCRIPTOR_H_

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "standin/transport/interfaces.h"
#include "standin/transport/reactor.h"
#include "standin/transport/timer_queue.h"

namespace standin {

class FileDescriptor : public Selectable,
                       public virtual Transport,
                       public Producer {
 public:
  // At most this many bytes are handed to WriteSomeData() per DoWrite()
  // (Twisted's SEND_LIMIT): bounds one turn's work and keeps the loop fair.
  static constexpr size_t kSendLimit = 128 * 1024;
  // The default buffer_size(): a streaming producer is paused once more than
  // this many bytes are buffered.
  static constexpr size_t kDefaultBufferSize = 64 * 1024;
  // Writes larger than this may be written through (see Write()); smaller
  // ones are coalesced into the buffer.
  static constexpr size_t kWriteThroughMin = 8 * 1024;
  // The most bytes ReadChunk() asks the OS for per DoRead().
  static constexpr size_t kReadChunkSize = 256 * 1024;

  // `reactor` must outlive this object. `protocol` (may be null, or set later
  // with set_protocol()) receives DataReceived() from ReadChunk() and
  // ConnectionLost() once, through the default hooks.
  explicit FileDescriptor(Reactor* reactor, Protocol* protocol = nullptr);
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  // Removes this from the reactor (readers and writers) and cancels a pending
  // abort notification. Does not close anything: subclasses close their fd.
  ~FileDescriptor() override;

  // --- Selectable -------------------------------------------------------
  // fileno() and DoRead() are the subclass's. DoWrite() flushes the buffer
  // (up to kSendLimit bytes) through WriteSomeData(); when it drains it stops
  // writing, resumes the producer, or finishes a LoseConnection() (returns
  // PostLoseConnection()) or a LoseWriteConnection() (CloseWriteConnection()).
  absl::Status DoWrite() override;
  // Ends the connection (idempotent: only the first call has effect): marks
  // disconnected, stops the producer, stops reading and writing, drops the
  // buffer, then calls CloseDescriptor() and finally
  // HandleConnectionLost(reason). The reactor calls this when DoRead() or
  // DoWrite() fails; subclasses may call it too.
  void ConnectionLost(const absl::Status& reason) override;

  // --- Consumer / Transport ---------------------------------------------
  // Buffers `data` and asks the reactor for writability. Dropped silently
  // when not connected, after LoseWriteConnection() has completed or once
  // disconnected (Twisted). Small writes are always buffered (and coalesced)
  // so many small writes cost one syscall; with write-through enabled (see
  // set_write_through()) a large write (over kWriteThroughMin bytes) made
  // while nothing is buffered goes to WriteSomeData() at once and only the
  // rest is buffered. Errors are never reported from inside Write(): they
  // end the connection from the next DoWrite().
  void Write(std::string_view data) override;
  // Like one Write() per chunk.
  void WriteSequence(absl::Span<const std::string_view> chunks) override;
  // Stops reading; closes once the buffer is flushed (and any registered
  // producer has been unregistered: a pull producer is resumed when the
  // buffer drains, so the connection stays open while it is registered).
  // A no-op when already disconnecting or not connected; while connecting,
  // the close happens once connected and flushed. If the write side is
  // already closed, the connection ends now with ConnectionDone().
  void LoseConnection() override;
  // FailedPrecondition "Cannot register two producers" when one is
  // registered. When already disconnected the producer is stopped at once.
  // A pull producer is resumed immediately.
  absl::Status RegisterProducer(Producer* producer, bool streaming) override;
  // Forgets the producer; if LoseConnection() is pending, writing restarts so
  // the close can complete.
  void UnregisterProducer() override;

  // Half-close: once the buffer is flushed, CloseWriteConnection() runs (for
  // a socket, shutdown(SHUT_WR)); later writes are dropped. Reading goes on.
  void LoseWriteConnection();
  // Closes at once without flushing: buffered data is dropped and the
  // protocol's ConnectionLost(ConnectionAborted()) runs on the next reactor
  // turn (CallLater(0)), never inside this call (Twisted's abortConnection).
  void AbortConnection();
  // The producer we consume from is done with us: UnregisterProducer() and
  // LoseConnection() (Twisted's stopConsuming).
  void StopConsuming();

  // --- Producer (we produce what we read) --------------------------------
  // Stops reading until ResumeProducing().
  void PauseProducing() override;
  // Starts reading again, if connected and not disconnecting.
  void ResumeProducing() override;
  // LoseConnection().
  void StopProducing() override;

  // Start/stop watching for readability/writability. FileDescriptor
  // remembers whether it is a writer and skips redundant AddWriter() calls
  // on the hot Write() path, so after Reactor::RemoveAll() re-add it
  // explicitly with these.
  void StartReading();
  void StopReading();
  void StartWriting();
  void StopWriting();

  // --- State ----------------------------------------------------------------
  bool connected() const { return connected_; }
  // BeginConnecting() was called and StartConnected() not yet: writes are
  // buffered and go out once connected.
  bool connecting() const { return connecting_; }
  bool disconnecting() const { return disconnecting_; }
  bool disconnected() const { return disconnected_; }
  // AbortConnection() was called (CloseDescriptor() may close abruptly).
  bool aborting() const { return aborting_; }
  // LoseWriteConnection() was called / has completed.
  bool write_disconnecting() const { return write_disconnecting_; }
  bool write_disconnected() const { return write_disconnected_; }
  // The pause watermark for a streaming producer.
  size_t buffer_size() const { return buffer_size_; }
  void set_buffer_size(size_t bytes) { buffer_size_ = bytes; }
  // Bytes written by the protocol and not yet accepted by the OS.
  size_t buffered_bytes() const { return buffered_; }
  // WriteSomeData() calls so far (each one write syscall for a stream):
  // proves writes are coalesced, and benchmarks report syscalls per MiB.
  uint64_t write_calls() const { return write_calls_; }
  Producer* producer() const { return producer_; }
  bool streaming_producer() const { return streaming_; }
  // We paused our streaming producer and have not resumed it yet.
  bool producer_paused() const { return producer_paused_; }
  Reactor* reactor() const { return reactor_; }
  Protocol* protocol() const { return protocol_; }
  void set_protocol(Protocol* protocol) { protocol_ = protocol; }

 protected:
  // --- Hooks for subclasses ---------------------------------------------
  // Marks the descriptor connected, calls the protocol's MakeConnection(this)
  // (when a protocol is set) and starts reading. Call once the fd is usable.
  // `start_reading` false suits a write-only descriptor.
  void StartConnected(bool start_reading = true);

  // The descriptor is still being connected (a non-blocking connect()):
  // writes made meanwhile are buffered, in order, ahead of anything the
  // protocol writes from ConnectionMade(). StartConnected() ends it.
  void BeginConnecting() { connecting_ = true; }

  // Lets large writes skip the buffer when it is empty (off by default, so
  // every write waits for the reactor as in Twisted). StreamConnection turns
  // it on: it saves a copy and a loop turn per large write.
  void set_write_through(bool on) { write_through_ = on; }

  // Writes as much of `chunks` (in order, together at most kSendLimit
  // bytes) as the OS takes now. Returns the number of bytes written (0 when
  // it would block), or a non-OK status that ends the connection (e.g.
  // ConnectionLost(..., EPIPE)). Stream subclasses use WritevNonBlocking().
  // A datagram-oriented subclass (TuntapPort) overrides Write() and
  // WriteSequence() instead, so this is never called; the default dies.
  virtual absl::StatusOr<size_t> WriteSomeData(
      absl::Span<const struct iovec> chunks);

  // Delivers bytes read; the default calls protocol()->DataReceived(data).
  // A process pipe reader overrides it to call ChildDataReceived(fd, data).
  virtual void HandleDataReceived(std::string_view data);

  // Called last in ConnectionLost(); the default calls
  // protocol()->ConnectionLost(reason) when a protocol is set. This object
  // may be destroyed inside it.
  virtual void HandleConnectionLost(const absl::Status& reason);

  // Releases the OS descriptor; called once from ConnectionLost(), after
  // reading and writing stopped and before HandleConnectionLost(). Default:
  // nothing (the subclass closes in its destructor).
  virtual void CloseDescriptor() {}

  // The buffer drained after LoseConnection(): what DoWrite() returns, which
  // the reactor passes to ConnectionLost(). Default ConnectionDone().
  virtual absl::Status PostLoseConnection();

  // The buffer drained after LoseWriteConnection(): close our sending
  // direction (a socket shuts down SHUT_WR; a write-only pipe returns
  // ConnectionDone() to close entirely). A non-OK result ends the
  // connection. Default: OK, nothing.
  virtual absl::Status CloseWriteConnection() { return absl::OkStatus(); }

  // One read of at most kReadChunkSize bytes from `fd` into the protocol
  // (through HandleDataReceived()). EAGAIN/EINTR → OK with nothing
  // delivered; EOF → ConnectionDone(); an error → ConnectionLost with the
  // errno (ECONNRESET and friends). The usual body of a DoRead().
  absl::Status ReadChunk(int fd);

  // writev() on a non-blocking fd (a pipe): bytes written, 0 on EAGAIN
  // (EINTR is retried), ConnectionLost(errno) on error. SIGPIPE is blocked
  // around the call and a SIGPIPE it raised is consumed, so a closed reader
  // is an EPIPE status, never a signal. Sockets use SendmsgNoSignal(), which
  // needs no signal-mask syscalls.
  static absl::StatusOr<size_t> WritevNonBlocking(
      int fd, absl::Span<const struct iovec> chunks);
  // sendmsg(MSG_NOSIGNAL | MSG_DONTWAIT) for sockets: EPIPE is a status,
  // never a signal. Same results as WritevNonBlocking().
  static absl::StatusOr<size_t> SendmsgNoSignal(
      int fd, absl::Span<const struct iovec> chunks);

  // Removes this from the reactor as reader and writer. Subclass destructors
  // call it before closing their fd, so the reactor never sees a stale fd.
  void DetachFromReactor();

  // For a descriptor that writes to a different fd than it reads (a pipe
  // pair): StartWriting()/StopWriting() register `writer` instead of this.
  // `writer`'s fileno() is the write fd, its DoWrite() calls this->DoWrite()
  // and its ConnectionLost() calls this->ConnectionLost(). Set it before
  // anything is written; it must live as long as this.
  void set_write_selectable(Selectable* writer) { write_selectable_ = writer; }

 private:
  // Appends without pausing/starting (shared by Write and WriteSequence).
  void Append(std::string_view data);
  void MaybePauseProducer();
  // Drops `n` flushed bytes from the front of the buffer.
  void Consume(size_t n);

  Reactor* reactor_;
  Protocol* protocol_;
  Selectable* write_selectable_ = this;

  bool connected_ = false;
  bool connecting_ = false;
  bool disconnecting_ = false;
  bool disconnected_ = false;
  bool write_disconnecting_ = false;
  bool write_disconnected_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool aborting_ = false;
  bool write_through_ = false;
  // A write-through failure, reported by the next DoWrite().
  absl::Status deferred_error_;

  // Write buffer: chunks in order; small writes are coalesced into the tail
  // chunk, so a million 100-byte writes do not become a million strings.
  std::deque<std::string> chunks_;
  size_t front_offset_ = 0;  // Bytes of chunks_.front() already written.
  size_t buffered_ = 0;      // Unwritten bytes across chunks_.
  std::string spare_;        // A drained chunk kept for its capacity.
  size_t buffer_size_ = kDefaultBufferSize;
  uint64_t write_calls_ = 0;

  Producer* producer_ = nullptr;
  bool streaming_ = false;
  bool producer_paused_ = false;

  DelayedCall abort_call_;
};

}  // namespace standin

#endif  // STANDIN_TRANSPORT_FILE_DESCRIPTOR_H_
