package dev.gort.metrics;

import java.util.Arrays;

/**
 * A distribution, as Go's {@code metrics.Float64Histogram}: {@code counts[i]} samples fell in
 * {@code [buckets[i], buckets[i+1])}; {@code buckets} has one more element than {@code counts}, and
 * its last may be {@code +Infinity}. The arrays are copies the caller owns.
 * @param counts samples per bucket
 * @param buckets the bucket boundaries, ascending
 */
public record Histogram(long[] counts, double[] buckets) {
    public Histogram {
        if (buckets.length != counts.length + 1) {
            throw new IllegalArgumentException("histogram: " + buckets.length + " boundaries for "
                    + counts.length + " buckets (want one more)");
        }
    }

    /** The number of samples. */
    public long count() {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        return n;
    }

    /**
     * An upper estimate of quantile q (0..1): the upper boundary of the bucket holding it (for the
     * last, unbounded bucket, its lower boundary). 0 when there are no samples.
     * @throws IllegalArgumentException if q is not within [0, 1]
     */
    public double quantile(double q) {
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile: q must be within [0, 1], got " + q);
        }
        long n = count();
        if (n == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * n));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                double hi = buckets[i + 1];
                return Double.isInfinite(hi) ? buckets[i] : hi;
            }
        }
        return buckets[counts.length - 1];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Histogram h && Arrays.equals(counts, h.counts) && Arrays.equals(buckets, h.buckets);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(counts) + Arrays.hashCode(buckets);
    }

    @Override
    public String toString() {
        return "Histogram[count=" + count() + ", p50=" + quantile(0.5) + ", p99=" + quantile(0.99) + "]";
    }
}
