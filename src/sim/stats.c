/* stats.c — sorting, percentiles, confidence intervals (see stats.h). */
#include <math.h>
#include <string.h>

#include "sim/stats.h"

void fq_stats_sort_u32(uint32_t *v, uint32_t *tmp, size_t n)
{
    /* LSD radix sort, 8 bits per pass; a pass where every value has the same
     * digit is skipped (waits rarely use the top byte). */
    uint32_t *src = v, *dst = tmp;
    for (unsigned shift = 0; shift < 32; shift += 8) {
        size_t count[257];
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < n; i++)
            count[((src[i] >> shift) & 0xffu) + 1]++;
        int used = 0;
        for (int d = 1; d <= 256; d++)
            used += count[d] != 0;
        if (used <= 1)
            continue;
        for (int d = 1; d <= 256; d++)
            count[d] += count[d - 1];
        for (size_t i = 0; i < n; i++)
            dst[count[(src[i] >> shift) & 0xffu]++] = src[i];
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
}

uint32_t fq_stats_percentile(const uint32_t *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    double rank = ceil(p / 100.0 * (double)n);
    size_t i = rank < 1.0 ? 0 : (size_t)rank - 1;
    return v[i < n ? i : n - 1];
}

double fq_stats_t975(int df)
{
    static const double t[31] = {0,      12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365,
                                 2.306,  2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                                 2.120,  2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069,
                                 2.064,  2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
    if (df < 1)
        return 0.0;
    if (df <= 30)
        return t[df];
    return 1.960 + (t[30] - 1.960) * 30.0 / (double)df;
}

void fq_stats_mean_ci95(const double *x, size_t n, double *mean, double *half)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    double m = n ? sum / (double)n : 0.0;
    double ss = 0.0;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - m) * (x[i] - m);
    *mean = m;
    *half = n < 2 ? 0.0 : fq_stats_t975((int)n - 1) * sqrt(ss / (double)(n - 1)) / sqrt((double)n);
}

double fq_stats_jain(const double *x, size_t n)
{
    double s = 0.0, s2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        s += x[i];
        s2 += x[i] * x[i];
    }
    if (n == 0 || s2 == 0.0)
        return 1.0;
    return s * s / ((double)n * s2);
}
