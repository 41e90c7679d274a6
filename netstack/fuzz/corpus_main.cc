// A main() for libFuzzer targets built without libFuzzer: runs
// LLVMFuzzerTestOneInput over every file of the seed corpora named on the
// command line (files or directories), and over deterministic mutations of
// each seed (truncations, bit flips, byte stores), so `bazel test` exercises
// the target's invariants on near-valid input without a fuzzing engine.
//
//   bazel test //netstack:ipv4_fuzzer   # args: netstack/fuzz/corpus/ipv4
//   bazel-bin/netstack/ipv4_fuzzer some/crash-file
#include <dirent.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void Collect(const std::string& path, std::vector<std::string>* files) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    std::fprintf(stderr, "corpus_main: cannot stat %s\n", path.c_str());
    std::exit(2);
  }
  if (!S_ISDIR(st.st_mode)) {
    files->push_back(path);
    return;
  }
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return;
  while (struct dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    Collect(path + "/" + name, files);
  }
  ::closedir(dir);
}

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()),
                         input.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) Collect(argv[i], &files);
  if (files.empty()) {
    std::fprintf(stderr, "corpus_main: no corpus files given\n");
    return 2;
  }
  std::mt19937 rng(20261122);  // fixed: the test is deterministic
  size_t runs = 0;
  Run("");
  for (const std::string& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string seed = ss.str();
    Run(seed);
    ++runs;
    for (size_t cut = 0; cut < seed.size(); ++cut, ++runs) {
      Run(seed.substr(0, cut));
    }
    for (int m = 0; m < 500 && !seed.empty(); ++m, ++runs) {
      std::string mutated = seed;
      int edits = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < edits; ++e) {
        size_t at = rng() % mutated.size();
        if (rng() % 2) {
          mutated[at] ^= static_cast<char>(1u << (rng() % 8));
        } else {
          mutated[at] = static_cast<char>(rng());
        }
      }
      Run(mutated);
    }
  }
  std::printf("corpus_main: %zu seed files, %zu inputs, no failures\n",
              files.size(), runs);
  return 0;
}
