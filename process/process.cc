#include "standin/process/process.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "standin/process/process_status.h"
#include "standin/process/signal_names.h"
#include "standin/transport/file_descriptor.h"
#include "standin/transport/status.h"

extern char** environ;

namespace standin {
namespace process_internal {

// Our end of one child-fd pipe.
class ChildPipe : public FileDescriptor {
 public:
  ChildPipe(Process* owner, int child_fd, ChildFdKind kind, int fd,
            Reactor* reactor)
      : FileDescriptor(reactor),
        owner_(owner),
        child_fd_(child_fd),
        kind_(kind),
        fd_(fd) {
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
  int fileno() const override { return fd_; }

  absl::Status DoRead() override {
    if (kind_ == ChildFdKind::kToChild) return ConnectionDone();
    return ReadChunk(fd_);
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
    return WritevNonBlocking(fd_, chunks);
  }
  void HandleDataReceived(std::string_view data) override {
    owner_->OnChildData(child_fd_, data);
  }
  void HandleConnectionLost(const absl::Status& /*reason*/) override {
    owner_->OnPipeLost(child_fd_);  // Destroys this.
  }
  void CloseDescriptor() override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  Process* owner_;
  int child_fd_;
  ChildFdKind kind_;
  int fd_;
};

// SIGCHLD delivery for Processes that cannot use a pidfd (kernels before
// 5.3, or Reaping::kSigchld): a process-wide handler writes a byte to every
// registered self-pipe; each such Process then tries waitpid() on its own
// pid. The table is fixed-size and lock-free so the handler stays
// async-signal-safe.
constexpr int kMaxSigchldSlots = 64;
std::atomic<int> g_sigchld_fds[kMaxSigchldSlots];
struct sigaction g_previous_sigchld;
std::atomic<bool> g_sigchld_installed{false};

void OnSigchld(int signo, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  for (auto& slot : g_sigchld_fds) {
    const int fd = slot.load(std::memory_order_acquire);
    if (fd > 0) {
      ssize_t ignored = ::write(fd, "c", 1);  // EAGAIN: a wakeup is pending.
      (void)ignored;
    }
  }
  // Whoever had SIGCHLD before us still gets it.
  if ((g_previous_sigchld.sa_flags & SA_SIGINFO) != 0) {
    if (g_previous_sigchld.sa_sigaction != nullptr) {
      g_previous_sigchld.sa_sigaction(signo, info, context);
    }
  } else if (g_previous_sigchld.sa_handler != SIG_DFL &&
             g_previous_sigchld.sa_handler != SIG_IGN) {
    g_previous_sigchld.sa_handler(signo);
  }
  errno = saved_errno;
}

// One Process's self-pipe, registered in the table while it lives.
class SigchldWakeup {
 public:
  static absl::StatusOr<std::unique_ptr<SigchldWakeup>> Create() {
    if (!g_sigchld_installed.exchange(true)) {
      for (auto& slot : g_sigchld_fds) slot.store(-1);
      struct sigaction action;
      std::memset(&action, 0, sizeof(action));
      action.sa_sigaction = OnSigchld;
      action.sa_flags = SA_SIGINFO | SA_RESTART | SA_NOCLDSTOP;
      sigemptyset(&action.sa_mask);
      if (::sigaction(SIGCHLD, &action, &g_previous_sigchld) != 0) {
        g_sigchld_installed = false;
        return ErrnoStatus(errno, "sigaction(SIGCHLD)");
      }
    }
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
      return ErrnoStatus(errno, "pipe2 for SIGCHLD");
    }
    std::unique_ptr<SigchldWakeup> wakeup(new SigchldWakeup(fds[0], fds[1]));
    for (int i = 0; i < kMaxSigchldSlots; ++i) {
      int expected = -1;
      if (g_sigchld_fds[i].compare_exchange_strong(expected, fds[1])) {
        wakeup->slot_ = i;
        // Check once on the first turn: the child may have exited before
        // this slot existed.
        wakeup->Wake();
        return wakeup;
      }
    }
    return absl::ResourceExhaustedError(
        absl::StrCat("more than ", kMaxSigchldSlots,
                     " children reaped through SIGCHLD at once"));
  }
  ~SigchldWakeup() {
    if (slot_ >= 0) g_sigchld_fds[slot_].store(-1);
    ::close(read_fd_);
    ::close(write_fd_);
  }
  int read_fd() const { return read_fd_; }
  void Wake() {
    ssize_t ignored = ::write(write_fd_, "c", 1);
    (void)ignored;
  }
  void Drain() {
    char buffer[64];
    while (::read(read_fd_, buffer, sizeof(buffer)) > 0) {
    }
  }

 private:
  SigchldWakeup(int read_fd, int write_fd)
      : read_fd_(read_fd), write_fd_(write_fd) {}
  int read_fd_;
  int write_fd_;
  int slot_ = -1;
};

// Watches for the child's exit: the pidfd (readable once it exited) or,
// without one, the SIGCHLD self-pipe.
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

// Closes the fds it holds unless released.
class FdCloser {
 public:
  ~FdCloser() {
    for (int fd : fds_) ::close(fd);
  }
  void Add(int fd) { fds_.push_back(fd); }
  void Close(int fd) {
    auto it = std::find(fds_.begin(), fds_.end(), fd);
    if (it != fds_.end()) fds_.erase(it);
    ::close(fd);
  }
  void Release(int fd) {
    auto it = std::find(fds_.begin(), fds_.end(), fd);
    if (it != fds_.end()) fds_.erase(it);
  }

 private:
  std::vector<int> fds_;
};

// What the child reports through the status pipe when it cannot exec.
struct ChildFailure {
  int stage;  // kStageChdir or kStageExec.
  int err;
};
constexpr int kStageChdir = 1;
constexpr int kStageExec = 2;

// Where argv[0] is, or NotFound. A name with '/' is used as is (exec
// reports it if it is missing).
absl::StatusOr<std::string> ResolveExecutable(
    const std::string& name,
    const std::optional<std::vector<std::string>>& env) {
  if (name.find('/') != std::string::npos) return name;
  std::string path;
  bool have_path = false;
  if (env.has_value()) {
    for (const std::string& entry : *env) {
      if (entry.rfind("PATH=", 0) == 0) {
        path = entry.substr(5);
        have_path = true;
      }
    }
  }
  if (!have_path) {
    const char* ours = std::getenv("PATH");
    path = ours != nullptr ? ours : "/usr/local/bin:/usr/bin:/bin";
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + name;
    struct stat st;
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = end + 1;
  }
  return absl::NotFoundError(absl::StrCat(
      "cannot execute \"", name, "\": not found on PATH \"", path, "\""));
}

// Runs in the child between fork() and exec: async-signal-safe calls only.
[[noreturn]] void ChildMain(const char* path, char* const* argv,
                            char* const* envp, const char* cwd,
                            const std::vector<std::pair<int, int>>& plan,
                            int max_target, int status_fd) {
  auto fail = [&](int stage) {
    ChildFailure failure{stage, errno};
    ssize_t ignored = ::write(status_fd, &failure, sizeof(failure));
    (void)ignored;
    ::_exit(127);
  };
  // A child starts with default signal handling and nothing blocked, even
  // if we ignore or block signals (SIGPIPE, say).
  for (int signo = 1; signo < NSIG; ++signo) {
    struct sigaction action;
    std::memset(&action, 0, sizeof(action));
    action.sa_handler = SIG_DFL;
    ::sigaction(signo, &action, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  // Move the status pipe and every source above the targets first, so no
  // dup2() below clobbers a source another target still needs.
  status_fd = ::fcntl(status_fd, F_DUPFD_CLOEXEC, max_target + 1);
  if (status_fd < 0) ::_exit(127);
  int moved[256];
  const size_t count = plan.size();
  if (count > 256) ::_exit(127);
  for (size_t i = 0; i < count; ++i) {
    moved[i] = ::fcntl(plan[i].second, F_DUPFD_CLOEXEC, max_target + 1);
    if (moved[i] < 0) fail(kStageExec);
  }
  for (size_t i = 0; i < count; ++i) {
    // dup2() leaves the target without FD_CLOEXEC: it survives exec.
    if (::dup2(moved[i], plan[i].first) < 0) fail(kStageExec);
  }
  // Everything else below the highest target is closed; everything above
  // it closes at exec (our own fds are O_CLOEXEC already; this catches fds
  // someone else opened without it).
  for (int fd = 0; fd <= max_target; ++fd) {
    bool wanted = false;
    for (size_t i = 0; i < count; ++i) wanted |= plan[i].first == fd;
    if (!wanted) ::close(fd);
  }
  ::syscall(SYS_close_range, max_target + 1, ~0U, CLOSE_RANGE_CLOEXEC);
  if (cwd != nullptr && ::chdir(cwd) != 0) fail(kStageChdir);
  ::execve(path, argv, envp);
  fail(kStageExec);
  ::_exit(127);  // Not reached.
}

}  // namespace

absl::StatusOr<std::unique_ptr<Process>> Process::Spawn(
    Reactor* reactor, ProcessProtocol* protocol, Options options) {
  if (options.argv.empty()) {
    return absl::InvalidArgumentError("cannot spawn: argv is empty");
  }
  for (const auto& [child_fd, kind] : options.child_fds) {
    if (child_fd < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot spawn \"", options.argv[0],
                       "\": negative child fd ", child_fd));
    }
    if (options.inherited_fds.count(child_fd) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot spawn \"", options.argv[0], "\": child fd ",
                       child_fd, " is both a pipe and an inherited fd"));
    }
  }
  for (const auto& [child_fd, our_fd] : options.inherited_fds) {
    if (child_fd < 0 || our_fd < 0 || ::fcntl(our_fd, F_GETFD) < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot spawn \"", options.argv[0], "\": bad inherited fd mapping ",
          child_fd, " <- ", our_fd));
    }
  }
  absl::StatusOr<std::string> executable =
      ResolveExecutable(options.argv[0], options.env);
  if (!executable.ok()) return executable.status();

  FdCloser closer;
  // child fd -> (our end, the child's end)
  std::map<int, std::pair<int, int>> ends;
  std::vector<std::pair<int, int>> plan;  // (child fd, source fd)
  int max_target = 2;
  for (const auto& [child_fd, kind] : options.child_fds) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      return ErrnoStatus(
          errno, absl::StrCat("cannot spawn \"", options.argv[0], "\": pipe2"));
    }
    closer.Add(fds[0]);
    closer.Add(fds[1]);
    const bool to_child = kind == ChildFdKind::kToChild;
    const int ours = to_child ? fds[1] : fds[0];
    const int theirs = to_child ? fds[0] : fds[1];
    // Only our end is non-blocking: the child expects ordinary blocking I/O.
    ::fcntl(ours, F_SETFL, ::fcntl(ours, F_GETFL) | O_NONBLOCK);
    ends[child_fd] = {ours, theirs};
    plan.emplace_back(child_fd, theirs);
    max_target = std::max(max_target, child_fd);
  }
  for (const auto& [child_fd, our_fd] : options.inherited_fds) {
    plan.emplace_back(child_fd, our_fd);
    max_target = std::max(max_target, child_fd);
  }
  if (plan.size() > 256) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot spawn \"", options.argv[0], "\": more than 256 child fds"));
  }
  int status_pipe[2];
  if (::pipe2(status_pipe, O_CLOEXEC) != 0) {
    return ErrnoStatus(
        errno, absl::StrCat("cannot spawn \"", options.argv[0], "\": pipe2"));
  }
  closer.Add(status_pipe[0]);
  closer.Add(status_pipe[1]);

  // Everything the child needs is built before fork(): it must not allocate.
  std::vector<char*> argv;
  for (std::string& arg : options.argv) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  char** env = environ;
  if (options.env.has_value()) {
    for (std::string& entry : *options.env) envp.push_back(entry.data());
    envp.push_back(nullptr);
    env = envp.data();
  }
  const char* cwd = options.cwd.has_value() ? options.cwd->c_str() : nullptr;

  std::unique_ptr<process_internal::SigchldWakeup> wakeup;
  if (options.reaping == Reaping::kSigchld) {
    // Registered before fork(), so the child's SIGCHLD cannot be missed.
    absl::StatusOr<std::unique_ptr<process_internal::SigchldWakeup>> created =
        process_internal::SigchldWakeup::Create();
    if (!created.ok()) return created.status();
    wakeup = *std::move(created);
  }

  const pid_t pid = ::fork();
  if (pid < 0) {
    return ErrnoStatus(
        errno, absl::StrCat("cannot spawn \"", options.argv[0], "\": fork"));
  }
  if (pid == 0) {
    ChildMain(executable->c_str(), argv.data(), env, cwd, plan, max_target,
              status_pipe[1]);
  }

  // Parent. The child's ends and the status pipe's write end are the
  // child's business now.
  for (const auto& [child_fd, pair] : ends) closer.Close(pair.second);
  closer.Close(status_pipe[1]);
  ChildFailure failure{0, 0};
  size_t got = 0;
  while (got < sizeof(failure)) {
    ssize_t n = ::read(status_pipe[0], reinterpret_cast<char*>(&failure) + got,
                       sizeof(failure) - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: exec succeeded (the pipe closed on exec).
    got += static_cast<size_t>(n);
  }
  closer.Close(status_pipe[0]);
  if (got == sizeof(failure)) {
    int ignored;
    while (::waitpid(pid, &ignored, 0) < 0 && errno == EINTR) {
    }
    if (failure.stage == kStageChdir) {
      return ErrnoStatus(failure.err,
                         absl::StrCat("cannot spawn \"", *executable,
                                      "\": cannot change directory to \"",
                                      *options.cwd, "\""));
    }
    return ErrnoStatus(failure.err,
                       absl::StrCat("cannot execute \"", *executable, "\""));
  }

  int pidfd = -1;
  if (wakeup == nullptr) {
    pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
      // No pidfd (Linux before 5.3, or a seccomp filter): fall back to
      // SIGCHLD. The wakeup starts with a byte queued, so an exit that
      // happened before it existed is still noticed on the first turn.
      absl::StatusOr<std::unique_ptr<process_internal::SigchldWakeup>> created =
          process_internal::SigchldWakeup::Create();
      if (!created.ok()) {
        ::kill(pid, SIGKILL);
        int ignored;
        while (::waitpid(pid, &ignored, 0) < 0 && errno == EINTR) {
        }
        return created.status();
      }
      wakeup = *std::move(created);
    }
  }

  std::unique_ptr<Process> process(new Process(reactor, protocol, pid, pidfd,
                                               std::move(wakeup),
                                               *std::move(executable)));
  for (const auto& [child_fd, pair] : ends) {
    closer.Release(pair.first);
    process->pipes_[child_fd] = std::make_unique<ChildPipe>(
        process.get(), child_fd, options.child_fds[child_fd], pair.first,
        reactor);
  }
  reactor->AddReader(process->watcher_.get());
  process->watching_ = true;
  if (protocol != nullptr) protocol->MakeConnection(process.get());
  return process;
}

Process::Process(Reactor* reactor, ProcessProtocol* protocol, int pid,
                 int pidfd,
                 std::unique_ptr<process_internal::SigchldWakeup> wakeup,
                 std::string executable)
    : reactor_(reactor),
      protocol_(protocol),
      pid_(pid),
      pidfd_(pidfd),
      wakeup_(std::move(wakeup)),
      executable_(std::move(executable)),
      watcher_(std::make_unique<ExitWatcher>(this, pidfd, wakeup_.get(), pid)) {
}

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
  if (pidfd_ >= 0) ::close(pidfd_);
  pidfd_ = -1;
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
  if (pidfd_ >= 0) ::close(pidfd_);
  pidfd_ = -1;
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
  if (pidfd_ >= 0) {
    // Exited but not reaped yet: the pidfd is readable. Signalling the
    // zombie would be harmless, but the contract is "after exit".
    struct pollfd exited = {pidfd_, POLLIN, 0};
    if (::poll(&exited, 1, 0) > 0) {
      return absl::FailedPreconditionError("process exited already");
    }
    // Through the pidfd: it names this child even if the pid were reused.
    if (::syscall(SYS_pidfd_send_signal, pidfd_, signo, nullptr, 0) == 0) {
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

}  // namespace standin
