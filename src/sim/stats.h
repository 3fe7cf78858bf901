/* stats.h — the small statistics the simulator reports: sorting waits,
 * exact percentiles, Student-t confidence intervals and Jain's index.
 *
 * Waits are kept as uint32 milliseconds (up to 49 days each), which keeps
 * ten million of them in 40 MB and lets them be sorted by radix in linear
 * time. */
#ifndef FAIRQ_SIM_STATS_H
#define FAIRQ_SIM_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "fairq/common.h"

/* Sorts v[0..n) ascending. tmp must hold n values (scratch). */
void fq_stats_sort_u32(uint32_t *v, uint32_t *tmp, size_t n);

/* Nearest-rank percentile of sorted v[0..n): the smallest value such that at
 * least p percent of the values are <= it (0 < p <= 100). 0 when n == 0. */
uint32_t fq_stats_percentile(const uint32_t *v, size_t n, double p);

/* t_{0.975, df}: the two-sided 95% quantile of Student's t with df >= 1
 * degrees of freedom (exact table to 30, then a 1/df interpolation to 1.96
 * that is within 0.002 of the true value). */
double fq_stats_t975(int df);

/* Mean of x[0..n) and the half-width of its 95% confidence interval,
 * t_{0.975, n-1} * s / sqrt(n); the half-width is 0 when n < 2. */
void fq_stats_mean_ci95(const double *x, size_t n, double *mean, double *half);

/* Jain's fairness index (sum x)^2 / (n * sum x^2) of x[0..n); 1 when n == 0
 * or every x is 0 (nobody waits: perfectly fair). */
double fq_stats_jain(const double *x, size_t n);

#endif
