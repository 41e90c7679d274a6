#include "standin/netstack/checksum.h"

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

namespace standin::netstack {
namespace {

using std::string_literals::operator""s;

// The RFC 1071 definition, 16 bits at a time: the reference.
uint16_t NaiveChecksum(std::string_view bytes) {
  uint32_t sum = 0;
  for (size_t i = 0; i < bytes.size(); i += 2) {
    uint32_t hi = static_cast<uint8_t>(bytes[i]);
    uint32_t lo = i + 1 < bytes.size() ? static_cast<uint8_t>(bytes[i + 1]) : 0;
    sum += hi << 8 | lo;
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<uint16_t>(~sum);
}

TEST(InternetChecksumTest, Rfc1071Example) {
  // RFC 1071 section 3: these bytes sum to 0xddf2.
  std::string bytes = "\x00\x01\xf2\x03\xf4\xf5\xf6\xf7"s;
  EXPECT_EQ(InternetChecksum(bytes), static_cast<uint16_t>(~0xddf2));
}

TEST(InternetChecksumTest, EmptyBufferIsAllOnes) {
  EXPECT_EQ(InternetChecksum(""), 0xffff);
}

TEST(InternetChecksumTest, OddTrailingByteIsHighByteOfAWord) {
  EXPECT_EQ(InternetChecksum("\x01"s), static_cast<uint16_t>(~0x0100));
}

TEST(InternetChecksumTest, KnownIpv4Header) {
  // A real header (Wikipedia's example) whose stored checksum is 0xb861.
  std::string header =
      "\x45\x00\x00\x73\x00\x00\x40\x00\x40\x11\x00\x00\xc0\xa8\x00\x01"
      "\xc0\xa8\x00\xc7"s;
  EXPECT_EQ(InternetChecksum(header), 0xb861);
  header[10] = '\xb8';
  header[11] = '\x61';
  EXPECT_EQ(InternetChecksum(header), 0);  // verifies to zero
}

TEST(InternetChecksumTest, CarriesAreFoldedForAllOnesData) {
  std::string ones(4096, '\xff');
  EXPECT_EQ(InternetChecksum(ones), NaiveChecksum(ones));
  EXPECT_EQ(InternetChecksum(ones), 0);
}

// RFC 1071's definition for every prefix of `bytes`: entry n is the
// checksum of the first n bytes (big-endian words, an odd last byte the high
// half of a zero-padded word), built one word at a time.
std::vector<uint16_t> NaivePrefixChecksums(std::string_view bytes) {
  std::vector<uint16_t> out(bytes.size() + 1);
  uint64_t even = 0;  // the sum of the whole words before position n
  auto fold = [](uint64_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
  };
  for (size_t n = 0; n <= bytes.size(); ++n) {
    if (n % 2 == 0) {
      out[n] = fold(even);
    } else {
      const uint32_t high = static_cast<uint8_t>(bytes[n - 1]);
      out[n] = fold(even + (high << 8));
      even += high << 8 | static_cast<uint8_t>(bytes[n]);  // the word n-1, n
    }
  }
  return out;
}

// A buffer of random bytes starting `offset` bytes past a 64-byte boundary.
class AlignedBytes {
 public:
  AlignedBytes(size_t size, size_t offset, unsigned seed)
      : storage_(size + 128, '\0') {
    std::mt19937 rng(seed);
    for (char& c : storage_) c = static_cast<char>(rng());
    const uintptr_t base = reinterpret_cast<uintptr_t>(storage_.data());
    bytes_ = std::string_view(storage_.data() + (64 - base % 64) % 64 + offset,
                              size);
  }
  std::string_view bytes() const { return bytes_; }

 private:
  std::string storage_;
  std::string_view bytes_;
};

TEST(InternetChecksumTest, PrefixReferenceAgreesWithNaive) {
  AlignedBytes buffer(301, 0, 5);
  std::vector<uint16_t> prefix = NaivePrefixChecksums(buffer.bytes());
  for (size_t n = 0; n <= 301; ++n) {
    ASSERT_EQ(prefix[n], NaiveChecksum(buffer.bytes().substr(0, n))) << n;
  }
}

// Every length 0..2000 (odd ones included) at every alignment 0..63: the
// vector paths' aligned, straddling and masked-tail loads all meet the data.
TEST(InternetChecksumTest, MatchesNaiveForEveryLengthAndAlignment) {
  for (size_t offset = 0; offset < 64; ++offset) {
    AlignedBytes buffer(2000, offset, 1071 + offset);
    std::vector<uint16_t> want = NaivePrefixChecksums(buffer.bytes());
    for (size_t length = 0; length <= 2000; ++length) {
      ASSERT_EQ(InternetChecksum(buffer.bytes().substr(0, length)),
                want[length])
          << "length " << length << " at offset " << offset;
    }
  }
}

// Every summing path (scalar, SSE2, AVX2, AVX-VNNI, AVX512-VNNI) on every
// length and alignment; a path this CPU lacks skips.
class SimdPathTest : public testing::TestWithParam<internal::SimdPath> {};

TEST_P(SimdPathTest, MatchesNaive) {
  internal::SimdPath path = GetParam();
  if (!internal::SimdPathAvailable(path)) {
    GTEST_SKIP() << "this CPU or build lacks the path";
  }
  auto checksum = [&](std::string_view bytes) {
    return static_cast<uint16_t>(
        ~__builtin_bswap16(internal::Fold64(internal::OnesComplementSum64With(
            path, bytes.data(), bytes.size(), 0))));
  };
  for (size_t offset = 0; offset < 64; ++offset) {
    AlignedBytes buffer(2000, offset,
                        static_cast<unsigned>(path) * 64 + offset);
    std::vector<uint16_t> want = NaivePrefixChecksums(buffer.bytes());
    for (size_t length = 0; length <= 2000; ++length) {
      ASSERT_EQ(checksum(buffer.bytes().substr(0, length)), want[length])
          << "length " << length << " at offset " << offset;
    }
  }
  std::string big(3 * 1024 * 1024 + 13, '\xff');  // several lane batches
  EXPECT_EQ(checksum(big), NaiveChecksum(big));
}

INSTANTIATE_TEST_SUITE_P(AllPaths, SimdPathTest,
                         testing::Values(internal::SimdPath::kScalar,
                                         internal::SimdPath::kSse2,
                                         internal::SimdPath::kAvx2,
                                         internal::SimdPath::kAvxVnni,
                                         internal::SimdPath::kAvx512Vnni),
                         [](const auto& info) {
                           switch (info.param) {
                             case internal::SimdPath::kScalar:
                               return "Scalar";
                             case internal::SimdPath::kSse2:
                               return "Sse2";
                             case internal::SimdPath::kAvx2:
                               return "Avx2";
                             case internal::SimdPath::kAvxVnni:
                               return "AvxVnni";
                             case internal::SimdPath::kAvx512Vnni:
                               return "Avx512Vnni";
                           }
                           return "Unknown";
                         });

TEST(InternetChecksumTest, MatchesNaiveBeyondOneSimdBatch) {
  // The SIMD path re-bases its 32-bit lanes every 64 KiB; cross that often,
  // with all-ones data (the largest lane growth) and random data.
  std::mt19937 rng(791);
  for (int fill : {-1, 0}) {
    std::string big(3 * 512 * 1024 + 77, '\xff');
    if (fill == 0) {
      for (char& c : big) c = static_cast<char>(rng());
    }
    EXPECT_EQ(InternetChecksum(big), NaiveChecksum(big));
  }
}

TEST(ChecksumAccumulatorTest, AnySplitEqualsTheWhole) {
  std::mt19937 rng(768);
  std::string buffer(301, '\0');
  for (char& c : buffer) c = static_cast<char>(rng());
  for (size_t a = 0; a <= buffer.size(); a += 7) {
    for (size_t b = a; b <= buffer.size(); b += 13) {
      ChecksumAccumulator acc;
      std::string_view view(buffer);
      acc.Add(view.substr(0, a));
      acc.Add(view.substr(a, b - a));
      acc.Add(view.substr(b));
      ASSERT_EQ(acc.Checksum(), InternetChecksum(buffer))
          << "split at " << a << " and " << b;
    }
  }
}

TEST(ChecksumAccumulatorTest, WordsEqualTheirBytes) {
  ChecksumAccumulator words;
  words.AddU32(0xc0000201);
  words.AddU16(0x0011);
  words.Add("\x07");  // odd piece: the next word straddles it
  words.AddU16(0xabcd);
  EXPECT_EQ(words.Checksum(),
            InternetChecksum("\xc0\x00\x02\x01\x00\x11\x07\xab\xcd"s));
}

TEST(ChecksumAccumulatorTest, EmptyIsAllOnes) {
  ChecksumAccumulator acc;
  EXPECT_EQ(acc.Sum(), 0);
  EXPECT_EQ(acc.Checksum(), 0xffff);
}

}  // namespace
}  // namespace standin::netstack
