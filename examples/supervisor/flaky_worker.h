// The flaky worker the supervisor demo runs: a /bin/sh script that counts
// its attempts in a file, fails (exit code = attempt) on the first two and
// succeeds on the third, writing to stdout and stderr on the way.
//
// Example:
//
//   standin::Process::Options options =
//       standin::examples::FlakyWorkerOptions("/tmp/dir/attempts");
//   // options.argv == {"/bin/sh", "-c", "<script>", "flaky",
//   //                  "/tmp/dir/attempts"}
//   auto child = standin::Process::Spawn(&reactor, &protocol, options);
#ifndef STANDIN_EXAMPLES_SUPERVISOR_FLAKY_WORKER_H_
#define STANDIN_EXAMPLES_SUPERVISOR_FLAKY_WORKER_H_

#include <string>

#include "standin/process/process.h"

namespace standin::examples {

// Spawn options for one attempt; `counter_path` need not exist yet.
inline Process::Options FlakyWorkerOptions(const std::string& counter_path) {
  Process::Options options;
  options.argv = {
      "/bin/sh", "-c",
      "n=$(cat \"$1\" 2>/dev/null || echo 0); n=$((n + 1)); "
      "echo \"$n\" > \"$1\"; "
      "echo \"attempt $n starting\"; "
      "if [ \"$n\" -lt 3 ]; then echo \"attempt $n failed\" >&2; exit \"$n\"; "
      "fi; "
      "echo \"attempt $n succeeded\"",
      "flaky", counter_path};
  return options;
}

}  // namespace standin::examples

#endif  // STANDIN_EXAMPLES_SUPERVISOR_FLAKY_WORKER_H_
