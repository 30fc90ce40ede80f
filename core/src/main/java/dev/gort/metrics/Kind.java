package dev.gort.metrics;

/** A metric's value kind, as Go's {@code metrics.ValueKind}. */
public enum Kind {
    /** A count: {@link Sample#uint64()}. */
    UINT64,
    /** A real number, e.g. seconds: {@link Sample#float64()}. */
    FLOAT64,
    /** A distribution: {@link Sample#histogram()}. */
    FLOAT64_HISTOGRAM
}
