package dev.gort.time;

import dev.gort.Panic;
import dev.gort.chan.RecvChan;
import dev.gort.runtime.Bubble;
import dev.gort.runtime.Linkname;

import java.time.Duration;
import java.time.Instant;

/*
 * Time: the package-level functions of Go's time package (src/time/sleep.go, tick.go), over the
 * runtime's timers (dev.gort.runtime.Timer and Timers, Go's runtime/time.go).
 *
 * Sleep parks the goroutine on a runtime timer (wait reason "sleep"); After/Tick/NewTimer/
 * NewTicker give a timer a 1-slot channel that the timer fills without blocking; AfterFunc's
 * timer starts f in a new goroutine. See Timer for Go 1.23's stop/reset guarantees.
 *
 * Durations: Go's time.Duration is int64 nanoseconds; java.time.Duration is converted with
 * Duration.toNanos, saturating at Long.MAX_VALUE (about 292 years, Go's maximum too).
 *
 * Differences from Go
 * -------------------
 *  - Time values are java.time.Instant (wall clock, Instant.now() minus the timer's lateness), not
 *    Go's Time with a monotonic reading.
 *  - Time.sleep from a platform thread parks that thread on the same runtime timer.
 *  - Go's time.Now reads the fake clock inside a synctest bubble; here Time.now/since/until do,
 *    and so do every timer, sleep and context deadline (java.time.Instant.now() stays real).
 */
/**
 * Go's {@code time} package functions: {@link #sleep}, {@link #after}, {@link #tick},
 * {@link #afterFunc}, {@link #newTimer}, {@link #newTicker}. Every wait is a runtime timer in
 * gort's per-P timer heaps: no thread per timer, and goroutine dumps show sleeping goroutines as
 * {@code [sleep]}.
 */
public final class Time {
    private Time() {}

    /**
     * Go's {@code time.Sleep}: pauses the calling goroutine for at least d (returns at once if d is
     * zero or negative). Parks through the runtime (wait reason {@code sleep}); from a platform
     * thread it blocks that thread. Not interruptible: an interrupt is kept, as a flag, for later.
     */
    public static void sleep(Duration d) {
        dev.gort.runtime.Timer.timeSleep(nanos(d));
    }

    /**
     * Go's {@code time.After}: a channel that receives the current time once d has elapsed. Same as
     * {@code newTimer(d).c()}. As since Go 1.23, its timer is garbage as soon as nothing
     * references the channel, fired or not, so {@code after} in a loop's select keeps nothing.
     */
    public static RecvChan<Instant> after(Duration d) {
        return newTimer(d).c();
    }

    /**
     * Go's {@code time.Tick}: a channel that receives the time every d, dropping ticks a slow
     * receiver misses. Returns null (Go's nil channel: a receive blocks for ever) if d &lt;= 0.
     */
    public static RecvChan<Instant> tick(Duration d) {
        if (nanos(d) <= 0) {
            return null;
        }
        return newTicker(d).c();
    }

    /**
     * Go's {@code time.AfterFunc}: once d has elapsed, runs f in its own goroutine (of the caller's
     * {@code Go.run}, if any). Returns a Timer whose {@link Timer#stop} cancels the call; its
     * {@link Timer#c()} is null.
     */
    public static Timer afterFunc(Duration d, Runnable f) {
        return Timer.afterFunc(nanos(d), f);
    }

    /** Go's {@code time.NewTimer}: a Timer that sends the current time on its channel after d. */
    public static Timer newTimer(Duration d) {
        return Timer.channel(nanos(d));
    }

    /**
     * Go's {@code time.NewTicker}: a Ticker that sends the time on its channel every d.
     *
     * @throws Panic "non-positive interval for NewTicker" if d &lt;= 0
     */
    public static Ticker newTicker(Duration d) {
        long ns = nanos(d);
        if (ns <= 0) {
            throw new Panic("non-positive interval for NewTicker");
        }
        return new Ticker(ns);
    }

    /**
     * Go's {@code time.Now}: the current time. Inside a synctest bubble, the bubble's fake clock
     * (2000-01-01T00:00:00Z when the bubble starts; see {@code dev.gort.synctest.Synctest}); outside,
     * {@link Instant#now()}.
     */
    public static Instant now() {
        Bubble b = Linkname.bubble();
        return b == null ? Instant.now() : Instant.ofEpochSecond(0, b.nowUnixNanos());
    }

    /** Go's {@code time.Since}: the time elapsed since t, on the same clock as {@link #now()}. */
    public static Duration since(Instant t) {
        if (t == null) {
            throw new NullPointerException("since: t is null");
        }
        return Duration.between(t, now());
    }

    /** Go's {@code time.Until}: the duration until t, on the same clock as {@link #now()}. */
    public static Duration until(Instant t) {
        if (t == null) {
            throw new NullPointerException("until: t is null");
        }
        return Duration.between(now(), t);
    }

    /** Converts a Duration to ns, saturated. */
    static long nanos(Duration d) {
        if (d == null) {
            throw new NullPointerException("duration is null");
        }
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /** Go's when(d): the runtime deadline d from now, at least now, saturating at Long.MAX_VALUE. */
    static long when(long d) {
        long now = Linkname.nanotime(); // the bubble's fake clock inside a synctest bubble
        if (d <= 0) {
            return now;
        }
        long t = now + d;
        return t < 0 ? Long.MAX_VALUE : t;
    }
}
