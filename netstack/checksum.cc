#include "standin/netstack/checksum.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#define STANDIN_CHECKSUM_X86 1
#endif

namespace standin::netstack {
namespace internal {

namespace {

inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// a + b with the carry out of bit 63 added back in (end-around carry).
inline uint64_t AddCarry(uint64_t a, uint64_t b) {
  uint64_t s;
  bool carry = __builtin_add_overflow(a, b, &s);
  return s + carry;  // cannot carry again: s <= 2^64 - 2 when carry is set
}

// The sum 8 bytes per step, for short buffers. Out of line, so that the
// dispatch in DispatchedSum64() is two jumps and saves no registers.
[[gnu::noinline]] uint64_t ScalarSum64(const char* data, size_t size,
                                       uint64_t initial) {
  // Four 128-bit accumulators: each 8-byte step is one add and one
  // add-with-carry, and the four chains run in parallel. Carries pile up in
  // the high halves, which cannot overflow for any buffer that fits in memory.
  unsigned __int128 a0 = initial, a1 = 0, a2 = 0, a3 = 0;
  while (size >= 32) {
    a0 += Load64(data);
    a1 += Load64(data + 8);
    a2 += Load64(data + 16);
    a3 += Load64(data + 24);
    data += 32;
    size -= 32;
  }
  while (size >= 8) {
    a0 += Load64(data);
    data += 8;
    size -= 8;
  }
  a1 += TailWord(data, size);
  a0 += a1;
  a2 += a3;
  a0 += a2;
  return AddCarry(static_cast<uint64_t>(a0), static_cast<uint64_t>(a0 >> 64));
}

#if defined(STANDIN_CHECKSUM_X86)
// ---- The vector paths: one kernel, three instruction sets. ----
//
// pmaddwd adds adjacent 16-bit words into 32-bit lanes. It reads words as
// signed, so each word is first biased by -32768 (xor 0x8000) and the bias
// is added back once at the end (32768 per word of every vector read). A plain
// sum of 16-bit words is congruent to their ones'-complement sum modulo
// 0xffff, which is all Fold64() needs.
//
// Each Ops type supplies the vector type V and its operations, passing
// vectors by reference: SumVectors<Ops> has no target attribute of its own
// and is only ever inlined (flatten) into a function that has Ops' target,
// so no vector crosses a call boundary compiled for a narrower target.

// A window of kTailMask selects the last r bytes of a vector: the bytes of
// kTailMask + 32 - width + r are 0xff from index width - r on.
alignas(64) constexpr char kTailMask[64] = {
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};

struct Sse2Ops {
  using V = __m128i;
  using ShortOps = Sse2Ops;  // the ops for under eight vectors
  static constexpr size_t kWidth = 16;
  static void Zero(V& v) { v = _mm_setzero_si128(); }
  static void Load(V& v, const char* p) {
    v = _mm_loadu_si128(reinterpret_cast<const V*>(p));
  }
  static void And(V& v, const V& mask) { v = _mm_and_si128(v, mask); }
  static void Add(V& acc, const V& v) { acc = _mm_add_epi32(acc, v); }
  // acc += the biased words of `v`, summed in pairs into 32-bit lanes.
  static void Accumulate(V& acc, const V& v) {
    const V biased = _mm_xor_si128(v, _mm_set1_epi16(-0x8000));
    acc = _mm_add_epi32(acc, _mm_madd_epi16(biased, _mm_set1_epi16(1)));
  }
  // The sum of the lanes, which must fit 32 bits.
  static int32_t SumSmallLanes(const V& v) {
    V h = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0x4e));
    h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xb1));
    return _mm_cvtsi128_si32(h);
  }
};

struct Avx2Ops {
  using V = __m256i;
  using ShortOps = Avx2Ops;
  static constexpr size_t kWidth = 32;
  [[gnu::target("avx2")]] static void Zero(V& v) { v = _mm256_setzero_si256(); }
  [[gnu::target("avx2")]] static void Load(V& v, const char* p) {
    v = _mm256_loadu_si256(reinterpret_cast<const V*>(p));
  }
  [[gnu::target("avx2")]] static void And(V& v, const V& mask) {
    v = _mm256_and_si256(v, mask);
  }
  [[gnu::target("avx2")]] static void Add(V& acc, const V& v) {
    acc = _mm256_add_epi32(acc, v);
  }
  // v with each word's top bit flipped. A float-domain xor: on AMD Zen 5
  // it leaves more of the two pipes that run the multiply-add to it
  // (1500 bytes: 0.77x the limit against 0.74x with vpxor).
  [[gnu::target("avx2")]] static V Bias(const V& v) {
    return _mm256_castps_si256(
        _mm256_xor_ps(_mm256_castsi256_ps(v),
                      _mm256_castsi256_ps(_mm256_set1_epi16(-0x8000))));
  }
  [[gnu::target("avx2")]] static void Accumulate(V& acc, const V& v) {
    const V biased = Bias(v);
    acc =
        _mm256_add_epi32(acc, _mm256_madd_epi16(biased, _mm256_set1_epi16(1)));
  }
  [[gnu::target("avx2")]] static int32_t SumSmallLanes(const V& v) {
    __m128i h = _mm_add_epi32(_mm256_castsi256_si128(v),
                              _mm256_extracti128_si256(v, 1));
    h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4e));
    h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xb1));
    return _mm_cvtsi128_si32(h);
  }
};

// Avx2Ops with the multiply-add and the add fused in one AVX-VNNI
// instruction (vpdpwssd): two operations per vector instead of three.
struct AvxVnniOps : Avx2Ops {
  // Short buffers are summed as on AVX2: vpdpwssd's longer latency costs
  // more than its saved operation when there are only a few vectors.
  using ShortOps = Avx2Ops;
  [[gnu::target("avx2,avxvnni")]] static void Accumulate(V& acc, const V& v) {
    const V biased = Bias(v);
    acc = _mm256_dpwssd_avx_epi32(acc, biased, _mm256_set1_epi16(1));
  }
};

// The same fused instruction in its AVX-512 encoding (AVX512-VNNI with
// AVX512VL), still on 256-bit vectors, for CPUs that have it without
// AVX-VNNI (AMD Zen 4). Zen 4, 1500 bytes: 0.60-0.66x the limit against
// 0.54-0.65x on the AVX2 path; 64 KiB: 0.94-0.98x against 0.81-0.89x. There
// vpdpwssd issues once a cycle, the limit's loads twice; 16 accumulators,
// 512-bit vectors, or a share of the vectors summed by shifts and adds
// instead were all slower.
struct Avx512VnniOps : Avx2Ops {
  using ShortOps = Avx2Ops;
  [[gnu::target("avx2,avx512vl,avx512vnni")]] static void Accumulate(
      V& acc, const V& v) {
    const V biased = Bias(v);
    acc = _mm256_dpwssd_epi32(acc, biased, _mm256_set1_epi16(1));
  }
};

// Accumulates the `N` vectors at `p` into acc[0..N).
template <typename Ops, int N>
inline void AccumulateVectors(typename Ops::V* acc, const char* p) {
  typename Ops::V v;
#pragma GCC unroll 8
  for (int i = 0; i < N; ++i) {
    Ops::Load(v, p + i * Ops::kWidth);
    Ops::Accumulate(acc[i], v);
  }
}

// Accumulates the last `size` (even, under one vector) bytes of the buffer
// that ends at `p + size`: the vector that ends there, with the bytes before
// them (already summed) masked to zero. An even `size` keeps every byte in
// its half of its word.
template <typename Ops>
inline void AccumulateTail(typename Ops::V& acc, const char* p, size_t size) {
  typename Ops::V mask, v;
  Ops::Load(mask, kTailMask + 32 - Ops::kWidth + size);
  Ops::Load(v, p + size - Ops::kWidth);
  Ops::And(v, mask);
  Ops::Accumulate(acc, v);
}

// SumVectors() for fewer than eight vectors (short datagrams): two
// accumulators and a short horizontal sum, since here latency, not
// throughput, is what costs. Returns the biased sum.
template <typename Ops>
inline int64_t SumFewVectors(const char* p, size_t size) {
  constexpr size_t kWidth = Ops::kWidth;
  typename Ops::V a0, a1, v;
  Ops::Zero(a0);
  Ops::Zero(a1);
  for (; size >= 2 * kWidth; p += 2 * kWidth, size -= 2 * kWidth) {
    Ops::Load(v, p);
    Ops::Accumulate(a0, v);
    Ops::Load(v, p + kWidth);
    Ops::Accumulate(a1, v);
  }
  if (size >= kWidth) {
    Ops::Load(v, p);
    Ops::Accumulate(a0, v);
    p += kWidth;
    size -= kWidth;
  }
  if (size > 0) AccumulateTail<Ops>(a1, p, size);
  Ops::Add(a0, a1);
  // Under eight vectors: each lane is below 2^19 in magnitude, their sum
  // below 2^22, so 32 bits hold it.
  return Ops::SumSmallLanes(a0);
}

// The plain sum of the little-endian 16-bit words of `size` bytes at `p`
// (`size` even and at least Ops::kWidth), as a value whose Fold64() is
// their ones'-complement sum.
template <typename Ops>
inline uint64_t SumVectors(const char* p, size_t size) {
  using V = typename Ops::V;
  constexpr size_t kWidth = Ops::kWidth;
  // Eight accumulators, so that a fused multiply-add-accumulate (several
  // cycles of latency) does not stall the loop on its own result.
  constexpr int kLanes = 8;
  constexpr size_t kBlock = kLanes * kWidth;  // one step of the main loop
  // A lane gains at most 65536 in magnitude per vector. With 256 blocks
  // (plus the tail's vectors) per batch, each accumulator stays below 2^24.01,
  // the eight accumulators' lanes below 2^27.01 and all their lanes together
  // below 2^31: the horizontal sum is taken in 32 bits, in fewer steps than
  // 64 would need. A 64 KiB buffer is one batch.
  constexpr size_t kBatchBlocks = 256;
  const uint64_t vectors = (size + kWidth - 1) / kWidth;
  uint64_t total = vectors * (kWidth / 2) * 32768;  // the bias, added back
  if (size < kBlock) {
    return total + static_cast<uint64_t>(
                       SumFewVectors<typename Ops::ShortOps>(p, size));
  }
  V acc[kLanes];
  bool last_batch = false;
  while (!last_batch) {
#pragma GCC unroll 8
    for (V& a : acc) Ops::Zero(a);
    size_t blocks = size / kBlock;
    last_batch = blocks <= kBatchBlocks;
    blocks = std::min(blocks, kBatchBlocks);
    for (; blocks > 0; --blocks, p += kBlock, size -= kBlock) {
      AccumulateVectors<Ops, kLanes>(acc, p);
    }
    if (last_batch) {  // under eight vectors left
      if (size >= 4 * kWidth) {
        AccumulateVectors<Ops, 4>(acc, p);
        p += 4 * kWidth;
        size -= 4 * kWidth;
      }
      if (size >= 2 * kWidth) {
        AccumulateVectors<Ops, 2>(acc + 4, p);
        p += 2 * kWidth;
        size -= 2 * kWidth;
      }
      if (size >= kWidth) {
        AccumulateVectors<Ops, 1>(acc + 6, p);
        p += kWidth;
        size -= kWidth;
      }
      if (size > 0) AccumulateTail<Ops>(acc[7], p, size);
    }
#pragma GCC unroll 8
    for (int step = 1; step < kLanes; step *= 2) {
#pragma GCC unroll 8
      for (int i = 0; i < kLanes; i += 2 * step)
        Ops::Add(acc[i], acc[i + step]);
    }
    total += static_cast<uint64_t>(int64_t{Ops::SumSmallLanes(acc[0])});
  }
  return total;
}

// The whole sum on the vector path `Ops`: `size` >= kMinVectorSize.
template <typename Ops>
inline uint64_t SumWith(const char* p, size_t size, uint64_t initial) {
  if (size % 2 == 1) {
    // The odd last byte is the low half (little-endian) of a zero-padded
    // word; the vectors then see an even length.
    --size;
    initial = AddCarry(initial, static_cast<uint8_t>(p[size]));
  }
  return AddCarry(initial, SumVectors<Ops>(p, size));
}

// Each path, compiled for its instruction set, with the kernel inlined.
[[gnu::flatten]] uint64_t SumSse2(const char* p, size_t size,
                                  uint64_t initial) {
  return SumWith<Sse2Ops>(p, size, initial);
}
[[gnu::flatten, gnu::target("avx2")]] uint64_t SumAvx2(const char* p,
                                                       size_t size,
                                                       uint64_t initial) {
  return SumWith<Avx2Ops>(p, size, initial);
}
[[gnu::flatten, gnu::target("avx2,avxvnni")]] uint64_t SumAvxVnni(
    const char* p, size_t size, uint64_t initial) {
  return SumWith<AvxVnniOps>(p, size, initial);
}
[[gnu::flatten, gnu::target("avx2,avx512vl,avx512vnni")]] uint64_t
SumAvx512Vnni(const char* p, size_t size, uint64_t initial) {
  return SumWith<Avx512VnniOps>(p, size, initial);
}

bool HasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}

// AVX-VNNI is CPUID leaf 7, subleaf 1, EAX bit 4; it needs the YMM state
// that HasAvx2() already checks.
bool HasAvxVnni() {
  static const bool has = [] {
    unsigned a = 0, b = 0, c = 0, d = 0;
    return HasAvx2() && __get_cpuid_count(7, 1, &a, &b, &c, &d) != 0 &&
           (a & (1u << 4)) != 0;
  }();
  return has;
}

// The 256-bit AVX-512 VNNI forms need AVX512VL too. __builtin_cpu_supports
// also checks that the OS saves the AVX-512 state.
bool HasAvx512Vnni() {
  static const bool has = HasAvx2() && __builtin_cpu_supports("avx512vl") &&
                          __builtin_cpu_supports("avx512vnni");
  return has;
}
#endif  // STANDIN_CHECKSUM_X86

// The vector kernel needs one whole vector (its masked last load ends at the
// buffer's end and must start inside it); from there on it beats the scalar
// loop (32 bytes: 3.3 ns against 4.5 ns).
constexpr size_t kMinVectorSize = 32;

using SumFunction = uint64_t (*)(const char*, size_t, uint64_t);

SumFunction SumFunctionFor(SimdPath path) {
  switch (path) {
    case SimdPath::kScalar:
      break;
#if defined(STANDIN_CHECKSUM_X86)
    case SimdPath::kSse2:
      return SumSse2;
    case SimdPath::kAvx2:
      return SumAvx2;
    case SimdPath::kAvxVnni:
      return SumAvxVnni;
    case SimdPath::kAvx512Vnni:
      return SumAvx512Vnni;
#else
    default:
      break;
#endif
  }
  return ScalarSum64;
}

}  // namespace

bool SimdPathAvailable(SimdPath path) {
  switch (path) {
    case SimdPath::kScalar:
      return true;
#if defined(STANDIN_CHECKSUM_X86)
    case SimdPath::kSse2:
      return true;
    case SimdPath::kAvx2:
      return HasAvx2();
    case SimdPath::kAvxVnni:
      return HasAvxVnni();
    case SimdPath::kAvx512Vnni:
      return HasAvx512Vnni();
#else
    default:
      return false;
#endif
  }
  return false;
}

std::ostream& operator<<(std::ostream& os, SimdPath path) {
  switch (path) {
    case SimdPath::kScalar:
      return os << "scalar";
    case SimdPath::kSse2:
      return os << "sse2";
    case SimdPath::kAvx2:
      return os << "avx2";
    case SimdPath::kAvxVnni:
      return os << "avx-vnni";
    case SimdPath::kAvx512Vnni:
      return os << "avx512-vnni";
  }
  return os << "SimdPath(" << static_cast<int>(path) << ")";
}

SimdPath BestSimdPath() {
  // The two VNNI paths run the same instruction; the VEX form is shorter.
  for (SimdPath path : {SimdPath::kAvxVnni, SimdPath::kAvx512Vnni,
                        SimdPath::kAvx2, SimdPath::kSse2}) {
    if (SimdPathAvailable(path)) return path;
  }
  return SimdPath::kScalar;
}

uint64_t OnesComplementSum64With(SimdPath path, const char* data, size_t size,
                                 uint64_t initial) {
  if (size < kMinVectorSize) return ScalarSum64(data, size, initial);
  return SumFunctionFor(path)(data, size, initial);
}

namespace {

// The best path's function, chosen on first use. An atomic (relaxed: every
// thread that races to choose chooses the same) rather than a function-local
// static, whose guard would make every call save registers.
std::atomic<SumFunction> best_sum{nullptr};

[[gnu::noinline]] SumFunction ChooseBestSum() {
  SumFunction best = SumFunctionFor(BestSimdPath());
  best_sum.store(best, std::memory_order_relaxed);
  return best;
}

}  // namespace

uint64_t DispatchedSum64(const char* data, size_t size, uint64_t initial) {
  if (size < kMinVectorSize) return ScalarSum64(data, size, initial);
  SumFunction best = best_sum.load(std::memory_order_relaxed);
  if (best == nullptr) best = ChooseBestSum();
  return best(data, size, initial);
}

}  // namespace internal

uint16_t OnesComplementSum(std::string_view bytes, uint32_t initial) {
  // The words are loaded little-endian, so `initial` (network order) is
  // swapped into that order, and the folded result swapped back (RFC 1071
  // byte-order independence).
  uint64_t sum = internal::OnesComplementSum64(
      bytes.data(), bytes.size(), __builtin_bswap16(internal::Fold64(initial)));
  return __builtin_bswap16(internal::Fold64(sum));
}

uint16_t InternetChecksum(std::string_view bytes) {
  return static_cast<uint16_t>(~OnesComplementSum(bytes, 0));
}

void ChecksumAccumulator::Add(std::string_view bytes) {
  uint16_t piece = internal::Fold64(
      internal::OnesComplementSum64(bytes.data(), bytes.size(), 0));
  // A piece that starts at an odd offset has its bytes in the other halves
  // of each 16-bit word; swapping its folded sum moves them back.
  if (odd_) piece = __builtin_bswap16(piece);
  sum_ += piece;  // 2^48 pieces before this could overflow: never reached
  if (bytes.size() % 2 == 1) odd_ = !odd_;
}

void ChecksumAccumulator::AddU16(uint16_t value) {
  char bytes[2] = {static_cast<char>(value >> 8), static_cast<char>(value)};
  Add(std::string_view(bytes, sizeof(bytes)));
}

void ChecksumAccumulator::AddU32(uint32_t value) {
  char bytes[4] = {static_cast<char>(value >> 24),
                   static_cast<char>(value >> 16),
                   static_cast<char>(value >> 8), static_cast<char>(value)};
  Add(std::string_view(bytes, sizeof(bytes)));
}

uint16_t ChecksumAccumulator::Sum() const {
  return __builtin_bswap16(internal::Fold64(sum_));
}

}  // namespace standin::netstack
