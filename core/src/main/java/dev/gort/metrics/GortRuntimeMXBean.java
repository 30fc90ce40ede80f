package dev.gort.metrics;

import java.util.Map;

/**
 * gort's scheduler as a JMX MXBean, {@code dev.gort:type=Runtime} (see {@link Metrics#registerMBean}).
 * Each attribute is one of {@link Metrics}'s values; {@link #getMetrics()} has them all by Go's names.
 */
public interface GortRuntimeMXBean {
    /** {@link Metrics#GOROUTINES}. */
    long getGoroutines();

    /** {@link Metrics#GOROUTINES_RUNNABLE}. */
    long getGoroutinesRunnable();

    /** {@link Metrics#GOROUTINES_RUNNING}. */
    long getGoroutinesRunning();

    /** {@link Metrics#GOROUTINES_WAITING}. */
    long getGoroutinesWaiting();

    /** {@link Metrics#GOROUTINES_NOT_IN_GO}. */
    long getGoroutinesInSyscall();

    /** {@link Metrics#GOROUTINES_CREATED}. */
    long getGoroutinesCreated();

    /** {@link Metrics#THREADS}. */
    long getThreads();

    /** {@link Metrics#GOMAXPROCS}. */
    int getGomaxprocs();

    /** Sets GOMAXPROCS, as {@code Go.gomaxprocs(n)}; values below 1 are ignored. */
    void setGomaxprocs(int n);

    /** The median of {@link Metrics#LATENCIES}, seconds (an upper bound: its bucket's top). */
    double getSchedLatencyP50Seconds();

    /** The 99th percentile of {@link Metrics#LATENCIES}, seconds (an upper bound). */
    double getSchedLatencyP99Seconds();

    /** Seconds blocked per wait reason ({@code chan receive}, {@code sync.Mutex.Lock}, ...). */
    Map<String, Double> getBlockedSeconds();

    /** Every metric by its Go name (a histogram's value is its sample count). */
    Map<String, Double> getMetrics();

    /** Every goroutine's stack, in Go's format ({@code Go.stack(true)}). */
    String goroutineDump();
}
