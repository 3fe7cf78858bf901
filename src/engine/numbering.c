/* numbering.c — ticket numbers: one series per service per day (SPEC 4).
 *
 * Sequential: the n-th ticket (0-based) gets n + 1. Shuffled: the first
 * 10^width - 1 tickets get a permutation of 1 .. 10^width - 1 drawn from the
 * day's seed, the rest continue sequentially (A1000, A1001, ...). The
 * permutation is never stored: a keyed Feistel network over the smallest
 * power-of-two domain, with cycle walking back into range, is a bijection
 * computable in O(1) from (seed, service, n), so persisting the seed in the
 * day's event persists the whole permutation. */
#include "internal.h"

static uint64_t mix64(uint64_t x)
{
    /* splitmix64 finaliser: a well-mixed function of its input. */
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBull;
    x ^= x >> 31;
    return x;
}

static uint32_t feistel(uint32_t x, unsigned half, uint64_t key)
{
    uint32_t mask = (1u << half) - 1;
    uint32_t l = x >> half, r = x & mask;
    for (uint64_t round = 0; round < 4; round++) {
        uint32_t f = (uint32_t)mix64(key ^ (round << 56) ^ r) & mask;
        uint32_t t = l ^ f;
        l = r;
        r = t;
    }
    return (l << half) | r;
}

uint32_t fq__number(int width, fq_number_order order, uint64_t seed, int service, uint32_t n)
{
    uint32_t span = 1;
    for (int i = 0; i < width; i++)
        span *= 10;
    uint32_t m = span - 1; /* numbers 1 .. m are permuted */
    if (order != FQ_ORDER_SHUFFLED || n >= m)
        return n + 1;
    unsigned bits = 1;
    while ((1u << bits) < m)
        bits++;
    unsigned half = (bits + 1) / 2;
    uint64_t key = mix64(seed ^ mix64((uint64_t)service + 1));
    uint32_t x = n;
    do
        x = feistel(x, half, key);
    while (x >= m);
    return x + 1;
}
