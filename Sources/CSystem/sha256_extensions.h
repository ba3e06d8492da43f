#ifndef FLOURISH_SHA256_EXTENSIONS_H
#define FLOURISH_SHA256_EXTENSIONS_H
/* SHA-256's compression function on the x86 SHA extensions (SHA-NI), for the audit chain's two
   hashes an event. Engine/Audit/SHA256.swift calls it only when the processor says it has them
   (flourish_cpu_has_sha_extensions), and keeps its portable Swift rounds for every other machine;
   the tests check both against the NIST vectors and each other at every length. */
#include <stdint.h>
#include <stddef.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

/// 1 when the processor has the SHA extensions and the SSSE3 and SSE4.1 instructions the
/// compression below also uses (CPUID leaf 7 EBX bit 29; leaf 1 ECX bits 9 and 19).
static inline int flourish_cpu_has_sha_extensions(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const int ssse3 = (c >> 9) & 1, sse41 = (c >> 19) & 1;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return ssse3 && sse41 && ((b >> 29) & 1);
}

/// Compresses `blocks` 64-byte blocks of `data` into `state` (the eight working words H0 to H7,
/// FIPS 180-4 §6.2.2), with `k` the 64 round constants (SHA256.swift holds the one table).
/// The rounds go four at a time: two sha256rnds2 on the words held as ABEF and CDGH, and the
/// message schedule four words at a time with sha256msg1/msg2.
__attribute__((target("sha,ssse3,sse4.1")))
static inline void flourish_sha256_compress_with_extensions(uint32_t state[8], const uint8_t *data, size_t blocks, const uint32_t k[64]) {
    /* Each 32-bit word of the block is big-endian. */
    const __m128i byteswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i dcba = _mm_loadu_si128((const __m128i *)&state[0]);
    __m128i hgfe = _mm_loadu_si128((const __m128i *)&state[4]);
    __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
    __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
    __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
    for (; blocks > 0; blocks--, data += 64) {
        const __m128i abef_before = abef, cdgh_before = cdgh;
        __m128i w[4];
        for (int i = 0; i < 16; i++) {
            __m128i words;
            if (i < 4) {
                words = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * i)), byteswap);
            } else {
                /* W[t] for t = 4i..4i+3 from the sixteen words before them. */
                __m128i t = _mm_sha256msg1_epu32(w[i & 3], w[(i + 1) & 3]);
                t = _mm_add_epi32(t, _mm_alignr_epi8(w[(i + 3) & 3], w[(i + 2) & 3], 4));
                words = _mm_sha256msg2_epu32(t, w[(i + 3) & 3]);
            }
            w[i & 3] = words;
            __m128i kw = _mm_add_epi32(words, _mm_loadu_si128((const __m128i *)&k[4 * i]));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, kw);
            kw = _mm_shuffle_epi32(kw, 0x0E);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, kw);
        }
        abef = _mm_add_epi32(abef, abef_before);
        cdgh = _mm_add_epi32(cdgh, cdgh_before);
    }
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(dchg, feba, 8));
}
#else
static inline int flourish_cpu_has_sha_extensions(void) { return 0; }
static inline void flourish_sha256_compress_with_extensions(uint32_t state[8], const uint8_t *data, size_t blocks, const uint32_t k[64]) {
    (void)state; (void)data; (void)blocks; (void)k;
}
#endif
#endif
