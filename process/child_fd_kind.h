// ChildFdKind: which way bytes flow through a pipe to a child's fd. Its own
// header so that process/internal (the fork/exec half) needs nothing above
// it.
//
//   standin::Process::Options options;
//   options.child_fds = {{0, standin::ChildFdKind::kToChild},
//                        {1, standin::ChildFdKind::kFromChild}};
#ifndef STANDIN_PROCESS_CHILD_FD_KIND_H_
#define STANDIN_PROCESS_CHILD_FD_KIND_H_

#include <ostream>

namespace standin {

enum class ChildFdKind {
  kToChild,    // We write, the child reads (like stdin). Twisted's "w".
  kFromChild,  // The child writes, we read (like stdout). Twisted's "r".
};

// "to child" / "from child".
inline std::ostream& operator<<(std::ostream& os, ChildFdKind kind) {
  return os << (kind == ChildFdKind::kToChild ? "to child" : "from child");
}

}  // namespace standin

#endif  // STANDIN_PROCESS_CHILD_FD_KIND_H_
