/* rng.c — splitmix64, xoshiro256** and the distributions (see rng.h). */
#include <math.h>

#include "sim/rng.h"

uint64_t fq_rng_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void fq_rng_seed(fq_rng *r, uint64_t seed)
{
    uint64_t sm = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = fq_rng_splitmix64(&sm);
    /* splitmix64 is a bijection of consecutive states, so four zero outputs
     * cannot happen; the check documents the requirement of xoshiro. */
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
        r->s[0] = 1;
}

/* Applies the jump polynomial poly: the state becomes the one 2^k draws ahead. */
static void jump_by(fq_rng *r, const uint64_t poly[4])
{
    uint64_t acc[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 64; b++) {
            if (poly[i] & ((uint64_t)1 << b))
                for (int j = 0; j < 4; j++)
                    acc[j] ^= r->s[j];
            (void)fq_rng_next(r);
        }
    for (int j = 0; j < 4; j++)
        r->s[j] = acc[j];
}

void fq_rng_jump(fq_rng *r)
{
    static const uint64_t poly[4] = {0x180ec6d33cfd0abau, 0xd5a61266f0c9392cu,
                                     0xa9582618e03fc9aau, 0x39abdc4529b1661cu};
    jump_by(r, poly);
}

void fq_rng_long_jump(fq_rng *r)
{
    static const uint64_t poly[4] = {0x76e15d3efefdcbbfu, 0xc5004e441c522fb3u,
                                     0x77710069854ee241u, 0x39109bb02acbe635u};
    jump_by(r, poly);
}

double fq_rng_exponential(fq_rng *r, double mean)
{
    return -mean * log(fq_rng_uniform_pos(r));
}

double fq_rng_normal(fq_rng *r)
{
    double u1 = fq_rng_uniform_pos(r), u2 = fq_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

double fq_rng_lognormal(fq_rng *r, double mean, double cv)
{
    double s2 = log1p(cv * cv);
    return exp(log(mean) - s2 / 2.0 + sqrt(s2) * fq_rng_normal(r));
}
