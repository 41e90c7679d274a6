// FileDescriptor: the machinery every real descriptor-backed transport shares
// (Twisted's abstract.FileDescriptor), as a base class.
//
// It is a Selectable (the reactor calls DoRead/DoWrite), a Transport (the
// protocol writes to it) and a push Producer (whoever consumes our reads can
// pause us). It owns the user-space write buffer and flushes it with
// vectored writes of at most kSendLimit bytes per turn; it pauses a
// streaming producer when more than buffer_size() bytes wait and resumes it
// when they drain, resumes a pull producer each time the buffer drains, and
// closes after the flush on LoseConnection() or shuts the sending direction
// on LoseWriteConnection() (half-close). On EOF a HalfCloseableProtocol
// hears ReadConnectionLost() and may go on writing; a plain Protocol hears
// ConnectionLost(ConnectionDone()). Once both directions are closed the
// connection ends, and ConnectionLost() is delivered exactly once.
//
// Example (a read/write pipe-like descriptor):
//
//   class MyPipe : public standin::FileDescriptor {
//    public:
//     MyPipe(standin::UniqueFd fd, standin::Reactor* r, standin::Protocol* p)
//         : FileDescriptor(r, p), fd_(std::move(fd)) { StartConnected(); }
//     ~MyPipe() override { DetachFromReactor(); CloseDescriptor(); }
//     int fileno() const override { return fd_.get(); }
//     absl::Status DoRead() override { return ReadChunk(fd_.get()); }
//     standin::Address GetHost() const override { return {}; }
//     standin::Address GetPeer() const override { return {}; }
//    protected:
//     absl::StatusOr<size_t> WriteSomeData(
//         absl::Span<const struct iovec> chunks) override {
//       return WritevNonBlocking(fd_.get(), chunks);
//     }
//     void CloseDescriptor() override { fd_.reset(); }
//    private:
//     standin::UniqueFd fd_;
//   };
//
// The subclass hooks (all optional except fileno(), and DoRead() for a
// descriptor that reads):
//   fileno(), DoRead()       Selectable: the fd, and one read per wakeup
//                            (usually ReadChunk(fd), which handles EOF).
//   WriteSomeData()          one non-blocking vectored write (a socket:
//                            SendmsgNoSignal(); a pipe: WritevNonBlocking()).
//   CloseWriteConnection()   shut the sending direction after
//                            LoseWriteConnection() flushed (shutdown(SHUT_WR),
//                            or close a pipe pair's write end); a descriptor
//                            that cannot half-close returns ConnectionDone().
//   CloseDescriptor()        release the OS descriptor (once, on loss).
//   HandleDataReceived()     where read bytes go (default: the protocol).
//   HandleConnectionLost()   where the end goes (default: the protocol).
// How each kind of subclass uses them:
//   stream socket  all of the above but the two Handle*() (StreamConnection).
//   write-only fd  (a pipe to a child's stdin) WriteSomeData() =
//                  WritevNonBlocking(); watch it for reading too if you want
//                  epoll's EPOLLERR when the reader goes away (DoRead() then
//                  returns ConnectionDone()).
//   read-only fd   (a pipe from a child's stdout) DoRead() = ReadChunk() with
//                  HandleDataReceived() routed to the owner; it never becomes
//                  writable, so override LoseConnection() to close without
//                  waiting for a flush (e.g. AbortConnection()).
//   pipe pair      set_write_selectable() to a Selectable for the write fd.
// A datagram port (UdpPort, TuntapPort) is not a FileDescriptor: it has no
// write buffer, no producer to pause, no half-close. It is a Selectable that
// registers with the reactor itself, its life one PortLifecycle.
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
#include <memory>
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
  // At most this many bytes are handed to WriteSomeData() per call
  // (Twisted's SEND_LIMIT): bounds one turn's work and keeps the loop fair.
  static constexpr size_t kSendLimit = 128 * 1024;
  // The default buffer_size(): a streaming producer is paused once more than
  // this many bytes are buffered.
  static constexpr size_t kDefaultBufferSize = 64 * 1024;
  // With eager writes, a write larger than this made while nothing is
  // buffered goes to the OS without being copied (see set_eager_writes()).
  static constexpr size_t kWriteThroughMin = 8 * 1024;
  // The most bytes ReadChunk() asks the OS for per DoRead().
  static constexpr size_t kReadChunkSize = 256 * 1024;

  // Where the connection as a whole is; it only moves forward.
  enum class State {
    kNew,           // Constructed; not connected yet.
    kConnecting,    // BeginConnecting(): writes are buffered until connected.
    kConnected,     // StartConnected(): reading and writing.
    kDisconnected,  // ConnectionLost() ran; everything is dropped.
  };
  // How the connection is being ended, once someone asked.
  enum class Closing {
    kNo,
    kAfterFlush,  // LoseConnection(): close once the buffer is flushed.
    kAbort,       // AbortConnection(): close on the next reactor turn.
  };
  // One direction of the connection (half-close).
  enum class Side {
    kOpen,
    kClosing,  // The write side after LoseWriteConnection(), until flushed.
    kClosed,   // Read side: EOF seen. Write side: shut down.
  };

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
  // fileno() and DoRead() are the subclass's. DoWrite() is Twisted's
  // doWrite: it flushes up to kSendLimit bytes through WriteSomeData(), and
  // once the buffer is drained it resumes a pull (or paused streaming)
  // producer, or else finishes a LoseConnection() (returns ConnectionDone())
  // or a LoseWriteConnection() (CloseWriteConnection(), then the protocol's
  // WriteConnectionLost()), or else stops writing.
  absl::Status DoWrite() override;
  // Ends the connection (only the first call has effect): marks it
  // disconnected, stops the producer, stops reading and writing, drops the
  // buffer, then calls CloseDescriptor() and finally
  // HandleConnectionLost(reason). The reactor calls this when DoRead() or
  // DoWrite() fails; subclasses may call it too.
  void ConnectionLost(const absl::Status& reason) override;

  // --- Consumer / Transport ---------------------------------------------
  // Buffers `data` and asks the reactor for writability. Dropped silently
  // unless connecting or connected, once AbortConnection() was called and
  // once the write side is closed (Twisted). Small writes are coalesced, so
  // many small writes cost one syscall; see set_eager_writes() for when a
  // write reaches the OS at once. Errors are never reported from inside
  // Write(): they end the connection from the next DoWrite().
  void Write(std::string_view data) override;
  // Like one Write() per chunk.
  void WriteSequence(absl::Span<const std::string_view> chunks) override;
  // Stops reading; closes once the buffer is flushed (and any registered
  // pull producer has been unregistered: it is resumed each time the buffer
  // drains, so the connection stays open while it is registered). Writes
  // made meanwhile are still sent. A no-op once closing; while connecting,
  // the close happens once connected and flushed. If the write side is
  // already closed, the connection ends now with ConnectionDone().
  void LoseConnection() override;
  // FailedPrecondition "Cannot register two producers" when one is
  // registered. When already disconnected the producer is stopped at once.
  // A pull producer is resumed immediately.
  absl::Status RegisterProducer(Producer* producer, bool streaming) override;
  // Forgets the producer; a pending LoseConnection() or LoseWriteConnection()
  // then completes once the buffer is flushed.
  void UnregisterProducer() override;

  // Half-close (Twisted's loseWriteConnection): once the buffer is flushed,
  // CloseWriteConnection() shuts the sending direction (the peer reads EOF)
  // and a HalfCloseableProtocol hears WriteConnectionLost(); reading goes
  // on. Writes made before the flush completes are still sent; later ones
  // are dropped. If the read side is closed too, the connection then ends
  // with ConnectionDone().
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
  // Starts reading again, if connected, not closing and not at EOF.
  void ResumeProducing() override;
  // LoseConnection().
  void StopProducing() override;

  // Start/stop watching for readability/writability. These always tell the
  // reactor (so after Reactor::RemoveAll() re-add with them); the hot write
  // path skips redundant registrations itself.
  void StartReading();
  void StopReading();
  void StartWriting();
  void StopWriting();

  // --- State ----------------------------------------------------------------
  State state() const { return state_; }
  Closing closing() const { return closing_; }
  Side read_side() const { return read_side_; }
  Side write_side() const { return write_side_; }
  // Twisted's flags, derived from the above. connected() stays true while
  // disconnecting, until ConnectionLost().
  bool connected() const { return state_ == State::kConnected; }
  bool connecting() const { return state_ == State::kConnecting; }
  bool disconnecting() const { return closing_ != Closing::kNo; }
  bool disconnected() const { return state_ == State::kDisconnected; }
  bool aborting() const { return closing_ == Closing::kAbort; }
  // LoseWriteConnection() was called / has shut the write side.
  bool write_disconnecting() const { return write_side_ != Side::kOpen; }
  bool write_disconnected() const { return write_side_ == Side::kClosed; }
  // The peer's EOF was taken as a half-close (ReadConnectionLost()).
  bool read_disconnected() const { return read_side_ == Side::kClosed; }
  // The pause watermark for a streaming producer.
  size_t buffer_size() const { return buffer_size_; }
  void set_buffer_size(size_t bytes) { buffer_size_ = bytes; }
  // Bytes written by the protocol and not yet accepted by the OS.
  size_t buffered_bytes() const { return buffered_; }
  // WriteSomeData() calls so far (each one write syscall for a stream):
  // proves writes are coalesced, and benchmarks report syscalls per MiB.
  uint64_t write_calls() const { return write_calls_; }
  Producer* producer() const { return producer_; }
  bool streaming_producer() const {
    return producer_ != nullptr && producer_mode_ != ProducerMode::kPull;
  }
  // We paused our streaming producer and have not resumed it yet.
  bool producer_paused() const {
    return producer_ != nullptr && producer_mode_ == ProducerMode::kPushPaused;
  }
  Reactor* reactor() const { return reactor_; }
  Protocol* protocol() const { return protocol_; }
  void set_protocol(Protocol* protocol) { protocol_ = protocol; }

 protected:
  // --- Steps a subclass takes -------------------------------------------
  // Marks the descriptor connected, starts reading (unless `start_reading`
  // is false, e.g. for a write-only descriptor, or a close is pending) and
  // then calls the protocol's MakeConnection(this), as its last act. Reading
  // starts first, as in Twisted, so a protocol that pauses its transport in
  // ConnectionMade() stays paused. Call once the fd is usable.
  void StartConnected(bool start_reading = true);

  // The descriptor is still being connected (a non-blocking connect()):
  // writes made meanwhile are buffered, in order, ahead of anything the
  // protocol writes from ConnectionMade(). StartConnected() ends it. The
  // subclass's DoWrite() must finish the connect before calling ours.
  void BeginConnecting() { state_ = State::kConnecting; }

  // Eager writes (off by default: every write waits for the reactor, as in
  // Twisted's write()). When on, a write that would take the buffer past
  // buffer_size() first flushes what is buffered (one WriteSomeData(), as
  // DoWrite() would), and a large write (over kWriteThroughMin) that finds
  // nothing buffered goes to WriteSomeData() without a copy; only what the
  // OS leaves is buffered. So a streaming producer is paused only when the
  // OS is full too, and a steady stream costs no loop turn per buffer. A
  // write's own bytes reach the OS early only through write-through, so an
  // AbortConnection() still drops everything queued behind buffered bytes.
  // Either way DoWrite() runs after such a write when a pull producer, a
  // paused producer or a pending close waits for the drain. StreamConnection
  // turns it on.
  void set_eager_writes(bool on) { eager_writes_ = on; }

  // For a descriptor that writes to a different fd than it reads (a pipe
  // pair): StartWriting()/StopWriting() register `writer` instead of this.
  // `writer`'s fileno() is the write fd, its DoWrite() calls this->DoWrite()
  // and its ConnectionLost() calls this->ConnectionLost(). Set it before
  // anything is written; it must live as long as this.
  void set_write_selectable(Selectable* writer) { write_selectable_ = writer; }

  // Removes this from the reactor as reader and writer. Subclass destructors
  // call it before closing their fd, so the reactor never sees a stale fd.
  void DetachFromReactor();

  // One read of at most kReadChunkSize bytes from `fd` into the protocol
  // (through HandleDataReceived()). EAGAIN/EINTR → OK with nothing
  // delivered; EOF → ReadConnectionLost(); an error → ConnectionLost with
  // the errno (ECONNRESET and friends). The usual body of a DoRead().
  absl::Status ReadChunk(int fd);

  // The peer finished writing (EOF; Twisted's readConnectionLost). A
  // HalfCloseableProtocol hears ReadConnectionLost() and the connection
  // stays up for writing (OK is returned, or ConnectionDone() when the
  // write side was closed already: both directions are done). For any other
  // protocol the result is ConnectionDone(), which ends the connection.
  // Return its result from DoRead().
  absl::Status ReadConnectionLost();

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

  // --- Hooks (see the table at the top) ---------------------------------
  // Writes as much of `chunks` (in order, together at most kSendLimit
  // bytes) as the OS takes now. Returns the number of bytes written (0 when
  // it would block), or a non-OK status that ends the connection (e.g.
  // ConnectionLost(..., EPIPE)). The default dies: a subclass that buffers
  // writes must implement it.
  virtual absl::StatusOr<size_t> WriteSomeData(
      absl::Span<const struct iovec> chunks);

  // The buffer drained after LoseWriteConnection(): close our sending
  // direction. A non-OK result ends the connection with it (a descriptor
  // that cannot half-close returns ConnectionDone()). Default: OK.
  virtual absl::Status CloseWriteConnection() { return absl::OkStatus(); }

  // Releases the OS descriptor; called once from ConnectionLost(), after
  // reading and writing stopped and before HandleConnectionLost(). Default:
  // nothing (the subclass closes in its destructor).
  virtual void CloseDescriptor() {}

  // Delivers bytes read; the default calls protocol()->DataReceived(data).
  // A process pipe reader overrides it to call ChildDataReceived(fd, data).
  virtual void HandleDataReceived(std::string_view data);

  // Called last in ConnectionLost(); the default calls
  // protocol()->ConnectionLost(reason) when a protocol is set. This object
  // may be destroyed inside it.
  virtual void HandleConnectionLost(const absl::Status& reason);

 private:
  enum class ProducerMode { kPush, kPushPaused, kPull };
  // Our registration as a writer. kIdle: still registered, but nothing
  // asked to write since the buffer drained and the producer was resumed;
  // the next DoWrite() unregisters unless a write (or close) comes first.
  // It is Twisted's stopWriting()-then-resumeProducing() without an
  // epoll_ctl pair per refill.
  enum class Writer { kOff, kOn, kIdle };

  // Writes are accepted (Twisted's "connected and not write-disconnected").
  bool AcceptsWrites() const;
  // Registers as a writer unless already (the hot path of Write()).
  void WantWrite();
  // After bytes were accepted: pause the producer if the buffer is full,
  // and make sure DoWrite() runs if anything waits for it.
  void AfterWrite();
  // Appends without pausing/starting (shared by Write and WriteSequence).
  void Append(std::string_view data);
  // Appends `data` to the tail chunk when it is small and fits there;
  // false (nothing done) otherwise.
  bool JoinTail(std::string_view data);
  // One WriteSomeData() of up to kSendLimit buffered bytes; OK when the OS
  // took some, all or none.
  absl::Status FlushOnce();
  // The eager flush before a write that takes the buffer past
  // buffer_size(); an error is kept for the next DoWrite().
  void FlushEagerly();
  absl::StatusOr<size_t> Send(absl::Span<const struct iovec> chunks);
  // Drops `n` flushed bytes from the front of the buffer.
  void Consume(size_t n);
  void ClearBuffer();
  // The write side's flush finished: shut it and tell the protocol.
  absl::Status CloseWriteSide();
  HalfCloseableProtocol* half_closeable_protocol() const;

  Reactor* reactor_;
  Protocol* protocol_;
  Selectable* write_selectable_ = this;

  State state_ = State::kNew;
  Closing closing_ = Closing::kNo;
  Side read_side_ = Side::kOpen;
  Side write_side_ = Side::kOpen;
  // Mirrors our registration as a writer (the hot write path skips the
  // reactor when already registered).
  Writer writer_ = Writer::kOff;

  bool eager_writes_ = false;
  // The OS refused bytes since the last DoWrite(): an eager flush would
  // only meet EAGAIN, so it waits for the reactor.
  bool os_full_ = false;
  // An eager write's failure, reported by the next DoWrite().
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
  ProducerMode producer_mode_ = ProducerMode::kPush;

  DelayedCall abort_call_;
  // Expires with this object: lets a path that called the protocol back
  // tell whether the protocol destroyed us meanwhile.
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace standin

#endif  // STANDIN_TRANSPORT_FILE_DESCRIPTOR_H_
