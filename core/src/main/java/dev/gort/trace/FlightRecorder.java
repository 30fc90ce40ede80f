package dev.gort.trace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Go 1.25's {@code runtime/trace.FlightRecorder}: the execution tracer running into a ring that
 * keeps the last {@code minAge} of events (or at most about {@code maxBytes} of them), so that when
 * something goes wrong the program can write what led there with {@link #writeTo}.
 * <pre>{@code
 * var fr = new FlightRecorder(Duration.ofSeconds(10), 32 << 20);
 * fr.start();
 * ...
 * if (requestTookTooLong) fr.writeTo(Path.of("slow.trace"));   // then: gort trace slow.trace
 * }</pre>
 * <p>gort has one tracer: while a flight recorder runs, {@code Go.startTrace} throws, and the other
 * way round. With {@code -Dgort.flightrecorder=DIR} the runtime starts one itself (10 s, 32 MB;
 * {@code -Dgort.flightrecorder.minage=MS}, {@code -Dgort.flightrecorder.maxbytes=N}) and writes
 * {@code DIR/gort-PID-deadlock-N.trace} (or {@code -leak-}, {@code -panic-}) when it reports a
 * deadlock, leaked goroutines, or a panic that ends a {@code Go.run}, printing the file's path under
 * the report.
 * <p>Cost while on: the tracer's, about 75 ns per scheduler event plus a stack walk (2-10 us) per
 * park and unblock ({@code -Dgort.trace.stacks=false} leaves the stacks out), and the ring's memory.
 * The written window starts where every P's buffer is complete; goroutines whose creation fell
 * before it appear with the state their first event implies.
 */
public final class FlightRecorder {
    private final Duration minAge;
    private final long maxBytes;

    /**
     * A flight recorder keeping at least {@code minAge} of events, within about {@code maxBytes}
     * (the smaller wins). Go's {@code FlightRecorderConfig}.
     * @throws IllegalArgumentException if either is not positive
     */
    public FlightRecorder(Duration minAge, long maxBytes) {
        if (minAge == null || minAge.isNegative() || minAge.isZero() || maxBytes <= 0) {
            throw new IllegalArgumentException("FlightRecorder: minAge and maxBytes must be positive, got "
                    + minAge + " and " + maxBytes);
        }
        this.minAge = minAge;
        this.maxBytes = maxBytes;
    }

    /** A flight recorder with gort's defaults: 10 seconds, 32 MB. */
    public FlightRecorder() {
        this(Duration.ofSeconds(10), 32L << 20);
    }

    /**
     * Starts recording. Goroutines already alive appear in the ring with their status.
     * @throws IllegalStateException if a flight recorder or a trace ({@code Go.startTrace}) is on
     */
    public void start() {
        dev.gort.runtime.Linkname.traceStartRing(minAge.toNanos(), maxBytes);
    }

    /**
     * Stops recording and drops the ring.
     * @throws IllegalStateException if no flight recorder is on
     */
    public void stop() {
        dev.gort.runtime.Linkname.traceStopRing();
    }

    /** Whether a flight recorder is on (this one or the one -Dgort.flightrecorder started). */
    public boolean enabled() {
        return dev.gort.runtime.Linkname.traceRingOn();
    }

    /**
     * Writes the ring's window to {@code file} in gort's trace format ({@code gort trace FILE}
     * shows it); recording goes on. The window ends at the moment of the call: what the program
     * records while it is written is left out, so the file shows one consistent moment. Returns
     * {@code file}.
     * @throws IllegalStateException if no flight recorder is on
     * @throws UncheckedIOException if the file cannot be written
     */
    public Path writeTo(Path file) {
        if (file == null) {
            throw new NullPointerException("FlightRecorder.writeTo: file is null");
        }
        try {
            if (!dev.gort.runtime.Linkname.traceWriteRing(file)) {
                throw new IllegalStateException("FlightRecorder.writeTo: the flight recorder is not on");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("FlightRecorder.writeTo: cannot write " + file + ": " + e.getMessage(), e);
        }
        return file;
    }
}
