/* rng.h — the simulator's pseudo-random numbers: xoshiro256** seeded by
 * splitmix64, and the few distributions the simulation draws from.
 *
 * Both generators are implemented from their published descriptions
 * (Steele, Lea & Flood 2014 for splitmix64; Blackman & Vigna 2018,
 * "Scrambled linear pseudorandom number generators", for xoshiro256** and
 * its jump polynomials). Independent streams come from the jump functions:
 * fq_rng_jump advances a state by 2^128 draws, fq_rng_long_jump by 2^192, so
 * streams started from jumped copies never overlap in practice.
 *
 * Everything is deterministic: the same seed gives the same numbers on every
 * platform (the distributions use only libm's log, exp, sqrt, cos). */
#ifndef FAIRQ_SIM_RNG_H
#define FAIRQ_SIM_RNG_H

#include <stdint.h>

typedef struct fq_rng {
    uint64_t s[4];
} fq_rng;

/* One step of splitmix64 on *state: advances it and returns the output. */
uint64_t fq_rng_splitmix64(uint64_t *state);

/* Seeds r from a 64-bit seed through splitmix64 (never the all-zero state). */
void fq_rng_seed(fq_rng *r, uint64_t seed);

/* The next 64 random bits. */
static inline uint64_t fq_rng_next(fq_rng *r)
{
    uint64_t *s = r->s;
    uint64_t x = s[1] * 5;
    uint64_t result = ((x << 7) | (x >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

/* Uniform in (0, 1]: never 0, so log() of it is always finite. */
static inline double fq_rng_uniform_pos(fq_rng *r)
{
    return (double)((fq_rng_next(r) >> 11) + 1) * 0x1.0p-53;
}

/* Uniform in [0, 1). */
static inline double fq_rng_uniform(fq_rng *r)
{
    return (double)(fq_rng_next(r) >> 11) * 0x1.0p-53;
}

void fq_rng_jump(fq_rng *r);      /* advance by 2^128 draws */
void fq_rng_long_jump(fq_rng *r); /* advance by 2^192 draws */

/* Exponential with the given mean (mean >= 0). */
double fq_rng_exponential(fq_rng *r, double mean);
/* Standard normal (Box-Muller; uses two uniforms per draw, caches nothing so
 * the number of draws per call is always the same). */
double fq_rng_normal(fq_rng *r);
/* Lognormal with the given mean and coefficient of variation (cv >= 0):
 * sigma^2 = ln(1 + cv^2), mu = ln(mean) - sigma^2 / 2. */
double fq_rng_lognormal(fq_rng *r, double mean, double cv);

#endif
