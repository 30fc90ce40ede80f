package dev.gort.metrics;

/**
 * One metric's value at the time of {@link Metrics#read()}, as Go's {@code metrics.Sample}.
 * Exactly one of the values is meaningful, per {@link #kind()}; the others are 0 or null.
 * @param name the metric's name, e.g. {@code /sched/goroutines:goroutines}
 * @param kind which value is set
 * @param uint64 the value of a {@link Kind#UINT64} metric
 * @param float64 the value of a {@link Kind#FLOAT64} metric
 * @param histogram the value of a {@link Kind#FLOAT64_HISTOGRAM} metric
 */
public record Sample(String name, Kind kind, long uint64, double float64, Histogram histogram) {
    static Sample uint64(String name, long v) {
        return new Sample(name, Kind.UINT64, v, 0, null);
    }

    static Sample float64(String name, double v) {
        return new Sample(name, Kind.FLOAT64, 0, v, null);
    }

    /** The value as a double, whatever its kind (a histogram's: its count of samples). */
    public double asDouble() {
        return switch (kind) {
            case UINT64 -> uint64;
            case FLOAT64 -> float64;
            case FLOAT64_HISTOGRAM -> histogram.count();
        };
    }
}
