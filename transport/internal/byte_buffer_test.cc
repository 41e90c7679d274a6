// ByteBuffer's contract: contents survive every growth (heap doubling, the
// move into a mapping, mremap() growth), and the memory held stays close to
// the contents once mapped.
#include "standin/transport/internal/byte_buffer.h"

#include <string>
#include <string_view>
#include <utility>

#include "gtest/gtest.h"

namespace standin::internal {
namespace {

// `size` bytes that differ with `seed`.
std::string Pattern(size_t size, int seed) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    bytes[i] = static_cast<char>(seed * 31 + i * 13 + (i >> 8));
  }
  return bytes;
}

TEST(ByteBufferTest, StartsEmpty) {
  ByteBuffer buffer;
  EXPECT_EQ(buffer.size(), 0u);
  EXPECT_EQ(buffer.view(), "");
  buffer.Append("");
  EXPECT_EQ(buffer.view(), "");
}

TEST(ByteBufferTest, AppendAndPushBack) {
  ByteBuffer buffer;
  buffer.Append("ab");
  buffer.PushBack('c');
  buffer.Append(std::string_view("\0d", 2));
  EXPECT_EQ(buffer.view(), std::string_view("abc\0d", 5));
  buffer.back() = 'e';
  EXPECT_EQ(buffer.view(), std::string_view("abc\0e", 5));
}

TEST(ByteBufferTest, KeepsEveryByteAcrossEveryKindOfGrowth) {
  // Small appends from empty to 8 MiB: heap doublings, the copy into a
  // mapping, then many mremap() growths (most of which move the mapping).
  ByteBuffer buffer;
  std::string expected;
  for (int i = 0; expected.size() < (8u << 20); ++i) {
    const std::string piece = Pattern(1 + (i * 37) % 3000, i);
    buffer.Append(piece);
    expected += piece;
    ASSERT_EQ(buffer.size(), expected.size());
  }
  EXPECT_TRUE(buffer.view() == expected);
}

TEST(ByteBufferTest, HoldsLittleMoreThanItsContentsOnceMapped) {
  ByteBuffer buffer;
  const std::string piece = Pattern(16, 1);
  while (buffer.size() < (16u << 20)) {
    buffer.Append(piece);
    ASSERT_GE(buffer.capacity(), buffer.size());
    if (buffer.capacity() > ByteBuffer::kMapThreshold) {
      ASSERT_LE(buffer.capacity(),
                buffer.size() + buffer.size() / 8 + ByteBuffer::kMapGranule)
          << "at " << buffer.size() << " bytes";
      ASSERT_EQ(buffer.capacity() % ByteBuffer::kMapGranule, 0u);
    } else {
      // In the heap: a power of two.
      ASSERT_EQ(buffer.capacity() & (buffer.capacity() - 1), 0u);
    }
  }
}

TEST(ByteBufferTest, OneHugeAppendTakesExactlyWhatItNeeds) {
  ByteBuffer buffer;
  buffer.Append("x");
  const std::string huge = Pattern(10u << 20, 2);
  buffer.Append(huge);
  EXPECT_EQ(buffer.size(), huge.size() + 1);
  EXPECT_LT(buffer.capacity(), buffer.size() + ByteBuffer::kMapGranule);
  EXPECT_TRUE(buffer.view().substr(1) == huge);
}

TEST(ByteBufferTest, ReserveMakesRoomForThatMuch) {
  for (size_t start : {size_t{0}, size_t{100}, size_t{300} << 10}) {
    ByteBuffer buffer;
    buffer.Append(Pattern(start, 3));
    buffer.Reserve(1u << 20);
    const size_t capacity = buffer.capacity();
    EXPECT_GE(capacity, start + (1u << 20));
    buffer.Append(Pattern(1u << 20, 4));
    EXPECT_EQ(buffer.capacity(), capacity) << "from " << start;
    EXPECT_TRUE(buffer.view() == Pattern(start, 3) + Pattern(1u << 20, 4));
  }
}

TEST(ByteBufferTest, ReleaseFreesAndTheBufferIsReusable) {
  for (size_t size : {size_t{10}, size_t{1} << 20}) {
    ByteBuffer buffer;
    buffer.Append(Pattern(size, 5));
    buffer.Release();
    EXPECT_EQ(buffer.size(), 0u);
    EXPECT_EQ(buffer.capacity(), 0u);
    EXPECT_EQ(buffer.view(), "");
    buffer.Append("again");
    EXPECT_EQ(buffer.view(), "again");
  }
}

TEST(ByteBufferTest, MovesTakeTheBytes) {
  for (size_t size : {size_t{10}, size_t{1} << 20}) {
    const std::string bytes = Pattern(size, 6);
    ByteBuffer original;
    original.Append(bytes);
    ByteBuffer moved(std::move(original));
    EXPECT_TRUE(moved.view() == bytes);
    EXPECT_EQ(original.size(), 0u);  // NOLINT(bugprone-use-after-move)
    original.Append("reused");
    EXPECT_EQ(original.view(), "reused");
    ByteBuffer assigned;
    assigned.Append(Pattern(size, 7));  // Freed by the assignment.
    assigned = std::move(moved);
    EXPECT_TRUE(assigned.view() == bytes);
    EXPECT_EQ(moved.capacity(), 0u);  // NOLINT(bugprone-use-after-move)
  }
}

}  // namespace
}  // namespace standin::internal
