package dev.gort.time;

import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.chan.RecvChan;
import dev.gort.chan.Select;
import dev.gort.sync.WaitGroup;
import dev.gort.testing.ChildJvm;
import dev.gort.testing.Sched;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Ports of tests in Go's src/time/sleep_test.go (and time_test.go's two concurrent-timer tests)
 * not covered by TimeTest. Go's tests that retry with longer durations when the machine is slow
 * are made exact instead: a "must not have fired yet" check is only made when the clock shows the
 * deadline is still ahead. Waits for a timer that must fire are bounded (10 s) with a precise
 * failure message.
 */
@ExtendWith(Sched.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GoSleepTestPortsTest {
    static Duration ms(long n) {
        return Duration.ofMillis(n);
    }

    /** Receives from c, failing with what if nothing arrives within 10 s. */
    static <T> T recvWithin(RecvChan<T> c, String what) {
        Object[] got = {null};
        boolean[] timedOut = {false};
        new Select().recv(c, v -> got[0] = v).recv(Time.after(Duration.ofSeconds(10)), v -> timedOut[0] = true).run();
        assertFalse(timedOut[0], what + ": nothing within 10 s");
        @SuppressWarnings("unchecked")
        T t = (T) got[0];
        return t;
    }

    /**
     * Go's TestAfterFunc: a callback that re-arms itself with afterFunc(0) ten times, then signals.
     * Go's callback sleeps after re-arming; here the first one blocks until the chain is done,
     * which completes only if each callback runs in a goroutine of its own.
     */
    @Test
    void afterFuncChain() {
        Go.run(() -> {
            for (int round = 0; round < 20; round++) {
                Chan<Boolean> c = Chan.make();
                Chan<Boolean> chainDone = Chan.make();
                AtomicInteger i = new AtomicInteger(10);
                Runnable[] f = new Runnable[1];
                f[0] = () -> {
                    int left = i.decrementAndGet();
                    if (left >= 0) {
                        Time.afterFunc(Duration.ZERO, f[0]);
                        if (left == 9) {
                            chainDone.recv(); // the first callback waits for the last
                        }
                    } else {
                        chainDone.send(true);
                        c.send(true);
                    }
                };
                Time.afterFunc(Duration.ZERO, f[0]);
                recvWithin(c, "afterFunc chain");
            }
        });
    }

    /**
     * Starts the other goroutine of Go's TestAfterStress and TestTickerConcurrentStress: it loops
     * on gosched and a 1ns sleep until stop is set, then sends on the channel returned.
     */
    static RecvChan<Boolean> sleepLoop(AtomicBoolean stop) {
        Chan<Boolean> exited = Chan.make();
        Go.go(() -> {
            while (!stop.get()) {
                Go.gosched();
                Time.sleep(Duration.ofNanos(1));
            }
            exited.send(true);
        });
        return exited;
    }

    /**
     * Go's TestTickerStress (TestAfterStress in older Go): main takes 100 ticks of a 1ns
     * ticker while another goroutine loops on a 1ns sleep (Go's also runs GCs) until main is done.
     */
    @Test
    void afterStress() {
        Go.run(() -> {
            AtomicBoolean stop = new AtomicBoolean();
            RecvChan<Boolean> exited = sleepLoop(stop);
            Ticker ticker = Time.newTicker(Duration.ofNanos(1));
            for (int i = 0; i < 100; i++) {
                recvWithin(ticker.c(), "tick " + i);
            }
            ticker.stop();
            stop.set(true);
            recvWithin(exited, "sleeper exit");
        });
    }

    /**
     * Go's TestAfter: a receive from after(100ms) returns no sooner than 100ms after the call, and
     * the value it gets is no earlier than the start plus 100ms. Go compares the two Times'
     * monotonic readings; gort's value is an Instant, the wall clock at the send less the timer's
     * lateness, so a step of the wall clock during the wait (NTP, an operator) moves it. The test
     * measures the step (the wall clock's advance over the wait less the monotonic clock's) and
     * allows a backward one, so that its verdict does not depend on the wall clock being set; 2ms
     * is allowed besides for the two clocks' granularity and slew. Run from a goroutine (Go's test
     * goroutine) and from a platform thread (a timer in the global heap).
     */
    @Test
    void after() {
        Runnable body = () -> {
            Duration delay = ms(100);
            Instant start = Time.now();
            long t0 = System.nanoTime();
            Instant end = GoTickTestPortsTest.recvWithin(Time.after(delay), "after(100ms)"); // its guard is stopped
            long took = System.nanoTime() - t0;
            long step = Duration.between(start, Time.now()).toNanos() - took; // < 0: the wall clock went back
            assertTrue(took >= delay.toNanos(), "after(100ms) slept for only " + took / 1000 + "us");
            Instant min = start.plus(delay).minus(ms(2)).plusNanos(Math.min(0, step));
            assertFalse(end.isBefore(min), "after(100ms) sent " + end + ", want >= " + min
                    + " (the wall clock stepped " + step / 1000 + "us meanwhile)");
        };
        Go.run(body);
        body.run();
    }

    /**
     * Go's TestSleepZeroDeadlock (GOMAXPROCS 4 there): main alternates sleep(0) with a channel
     * round trip while another goroutine churns the scheduler; sleep(0) must leave the goroutine
     * runnable.
     */
    @Test
    void sleepZeroDeadlock() {
        Go.run(() -> {
            Chan<Boolean> c = Chan.make();
            Go.go(() -> {
                for (int i = 0; i < 1000; i++) {
                    Go.gosched();
                    Chan<Integer> tmp = Chan.make(1);
                    tmp.send(i);
                    tmp.recv();
                }
                c.send(true);
            });
            for (int i = 0; i < 2000; i++) {
                Time.sleep(Duration.ZERO);
                Chan<Boolean> tmp = Chan.make(1);
                tmp.send(true);
                assertTrue(tmp.recv());
            }
            c.recv();
        });
    }

    /**
     * Go's TestReset: reset of a running timer returns true and moves its deadline (no value while
     * the clock shows the new deadline ahead; a value once it passed); reset of an expired timer
     * whose value was received returns false.
     */
    @Test
    void reset() {
        Go.run(() -> {
            for (long d : new long[] {25, 50, 100}) {
                for (int round = 0; round < 3; round++) {
                    long created = System.nanoTime();
                    Timer t0 = Time.newTimer(ms(2 * d));
                    Time.sleep(ms(d));
                    long resetAt = System.nanoTime();
                    boolean wasRunning = t0.reset(ms(3 * d));
                    long resetEnd = System.nanoTime();
                    // it may have fired before the reset if this goroutine was kept off its core
                    if (resetEnd < created + TimeUnit.MILLISECONDS.toNanos(2 * d) && !wasRunning) {
                        fail("resetting unfired timer returned false (d=" + d + "ms)");
                    }
                    Time.sleep(ms(2 * d));
                    long lookAt = System.nanoTime();
                    boolean fired = t0.c().tryRecv() != null;
                    long checkAt = System.nanoTime(); // after the look: a value seen had fired by now
                    if (lookAt >= resetEnd + TimeUnit.MILLISECONDS.toNanos(3 * d)) {
                        assertTrue(fired, "Go 1.23: a receive after the deadline finds the value");
                    }
                    if (checkAt < resetAt + TimeUnit.MILLISECONDS.toNanos(3 * d)) {
                        assertFalse(fired, "timer fired early: " + (checkAt - resetAt) / 1000 + "us after a reset to "
                                + 3 * d + "ms");
                    }
                    if (!fired) {
                        recvWithin(t0.c(), "reset timer");
                    }
                    assertTrue(System.nanoTime() - resetAt >= TimeUnit.MILLISECONDS.toNanos(3 * d),
                            "value before the reset deadline");
                    assertFalse(t0.reset(ms(50)), "resetting expired timer returned true");
                    assertTrue(t0.stop());
                }
            }
        });
    }

    /**
     * Go's TestAfterStop: stopping a channel timer and an afterFunc timer before they fire
     * returns true, and neither fires later; stopping again returns false.
     */
    @Test
    void afterStop() {
        Go.run(() -> {
            for (int round = 0; round < 5; round++) {
                Time.afterFunc(ms(100), () -> {});
                long t = System.nanoTime();
                Timer t0 = Time.newTimer(ms(50));
                Chan<Boolean> c1 = Chan.make(1);
                Timer t1 = Time.afterFunc(ms(150), () -> c1.send(true));
                RecvChan<Instant> c2 = Time.after(ms(200));
                boolean s0 = t0.stop();
                boolean s1 = t1.stop();
                if (System.nanoTime() - t < TimeUnit.MILLISECONDS.toNanos(50)) {
                    assertTrue(s0, "failed to stop event 0");
                    assertTrue(s1, "failed to stop event 1");
                }
                c2.recv();
                if (s0) {
                    assertNull(t0.c().tryRecv(), "event 0 was not stopped");
                }
                if (s1) {
                    assertNull(c1.tryRecv(), "event 1 was not stopped");
                    assertFalse(t1.stop(), "Stop returned true twice");
                }
            }
        });
    }

    /**
     * Go's TestAfterQueuing: goroutines each wait on after(slot x delta) for shuffled slots; each
     * value is at or after its own deadline, and every goroutine gets its value.
     */
    @Test
    void afterQueuing() {
        testAfterQueuing(Time::after);
    }

    /**
     * TestAfterQueuing's body over after (Time.after, or a newTimerFunc's channel): every slot's
     * goroutine gets its value once, at or after its own deadline.
     */
    static void testAfterQueuing(Function<Duration, RecvChan<Instant>> after) {
        int[] slots = {5, 3, 6, 6, 6, 1, 1, 2, 7, 9, 4, 8, 0};
        long delta = 20;
        Go.run(() -> {
            Chan<long[]> result = Chan.make(slots.length);
            Instant t0 = Time.now();
            for (int slot : slots) {
                RecvChan<Instant> ac = after.apply(ms(slot * delta));
                Go.go(() -> result.send(new long[] {slot, Duration.between(t0, ac.recv()).toNanos()}));
            }
            List<Integer> got = new ArrayList<>();
            for (int i = 0; i < slots.length; i++) {
                long[] r = recvWithin(result, "after result " + i);
                got.add((int) r[0]);
                assertTrue(r[1] >= TimeUnit.MILLISECONDS.toNanos(r[0] * delta) - 1_000_000,
                        "slot " + r[0] + " got its time " + r[1] / 1000 + "us after start");
            }
            List<Integer> want = new ArrayList<>();
            for (int slot : slots) {
                want.add(slot);
            }
            got.sort(null);
            want.sort(null);
            assertEquals(want, got, "every slot's goroutine got its value once");
        });
    }

    /**
     * Go's TestTimerModifiedEarlier: a timer due in an hour is stopped and reset to a time in the
     * past ten times; it must then fire promptly (it is waited for with a 10 s deadline timer).
     */
    @Test
    void timerModifiedEarlier() {
        testTimerModifiedEarlier(d -> GoTickTestPortsTest.of(Time.newTimer(d)));
    }

    /** TestTimerModifiedEarlier's body for timers made by newTimer (a channel timer or Go's newTimerFunc). */
    static void testTimerModifiedEarlier(Function<Duration, GoTickTestPortsTest.TimerLike> newTimer) {
        Go.run(() -> {
            Duration past = Time.until(Instant.EPOCH);
            for (int i = 0; i < 300; i++) {
                GoTickTestPortsTest.TimerLike timer = newTimer.apply(Duration.ofHours(1));
                for (int j = 0; j < 10; j++) {
                    if (!timer.stop()) {
                        recvWithin(timer.c(), "the value after a false stop, " + i + "/" + j);
                    }
                    timer.reset(past);
                }
                Timer deadline = Time.newTimer(Duration.ofSeconds(10));
                int iter = i;
                new Select()
                        .recv(timer.c(), v -> {})
                        .recv(deadline.c(), v -> fail("deadline expired, iteration " + iter))
                        .run();
                deadline.stop();
            }
        });
    }

    /**
     * Go's TestAdjustTimers: 100 timers, each driven through a state machine in a random
     * interleaving: made with 0 and received; reset to minutes (reset must return false), stopped
     * (true, or drained if false); reset to 0 (false) and received.
     */
    @Test
    void adjustTimers() {
        testAdjustTimers(d -> GoTickTestPortsTest.of(Time.newTimer(d)));
    }

    /** TestAdjustTimers' body for timers made by newTimer (a channel timer or Go's newTimerFunc). */
    static void testAdjustTimers(Function<Duration, GoTickTestPortsTest.TimerLike> newTimer) {
        Go.run(() -> {
            for (int round = 0; round < 5; round++) {
                long seed = System.nanoTime();
                Random rnd = new Random(seed);
                GoTickTestPortsTest.TimerLike[] timers = new GoTickTestPortsTest.TimerLike[100];
                int[] states = new int[timers.length];
                List<Integer> indices = new ArrayList<>();
                for (int i = 0; i < timers.length; i++) {
                    indices.add(i);
                }
                java.util.Collections.shuffle(indices, rnd);
                while (!indices.isEmpty()) {
                    int ii = rnd.nextInt(indices.size());
                    int i = indices.get(ii);
                    GoTickTestPortsTest.TimerLike timer = timers[i];
                    int state = states[i]++;
                    String at = "seed " + seed + " timer " + i + " state " + state;
                    switch (state) {
                        case 0 -> timers[i] = newTimer.apply(Duration.ZERO);
                        case 1 -> recvWithin(timer.c(), at); // timer now idle
                        case 2 -> assertFalse(timer.reset(Duration.ofMinutes(1)), "shouldn't be active: " + at);
                        case 4 -> assertFalse(timer.reset(Duration.ofMinutes(3)), "shouldn't be active: " + at);
                        case 6 -> assertFalse(timer.reset(Duration.ofMinutes(2)), "shouldn't be active: " + at);
                        case 3, 5, 7 -> {
                            if (!timer.stop()) {
                                recvWithin(timer.c(), at);
                            }
                        }
                        case 8 -> assertFalse(timer.reset(Duration.ZERO), "timer.reset returned true: " + at);
                        case 9 -> recvWithin(timer.c(), at);
                        case 10 -> {
                            indices.set(ii, indices.get(indices.size() - 1));
                            indices.remove(indices.size() - 1);
                        }
                        default -> fail("state " + state);
                    }
                }
            }
        });
    }

    /**
     * Go's TestAfterFuncStarvation: at GOMAXPROCS=1 two goroutines ping-pong through a 1-slot
     * channel, so one of them is always runnable; an afterFunc(1us) callback that tells them to
     * stop must still get to run.
     */
    @Test
    void afterFuncStarvation() {
        Go.gomaxprocs(1);
        Go.run(() -> {
            for (int round = 0; round < 20; round++) {
                WaitGroup wg = new WaitGroup();
                AtomicBoolean stop = new AtomicBoolean();
                Chan<Boolean> c = Chan.make(1);
                wg.add(2);
                Go.go(() -> {
                    while (!stop.get()) {
                        c.send(true);
                    }
                    c.close();
                    wg.done();
                });
                Go.go(() -> {
                    for (boolean ignored : c) {
                        // drain
                    }
                    wg.done();
                });
                Time.afterFunc(Duration.ofNanos(1000), () -> stop.set(true));
                wg.await();
            }
        });
    }

    /**
     * Go's TestOverflowSleep: a sleep and a timer of the largest duration never end (the timer
     * loses to a 25ms one), and the most negative duration sleeps not at all and fires at once.
     * Also Java durations beyond the nanosecond range. In a JVM of its own: as Go's test, it leaves
     * goroutines asleep for ever, and their pending timers kept a timer sleeper for the rest of the
     * test JVM, which TimersTest's quiescent-runtime checks then never found.
     */
    @Test
    void overflowSleep() throws Exception {
        ChildJvm.Result r = ChildJvm.run(true, List.of(), OverflowSleep.class.getName());
        assertEquals(0, r.exit(), r.toString());
        assertEquals("ok\n", r.stdout(), r.toString());
    }

    /** overflowSleep's program: prints "ok", or fails with the assertion. */
    public static final class OverflowSleep {
        public static void main(String[] args) {
            Go.run(() -> {
                Duration big = Duration.ofNanos(Long.MAX_VALUE);
                for (Duration huge : new Duration[] {big, ChronoUnit.FOREVER.getDuration()}) {
                    Chan<Boolean> woke = Chan.make(1);
                    Go.go(() -> {
                        Time.sleep(huge);
                        woke.send(true);
                    });
                    int chosen = new Select()
                            .recv(Time.after(huge), v -> fail("big timeout fired"))
                            .recv(Time.after(ms(25)), v -> {})
                            .run();
                    assertEquals(1, chosen);
                    assertNull(woke.tryRecv(), "big sleep returned");
                }
                for (Duration neg : new Duration[] {Duration.ofNanos(Long.MIN_VALUE), ChronoUnit.FOREVER.getDuration().negated()}) {
                    Time.sleep(neg);
                    int chosen = new Select()
                            .recv(Time.after(neg), v -> {})
                            .recv(Time.after(Duration.ofSeconds(10)), v -> fail("negative timeout didn't fire"))
                            .run();
                    assertEquals(0, chosen);
                }
            });
            System.out.println("ok");
        }
    }

    /** Go's TestZeroTimer (scaled down): newTimer(0) fires, every time. */
    @Test
    void zeroTimer() {
        Go.run(() -> {
            for (int i = 0; i < 20_000; i++) {
                Timer ti = Time.newTimer(Duration.ZERO);
                ti.c().recv(); // a lost timer hangs here: the class timeout's dump shows it
            }
        });
    }

    /**
     * Go's TestConcurrentTimerReset (from time_test.go; issues 25686 and 37400): eight goroutines
     * reset one timer a thousand times each, to an hour plus a few ns, with no synchronisation;
     * nothing may throw. Go checks only that; here the timer must then also be intact: still
     * pending with nothing sent (stop reports true), and one reset to 1ms after that fires it
     * exactly once. A timer queued twice, or dropped from its heap, by the racing resets fails
     * one of those (a second value, or none within 10 s).
     */
    @Test
    void concurrentTimerReset() {
        Go.run(() -> {
            for (int round = 0; round < 20; round++) {
                Timer timer = Time.newTimer(Duration.ofHours(1));
                WaitGroup wg = new WaitGroup();
                raceResets(timer, wg);
                wg.await();
                assertNull(timer.c().tryRecv(), "a value sent for a timer an hour away");
                assertTrue(timer.stop(), "the timer was pending, stop must say so");
                assertOneFiring(timer);
            }
        });
    }

    /**
     * Go's TestConcurrentTimerResetStop (from time_test.go; issue 37400): as
     * {@link #concurrentTimerReset}, with eight more goroutines each stopping the timer once while
     * the resets go on. Whichever call came last, the timer must be left consistent: no value
     * for an hour-long timer, stop after it all then returns false, and one reset to 1ms fires
     * it exactly once.
     */
    @Test
    void concurrentTimerResetStop() {
        Go.run(() -> {
            for (int round = 0; round < 20; round++) {
                Timer timer = Time.newTimer(Duration.ofHours(1));
                WaitGroup wg = new WaitGroup();
                raceResets(timer, wg);
                for (int i = 0; i < 8; i++) {
                    wg.go(timer::stop);
                }
                wg.await();
                assertNull(timer.c().tryRecv(), "a value sent for a timer an hour away");
                timer.stop();
                assertFalse(timer.stop(), "stop twice in a row: the second must find it stopped");
                assertOneFiring(timer);
            }
        });
    }

    /** Go's racing resets: eight goroutines of wg each reset timer 1,000 times, to an hour plus a few ns. */
    private static void raceResets(Timer timer, WaitGroup wg) {
        for (int i = 0; i < 8; i++) {
            int gi = i;
            wg.go(() -> {
                for (int j = 0; j < 1000; j++) {
                    timer.reset(Duration.ofHours(1).plusNanos((long) gi * j));
                }
            });
        }
    }

    /** A stopped timer reset to 1ms: reset says it was not pending, and exactly one value arrives. */
    private static void assertOneFiring(Timer timer) {
        assertFalse(timer.reset(ms(1)), "reset of a stopped timer reported it pending");
        recvWithin(timer.c(), "the timer reset to 1ms");
        Time.sleep(ms(5));
        assertNull(timer.c().tryRecv(), "a second value from a one-shot timer");
        assertFalse(timer.stop(), "stop after the timer fired and its value was received");
    }
}
