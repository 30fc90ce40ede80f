package dev.gort.synctest;

import dev.gort.FatalError;
import dev.gort.Panic;
import dev.gort.runtime.Bubble;
import dev.gort.runtime.Linkname;
import dev.gort.time.Time;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/*
 * Synctest: the API of Go's testing/synctest (synctest.go: Test, Wait, Sleep) over the runtime's
 * bubbles (dev.gort.runtime.Bubble, Go's runtime/synctest.go), plus seeded schedules and
 * exploration, which Go does not have. The design essay is Bubble's.
 *
 * For a test framework (the JUnit extension): test(f) for @GoTest(synctest = true); test(seed, f)
 * for a pinned seed; explore(n, f) for @GoTest(seeds = n), whose ExploreFailure names the seed;
 * scheduleOf(t) reads the seed and hash of any failure a bubble threw.
 */
/**
 * Deterministic tests of concurrent code, after Go's {@code testing/synctest}, plus seeded,
 * replayable schedules.
 *
 * <h2>Bubbles and the fake clock</h2>
 * {@link #test(Runnable)} runs {@code f} as the root goroutine of a new <em>bubble</em> and returns
 * when every goroutine of the bubble has exited. Goroutines started inside (by {@code Go.go},
 * {@code Time.afterFunc}, contexts) belong to it. Inside, the clock is fake: {@code Time.now()} starts
 * at 2000-01-01T00:00:00Z and advances, instantly, to the bubble's next timer only when every goroutine
 * of the bubble is <em>durably blocked</em>. {@code Time.sleep/after/tick/afterFunc}, {@code Timer},
 * {@code Ticker}, {@code Time.now/since} and context deadlines and timeouts all follow it. Time stops
 * when the root goroutine returns.
 *
 * <pre>{@code
 * Synctest.test(() -> {
 *     var ctx = Context.withTimeout(Context.background(), Duration.ofHours(1));
 *     Time.sleep(Duration.ofMinutes(59));
 *     Synctest.await();
 *     assertNull(ctx.err());                         // not yet
 *     Time.sleep(Duration.ofMinutes(1));
 *     Synctest.await();
 *     assertEquals(Context.DEADLINE_EXCEEDED, ctx.err()); // an hour later, in milliseconds
 * });
 * }</pre>
 *
 * <h2>Durably blocked</h2>
 * A goroutine is durably blocked when only another goroutine of its bubble can wake it: a send,
 * receive or select on channels made in the bubble (or a nil channel, or {@code select {}}),
 * {@code Cond.await}, {@code Mutex.lock}, {@code RWMutex.lock/rlock} (on mutexes made in the bubble:
 * beyond Go, golang/go#77687), {@code WaitGroup.await} when the {@code add} that started its count
 * was made in the bubble (Go's rule: the group may have been made anywhere), a sleep, or
 * {@link #await}. Anything else is not durable, because something outside the bubble may end it: I/O,
 * JDK locks and monitors, {@code Thread.sleep}, channels and locks made outside the bubble, a
 * WaitGroup counted outside it. A goroutine blocked that
 * way stops the clock; goroutine dumps ({@code Go.stack}, {@link BubbleDeadlockError#dump()}) show
 * {@code [chan receive (durable), synctest bubble 1]} or say why a goroutine is not durable.
 *
 * <h2>Rules (Go's)</h2>
 * <ul>
 * <li>All goroutines durably blocked, no timer to advance to (or the root has returned): the bubble
 *     fails with {@link BubbleDeadlockError}, {@code deadlock: all goroutines in bubble are blocked}
 *     (or {@code deadlock: main bubble goroutine has exited but blocked goroutines remain}), and its
 *     dump is printed.</li>
 * <li>A channel or timer made in a bubble panics when used from outside it:
 *     {@code send on synctest channel from outside bubble}, {@code receive on ...},
 *     {@code close of ...}, {@code select on ...} (a select of two cases or more; one case is that
 *     plain operation, as in Go), {@code reset of synctest timer from outside bubble},
 *     {@code stop of ...}.</li>
 * <li>{@link #await} outside a bubble panics ({@code goroutine is not in a bubble}); two goroutines in
 *     {@code await} at once panic ({@code wait already in progress}); {@code test} inside a bubble
 *     panics ({@code synctest.Run called from within a synctest bubble}).</li>
 * <li>An exception escaping any goroutine of the bubble fails it: {@code test} throws that exception
 *     (a checked one wrapped in {@link Panic}). The bubble's other goroutines are abandoned.</li>
 * </ul>
 *
 * <h2>One goroutine at a time, and seeded schedules</h2>
 * gort runs a bubble's goroutines one at a time (Go runs them in parallel), and every choice among
 * them (which runnable goroutine runs next, which ready {@code select} case wins) comes from the
 * bubble's PRNG. {@link #test(long, Runnable)} makes that PRNG's seed the whole schedule: it uses
 * PCT (random priorities with a few priority-change points; a goroutine that wakes or starts one of
 * higher priority yields to it), so equal seeds give equal decision logs ({@link Schedule#hash()})
 * whatever GOMAXPROCS and the machine's load are. {@link #explore} runs many seeds and names the
 * first that fails, with the call that replays it.
 *
 * <p>Limits of determinism: a wake-up that comes from outside the bubble (a platform thread, real I/O,
 * a JDK lock or monitor handed over by the JDK, {@code Thread.sleep} or a timed JDK park, a channel or
 * lock made outside, a virtual thread made with the JDK's own API) happens at a time no seed controls.
 * Such wake-ups are counted ({@link Schedule#outsideEvents()}) and the bubble's dump says
 * {@code not reproducible}. A goroutine that blocks its carrier (a class initialiser, a native frame,
 * file I/O) holds the bubble up while it does. Time slices end only at the points the PRNG chooses
 * (waking or starting a goroutine, parking, {@code Go.gosched}); a loop that never reaches one runs
 * to its end.
 */
public final class Synctest {
    private Synctest() {}

    /**
     * Go's {@code synctest.Test}: runs f as the root goroutine of a new bubble (seeded randomly; sysmon's
     * time slices apply) and returns when every goroutine of the bubble has exited.
     *
     * @throws BubbleDeadlockError if the bubble deadlocks (Go's message; the dump is printed on stderr)
     * @throws Panic "synctest.Run called from within a synctest bubble" when called inside a bubble
     * @throws RuntimeException or Error: whatever escaped a goroutine of the bubble, with a
     *     {@link ScheduleInfo} suppressed
     * @throws FatalError if the runtime itself threw (Go's "fatal error", reported on stderr) while the
     *     bubble ran or before it started: the bubble ends, as every {@link dev.gort.Go#run} does
     */
    public static void test(Runnable f) {
        run(ThreadLocalRandom.current().nextLong(), false, f);
    }

    /**
     * Runs f as the root goroutine of a bubble whose schedule is a function of {@code seed} (PCT; see
     * the class documentation) and returns the schedule's summary once every goroutine has exited.
     * The same seed gives the same {@link Schedule#hash()} run after run, unless
     * {@link Schedule#outsideEvents()} is non-zero. Failures are as {@link #test(Runnable)}'s, with the
     * schedule attached as a suppressed {@link ScheduleInfo}.
     */
    public static Schedule test(long seed, Runnable f) {
        return run(seed, true, f);
    }

    /**
     * Runs f under {@code seeds} seeded schedules (seed {@link #exploreSeed(int) exploreSeed(i)} for
     * the i-th) until one fails, and throws {@link ExploreFailure} naming that seed and the call that
     * replays it; returns normally if all pass.
     *
     * @throws IllegalArgumentException if seeds &lt; 1
     */
    public static void explore(int seeds, Runnable f) {
        if (seeds < 1) {
            throw new IllegalArgumentException("explore: seeds must be at least 1, got " + seeds);
        }
        if (f == null) {
            throw new NullPointerException("explore: f is null");
        }
        for (int i = 0; i < seeds; i++) {
            long seed = exploreSeed(i);
            try {
                run(seed, true, f);
            } catch (RuntimeException | Error e) {
                Schedule s = scheduleOf(e).orElse(new Schedule(seed, true, 0, 0, 0));
                throw new ExploreFailure(i, seeds, s, e);
            }
        }
    }

    /** The seed {@link #explore} uses for its i-th schedule (a fixed sequence: explorations repeat). */
    public static long exploreSeed(int i) {
        long z = 0x5eed_0000_0000_0000L + (i + 1) * 0x9e3779b97f4a7c15L;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /**
     * Go's {@code synctest.Wait}: blocks until every other goroutine of the calling goroutine's bubble
     * is durably blocked (or has exited).
     *
     * @throws Panic "goroutine is not in a bubble" outside a bubble; "wait already in progress" if
     *     another goroutine of the bubble is in await
     */
    public static void await() {
        Linkname.synctestWait();
    }

    /** Go's {@code synctest.Sleep}: {@code Time.sleep(d)} then {@link #await()}. */
    public static void sleep(Duration d) {
        Time.sleep(d);
        await();
    }

    /** Whether the caller is a goroutine of a bubble (Go's internal IsInBubble). */
    public static boolean inBubble() {
        return Linkname.bubble() != null;
    }

    /** The schedule attached to an exception a bubble threw (as a suppressed {@link ScheduleInfo}). */
    public static Optional<Schedule> scheduleOf(Throwable t) {
        if (t instanceof ExploreFailure ef) {
            return Optional.of(ef.schedule());
        }
        for (Throwable s : t.getSuppressed()) {
            if (s instanceof ScheduleInfo si) {
                return Optional.of(si.schedule());
            }
        }
        return Optional.empty();
    }

    private static Schedule run(long seed, boolean seeded, Runnable f) {
        if (f == null) {
            throw new NullPointerException("synctest: f is null");
        }
        if (Linkname.bubble() != null) {
            throw new Panic("synctest.Run called from within a synctest bubble");
        }
        FatalError dead = Linkname.refusal();
        if (dead != null) {
            throw dead; // the runtime itself threw earlier: no bubble runs after that (as Go.run)
        }
        Bubble b = new Bubble(seed, seeded, BubbleDeadlockError::new);
        b.start(f);
        Throwable failure;
        try {
            failure = b.awaitEnd();
        } catch (InterruptedException e) {
            System.err.println("synctest: interrupted while waiting for the bubble; its goroutines:\n" + b.dump());
            Thread.currentThread().interrupt();
            throw new IllegalStateException("synctest: interrupted while waiting for bubble " + b.id, e);
        }
        Schedule s = new Schedule(seed, seeded, b.decisions(), b.hash(), b.outsideEvents());
        if (failure == null) {
            return s;
        }
        FatalError refused = Linkname.refusal();
        if (refused != null && refused.getCause() == failure) {
            failure = refused; // the runtime threw: a new instance, as a later run gets
        }
        if (failure instanceof BubbleDeadlockError d) {
            System.err.println("panic: " + d.getMessage() + "\n\n" + d.dump());
        }
        RuntimeException rethrown = failure instanceof RuntimeException re ? re
                : failure instanceof Error ? null : new Panic(String.valueOf(failure), failure);
        Throwable t = rethrown != null ? rethrown : failure;
        t.addSuppressed(new ScheduleInfo(s));
        if (t instanceof Error err) {
            throw err;
        }
        throw (RuntimeException) t;
    }
}
