// The README's Cookbook shows each snippet verbatim: every region between
// "// [START cookbook]" and "// [END cookbook]" in the files named on the
// command line must appear in README.md as a ```cpp block whose first line
// is "// <file>", in the same order, and the README may show no other
// cookbook block. Edit the file, then paste the region into the README.
#include <algorithm>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace {

constexpr char kStart[] = "// [START cookbook]";
constexpr char kEnd[] = "// [END cookbook]";
constexpr char kPrefix[] = "examples/cookbook/";

std::vector<std::string> Args() {
  std::vector<std::string> args;
  for (const std::string& arg : testing::internal::GetArgvs()) {
    if (arg.rfind(kPrefix, 0) == 0) args.push_back(arg);  // not argv[0]
  }
  return args;
}

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string Join(const std::vector<std::string>& lines, size_t begin,
                 size_t end) {
  std::string out;
  for (size_t i = begin; i < end; ++i) out += lines[i] + "\n";
  return out;
}

// The marked regions of a snippet file, in order.
std::vector<std::string> Regions(const std::string& path) {
  std::vector<std::string> lines = Lines(path), regions;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i] != kStart) continue;
    size_t end = i + 1;
    while (end < lines.size() && lines[end] != kEnd) ++end;
    EXPECT_LT(end, lines.size()) << path << ": " << kStart << " never ended";
    regions.push_back(Join(lines, i + 1, end));
    i = end;
  }
  return regions;
}

// The README's cookbook blocks by the file their first line names.
std::map<std::string, std::vector<std::string>> ReadmeBlocks() {
  std::vector<std::string> lines = Lines("README.md");
  std::map<std::string, std::vector<std::string>> blocks;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    if (lines[i] != "```cpp" || lines[i + 1].rfind("// ", 0) != 0) continue;
    std::string file = lines[i + 1].substr(3);
    if (file.rfind(kPrefix, 0) != 0) continue;
    size_t end = i + 2;
    while (end < lines.size() && lines[end] != "```") ++end;
    blocks[file].push_back(Join(lines, i + 2, end));
    i = end;
  }
  return blocks;
}

TEST(CookbookReadmeTest, ShowsEverySnippetVerbatim) {
  std::vector<std::string> files = Args();
  ASSERT_FALSE(files.empty()) << "pass the snippet files as arguments";
  std::map<std::string, std::vector<std::string>> blocks = ReadmeBlocks();
  for (const std::string& file : files) {
    std::vector<std::string> regions = Regions(file);
    EXPECT_FALSE(regions.empty()) << file << " has no " << kStart;
    std::vector<std::string> shown = blocks[file];
    blocks.erase(file);
    EXPECT_EQ(shown.size(), regions.size())
        << "README.md shows " << shown.size() << " block(s) for " << file
        << ", which has " << regions.size() << " region(s)";
    for (size_t i = 0; i < std::min(shown.size(), regions.size()); ++i) {
      EXPECT_EQ(shown[i], regions[i])
          << "README.md's block " << i + 1 << " for " << file
          << " differs from the file (left: README, right: the file)";
    }
  }
  for (const auto& [file, unused] : blocks) {
    ADD_FAILURE() << "README.md shows a block for " << file
                  << ", which is not a cookbook snippet of this test";
  }
}

}  // namespace
