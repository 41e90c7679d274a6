// ForkExec: the fork/exec half of Process::Spawn, kept apart because it is
// the delicate part: between fork() and exec() the child may only make
// async-signal-safe calls, so everything it needs is built beforehand.
//
// It validates the request, resolves argv[0] on PATH, makes one O_CLOEXEC
// pipe per child fd (our end non-blocking, theirs blocking), forks, and in
// the child moves every source above the highest target before dup2()ing it
// into place (so no mapping clobbers another), closes every other fd below
// the highest target, marks everything above it close-on-exec, resets signal
// dispositions and the mask, changes directory and execs. Exec or chdir
// failure travels back on a close-on-exec status pipe (EOF there means exec
// succeeded); the failed child is reaped before returning the error.
//
// Example:
//
//   absl::StatusOr<process_internal::ForkedChild> child =
//       process_internal::ForkExec(
//           {.argv = {"cat"},
//            .child_fds = {{0, ChildFdKind::kToChild},
//                          {1, ChildFdKind::kFromChild}}});
//   if (!child.ok()) return child.status();  // "cannot execute ..."
//   standin::UniqueFd stdin_fd = std::move(child->our_ends.at(0));
#ifndef STANDIN_PROCESS_INTERNAL_FORK_EXEC_H_
#define STANDIN_PROCESS_INTERNAL_FORK_EXEC_H_

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "standin/process/child_fd_kind.h"
#include "standin/transport/unique_fd.h"

namespace standin::process_internal {

// What to run; the fields mean what Process::Options's do.
struct ForkExecRequest {
  std::vector<std::string> argv;
  std::optional<std::vector<std::string>> env;
  std::optional<std::string> cwd;
  std::map<int, ChildFdKind> child_fds;
  std::map<int, int> inherited_fds;
};

// A child that exec()ed successfully.
struct ForkedChild {
  pid_t pid = -1;
  // argv[0] as resolved on PATH.
  std::string executable;
  // child fd -> our end of its pipe (non-blocking, O_CLOEXEC).
  std::map<int, UniqueFd> our_ends;
};

// Errors name the offending input: InvalidArgument for a bad request,
// NotFound for argv[0] not on PATH, the errno's code for pipe/fork/chdir/
// exec failures ("cannot execute \"/no/such\": No such file or directory
// [ENOENT]"). On error nothing is left open and no child is left unreaped.
absl::StatusOr<ForkedChild> ForkExec(ForkExecRequest request);

}  // namespace standin::process_internal

#endif  // STANDIN_PROCESS_INTERNAL_FORK_EXEC_H_
