#include "standin/process/process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "standin/process/internal/fork_exec.h"
#include "standin/process/internal/sigchld_wakeup.h"
#include "standin/process/process_status.h"
#include "standin/process/signal_names.h"
#include "standin/transport/file_descriptor.h"
#include "standin/transport/status.h"

namespace standin {
namespace process_internal {

// Our end of one child-fd pipe.
class ChildPipe : public FileDescriptor {
 public:
  ChildPipe(Process* owner, int child_fd, ChildFdKind kind, UniqueFd fd,
            Reactor* reactor)
      : FileDescriptor(reactor),
        owner_(owner),
        child_fd_(child_fd),
        kind_(kind),
        fd_(std::move(fd)) {
    // A to-child pipe is watched for reading too: epoll reports EPOLLERR on
    // it once the child's end is gone, which the reactor delivers as
    // DoRead(). That is how a child that exits (or closes stdin) is noticed
    // while we have nothing to write.
    StartConnected(/*start_reading=*/true);
  }
  ~ChildPipe() override {
    DetachFromReactor();
    CloseDescriptor();
  }

  ChildFdKind kind() const { return kind_; }
  int fileno() const override { return fd_.get(); }

  absl::Status DoRead() override {
    if (kind_ == ChildFdKind::kToChild) return ConnectionDone();
    return ReadChunk(fd_.get());
  }
  Address GetHost() const override { return ProcessAddress{}; }
  Address GetPeer() const override { return ProcessAddress{}; }

  // Our read end never becomes writable, so FileDescriptor's flush-then-
  // close would never finish: close on the next turn instead (Twisted's
  // ProcessReader.loseConnection). Unread data is dropped.
  void LoseConnection() override {
    if (kind_ == ChildFdKind::kFromChild) {
      AbortConnection();
    } else {
      FileDescriptor::LoseConnection();
    }
  }

 protected:
  absl::StatusOr<size_t> WriteSomeData(
      absl::Span<const struct iovec> chunks) override {
    return WritevNonBlocking(fd_.get(), chunks);
  }
  void HandleDataReceived(std::string_view data) override {
    owner_->OnChildData(child_fd_, data);
  }
  void HandleConnectionLost(const absl::Status& /*reason*/) override {
    owner_->OnPipeLost(child_fd_);  // Destroys this.
  }
  void CloseDescriptor() override { fd_.reset(); }

 private:
  Process* owner_;
  int child_fd_;
  ChildFdKind kind_;
  UniqueFd fd_;
};

// Watches for the child's exit: the pidfd (readable once it exited) or,
// without one, the SIGCHLD self-pipe. Both belong to the Process, which
// takes the watcher off the reactor before it closes them.
class ExitWatcher : public Selectable {
 public:
  ExitWatcher(Process* owner, int pidfd, SigchldWakeup* wakeup, int pid)
      : owner_(owner), pidfd_(pidfd), wakeup_(wakeup), pid_(pid) {}
  int fileno() const override {
    return pidfd_ >= 0 ? pidfd_ : wakeup_->read_fd();
  }
  absl::Status DoRead() override {
    if (pidfd_ < 0) wakeup_->Drain();
    int wait_status = 0;
    pid_t reaped;
    do {
      reaped = ::waitpid(pid_, &wait_status, WNOHANG);
    } while (reaped < 0 && errno == EINTR);
    if (reaped == 0) return absl::OkStatus();  // Not yet (another child).
    if (reaped < 0) {
      // Someone else reaped it (e.g. SIGCHLD set to SIG_IGN): it is gone,
      // but how it ended is not ours to know.
      owner_->OnReaped(
          ErrnoStatus(errno, absl::StrCat("cannot reap child ", pid_)));
      return absl::OkStatus();
    }
    owner_->OnReaped(ProcessStatusFromWait(wait_status));
    return absl::OkStatus();
  }

 private:
  Process* owner_;
  int pidfd_;
  SigchldWakeup* wakeup_;
  int pid_;
};

}  // namespace process_internal

namespace {

using process_internal::ChildPipe;
using process_internal::ExitWatcher;
using process_internal::SigchldWakeup;

}  // namespace

absl::StatusOr<std::unique_ptr<Process>> Process::Spawn(
    Reactor* reactor, ProcessProtocol* protocol, Options options) {
  std::unique_ptr<process_internal::SigchldWakeup> wakeup;
  if (options.reaping == Reaping::kSigchld) {
    // Registered before fork(), so the child's SIGCHLD cannot be missed.
    absl::StatusOr<std::unique_ptr<process_internal::SigchldWakeup>> created =
        process_internal::SigchldWakeup::Create();
    if (!created.ok()) return created.status();
    wakeup = *std::move(created);
  }

  absl::StatusOr<process_internal::ForkedChild> child =
      process_internal::ForkExec({.argv = std::move(options.argv),
                                  .env = std::move(options.env),
                                  .cwd = std::move(options.cwd),
                                  .child_fds = options.child_fds,
                                  .inherited_fds = options.inherited_fds});
  if (!child.ok()) return child.status();
  const pid_t pid = child->pid;

  UniqueFd pidfd;
  if (wakeup == nullptr) {
    pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd.valid()) {
      // No pidfd (Linux before 5.3, or a seccomp filter): fall back to
      // SIGCHLD. The wakeup starts with a byte queued, so an exit that
      // happened before it existed is still noticed on the first turn.
      absl::StatusOr<std::unique_ptr<process_internal::SigchldWakeup>> created =
          process_internal::SigchldWakeup::Create();
      if (!created.ok()) {
        child->our_ends.clear();  // Closes our ends of the pipes.
        ::kill(pid, SIGKILL);
        int ignored;
        while (::waitpid(pid, &ignored, 0) < 0 && errno == EINTR) {
        }
        return created.status();
      }
      wakeup = *std::move(created);
    }
  }

  std::unique_ptr<Process> process(
      new Process(reactor, protocol, pid, std::move(pidfd), std::move(wakeup),
                  std::move(child->executable)));
  for (auto& [child_fd, fd] : child->our_ends) {
    process->pipes_[child_fd] = std::make_unique<ChildPipe>(
        process.get(), child_fd, options.child_fds[child_fd], std::move(fd),
        reactor);
  }
  reactor->AddReader(process->watcher_.get());
  process->watching_ = true;
  if (protocol != nullptr) protocol->MakeConnection(process.get());
  return process;
}

Process::Process(Reactor* reactor, ProcessProtocol* protocol, int pid,
                 UniqueFd pidfd,
                 std::unique_ptr<process_internal::SigchldWakeup> wakeup,
                 std::string executable)
    : reactor_(reactor),
      protocol_(protocol),
      pid_(pid),
      pidfd_(std::move(pidfd)),
      wakeup_(std::move(wakeup)),
      executable_(std::move(executable)),
      watcher_(std::make_unique<ExitWatcher>(this, pidfd_.get(), wakeup_.get(),
                                             pid)) {}

Process::~Process() {
  alive_.reset();
  if (watching_) {
    reactor_->RemoveReader(watcher_.get());
    watching_ = false;
  }
  if (pid_.has_value()) {
    // Still running (or an unreaped zombie): end it and reap it here,
    // because nobody will be watching any more. The pid is still ours
    // (unreaped), so kill() cannot hit another process.
    ::kill(*pid_, SIGKILL);
    int ignored;
    while (::waitpid(*pid_, &ignored, 0) < 0 && errno == EINTR) {
    }
  }
  pidfd_.reset();
  wakeup_.reset();
  pipes_.clear();  // Each detaches from the reactor and closes its fd.
}

std::set<int> Process::open_child_fds() const {
  std::set<int> open;
  for (const auto& [fd, pipe] : pipes_) open.insert(fd);
  return open;
}

void Process::OnChildData(int child_fd, std::string_view data) {
  if (protocol_ != nullptr) protocol_->ChildDataReceived(child_fd, data);
}

void Process::OnPipeLost(int child_fd) {
  auto it = pipes_.find(child_fd);
  if (it == pipes_.end()) return;
  // Destroyed when this returns: the pipe calls us as its last act.
  std::unique_ptr<ChildPipe> dying = std::move(it->second);
  pipes_.erase(it);
  std::weak_ptr<int> alive = alive_;
  if (protocol_ != nullptr) protocol_->ChildConnectionLost(child_fd);
  if (alive.expired()) return;
  MaybeEnd();
}

void Process::OnReaped(absl::Status status) {
  reactor_->RemoveReader(watcher_.get());
  watching_ = false;
  pidfd_.reset();
  pid_.reset();  // The pid may be reused from now on: never signal it.
  exit_status_ = status;
  std::weak_ptr<int> alive = alive_;
  if (protocol_ != nullptr) protocol_->ProcessExited(status);
  if (alive.expired()) return;
  MaybeEnd();
}

void Process::MaybeEnd() {
  if (ended_ || !exit_status_.has_value() || !pipes_.empty()) return;
  ended_ = true;
  // Last act: the protocol may destroy this Process.
  if (protocol_ != nullptr) protocol_->ProcessEnded(*exit_status_);
}

ChildPipe* Process::WritablePipe(int child_fd) const {
  auto it = pipes_.find(child_fd);
  if (it == pipes_.end() || it->second->kind() != ChildFdKind::kToChild ||
      closed_by_us_.count(child_fd) != 0) {
    return nullptr;
  }
  return it->second.get();
}

void Process::CloseChildFD(int child_fd) {
  auto it = pipes_.find(child_fd);
  if (it == pipes_.end() || !closed_by_us_.insert(child_fd).second) return;
  it->second->LoseConnection();
}

absl::Status Process::WriteToChild(int child_fd, std::string_view data) {
  // After our own CloseChildFD() writes are dropped, whether or not the
  // pipe is gone yet.
  if (closed_by_us_.count(child_fd) != 0) return absl::OkStatus();
  auto it = pipes_.find(child_fd);
  if (it == pipes_.end()) {
    return absl::NotFoundError(absl::StrCat(
        "child fd ", child_fd, " is not mapped (or its pipe is closed)"));
  }
  if (it->second->kind() != ChildFdKind::kToChild) {
    return absl::InvalidArgumentError(absl::StrCat(
        "child fd ", child_fd, " is written by the child, not by us"));
  }
  if (ChildPipe* pipe = WritablePipe(child_fd)) pipe->Write(data);
  return absl::OkStatus();
}

absl::Status Process::SignalProcess(std::string_view name) {
  absl::StatusOr<int> signo = SignalNumber(name);
  if (!signo.ok()) return signo.status();
  return SignalProcess(*signo);
}

absl::Status Process::SignalProcess(int signo) {
  if (absl::Status valid = CheckSignalNumber(signo); !valid.ok()) {
    return valid;
  }
  if (!pid_.has_value()) {
    return absl::FailedPreconditionError("process exited already");
  }
  if (pidfd_.valid()) {
    // Exited but not reaped yet: the pidfd is readable. Signalling the
    // zombie would be harmless, but the contract is "after exit".
    struct pollfd exited = {pidfd_.get(), POLLIN, 0};
    if (::poll(&exited, 1, 0) > 0) {
      return absl::FailedPreconditionError("process exited already");
    }
    // Through the pidfd: it names this child even if the pid were reused.
    if (::syscall(SYS_pidfd_send_signal, pidfd_.get(), signo, nullptr, 0) ==
        0) {
      return absl::OkStatus();
    }
  } else {
    // Without a pidfd: the pid is ours until we reap it, which has not
    // happened (pid_ is set), so kill() reaches our child or its zombie.
    siginfo_t info{};
    if (::waitid(P_PID, *pid_, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid != 0) {
      return absl::FailedPreconditionError("process exited already");
    }
    if (::kill(*pid_, signo) == 0) return absl::OkStatus();
  }
  if (errno == ESRCH) {
    return absl::FailedPreconditionError("process exited already");
  }
  return ErrnoStatus(
      errno, absl::StrCat("cannot send signal ", signo, " to process ", *pid_));
}

void Process::PauseProducing() {
  paused_ = true;
  for (auto& [fd, pipe] : pipes_) {
    if (pipe->kind() == ChildFdKind::kFromChild) pipe->PauseProducing();
  }
}

void Process::ResumeProducing() {
  paused_ = false;
  for (auto& [fd, pipe] : pipes_) {
    if (pipe->kind() == ChildFdKind::kFromChild) pipe->ResumeProducing();
  }
}

void Process::Write(std::string_view data) {
  if (ChildPipe* pipe = WritablePipe(0)) pipe->Write(data);
}

void Process::WriteSequence(absl::Span<const std::string_view> chunks) {
  if (ChildPipe* pipe = WritablePipe(0)) pipe->WriteSequence(chunks);
}

void Process::LoseConnection() {
  CloseChildFD(0);
  CloseChildFD(2);
  CloseChildFD(1);
}

absl::Status Process::RegisterProducer(Producer* producer, bool streaming) {
  if (ChildPipe* pipe = WritablePipe(0)) {
    return pipe->RegisterProducer(producer, streaming);
  }
  producer->StopProducing();
  return absl::OkStatus();
}

void Process::UnregisterProducer() {
  auto it = pipes_.find(0);
  if (it != pipes_.end() && it->second->producer() != nullptr) {
    it->second->UnregisterProducer();
  }
}

// --- Printing ---------------------------------------------------------------

namespace {

void QuotedList(std::ostream* os, const std::vector<std::string>& strings) {
  *os << "["
      << absl::StrJoin(strings, ", ",
                       [](std::string* out, const auto& s) {
                         absl::StrAppend(out, "\"", s, "\"");
                       })
      << "]";
}

}  // namespace

void PrintTo(const Process::Options& options, std::ostream* os) {
  *os << "Process::Options{argv ";
  QuotedList(os, options.argv);
  if (options.env.has_value()) {
    *os << ", env ";
    QuotedList(os, *options.env);
  }
  if (options.cwd.has_value()) *os << ", cwd \"" << *options.cwd << "\"";
  *os << ", child fds {";
  const char* separator = "";
  for (const auto& [fd, kind] : options.child_fds) {
    *os << separator << fd << " " << kind;
    separator = ", ";
  }
  *os << "}";
  if (!options.inherited_fds.empty()) {
    *os << ", inherited fds {"
        << absl::StrJoin(options.inherited_fds, ", ",
                         absl::PairFormatter(" from "))
        << "}";
  }
  if (options.reaping == Process::Reaping::kSigchld) *os << ", SIGCHLD reaping";
  *os << "}";
}

void PrintTo(const Process& process, std::ostream* os) {
  *os << "Process{pid ";
  if (process.pid_.has_value()) {
    *os << *process.pid_;
  } else {
    *os << "none";
  }
  *os << ", \"" << process.executable_ << "\"; open child fds {"
      << absl::StrJoin(process.open_child_fds(), ", ") << "}";
  if (process.paused_) *os << "; paused";
  if (process.exit_status_.has_value()) {
    *os << "; exit \"" << process.exit_status_->message() << "\"";
  } else {
    *os << "; running";
  }
  if (process.ended_) *os << "; ended";
  *os << "}";
}

}  // namespace standin
