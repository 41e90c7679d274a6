#include "standin/transport/misuse.h"

#include <cstdio>
#include <cstdlib>

namespace standin {

void DieOfMisuse(std::string_view double_name, std::string_view message) {
  std::fprintf(stderr, "%.*s misuse: %.*s\n",
               static_cast<int>(double_name.size()), double_name.data(),
               static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
  std::abort();
}

}  // namespace standin
