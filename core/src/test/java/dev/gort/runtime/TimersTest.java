package dev.gort.runtime;

import dev.gort.Go;
import dev.gort.sync.WaitGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class TimersTest {
    static final int STRESS = Integer.getInteger("gort.stress", 1);
    static final long MS = 1_000_000;

    /**
     * Go 1.23's needsAdd (Timer's "Timer channels"): a channel timer is in no heap while nobody
     * waits on its channel, in one while a receiver waits (a blocking receive, or a select), and
     * in none once that wait is over, whichever way it ended. A ticker nobody waits on is not
     * run: the next receive, here a non-blocking one, fires the due tick itself, once, with the
     * ticks in between skipped.
     */
    @Test
    void aChannelTimerIsInAHeapOnlyWhileAReceiverWaits() {
        Go.run(() -> {
            for (int kind = 0; kind < 4; kind++) {
                dev.gort.chan.Chan<Long> c = dev.gort.chan.Chan.make(1);
                Timer t = channelTimer(c, new AtomicInteger());
                t.reset(Timers.nanotime() + 3_600_000 * MS, 0);
                assertFalse(inHeap(t), "pending with nobody waiting, yet in a heap");
                AtomicLong got = new AtomicLong();
                AtomicReference<Thread> receiver = new AtomicReference<>();
                WaitGroup wg = new WaitGroup();
                wg.add(1);
                boolean select = kind % 2 == 1, interrupt = kind >= 2;
                Go.go(() -> {
                    receiver.set(Thread.currentThread());
                    try {
                        if (select) {
                            new dev.gort.chan.Select().recv(c, got::set)
                                    .recv(dev.gort.chan.Chan.<Integer>make(), v -> { }).run();
                        } else {
                            got.set(c.recv());
                        }
                    } catch (dev.gort.chan.ChanInterruptedException e) {
                        got.set(-1);
                    } finally {
                        wg.done();
                    }
                });
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!inHeap(t)) {
                    assertTrue(System.nanoTime() < deadline, "a receiver waits, yet the timer is in no heap");
                    dev.gort.time.Time.sleep(java.time.Duration.ofMillis(1));
                }
                if (interrupt) {
                    receiver.get().interrupt();
                } else {
                    t.reset(Timers.nanotime(), 0); // due now: an M fires it from the heap
                }
                wg.await();
                assertEquals(interrupt, got.get() == -1, "interrupted, or got the timer's value");
                assertFalse(inHeap(t), "nobody waits any more, yet the timer is in a heap");
                assertEquals(interrupt, t.pending(), "still pending after the interrupted wait, else fired");
                t.stop();
            }

            dev.gort.chan.Chan<Long> c = dev.gort.chan.Chan.make(1);
            AtomicInteger fires = new AtomicInteger();
            Timer ticker = channelTimer(c, fires);
            ticker.reset(Timers.nanotime() + MS, MS);
            dev.gort.time.Time.sleep(java.time.Duration.ofMillis(20));
            assertEquals(0, fires.get(), "a ticker nobody waits on ran");
            assertFalse(inHeap(ticker));
            dev.gort.chan.Recv<Long> r = c.tryRecv();
            assertTrue(r != null && r.ok(), "a receive after the deadline found no tick");
            assertEquals(1, fires.get(), "the receive fired the ticker once, skipping the missed ticks");
            assertFalse(inHeap(ticker), "nobody waits, yet the ticker was put back");
            assertTrue(ticker.stop());
        });
    }

    /** A channel timer as dev.gort.time makes one: f counts and sends seq into c's slot. */
    private static Timer channelTimer(dev.gort.chan.Chan<Long> c, AtomicInteger fires) {
        Timer t = new Timer((arg, seq, delay) -> {
            fires.incrementAndGet();
            c.trySend(seq + 1);
        }, null, () -> {
            dev.gort.chan.Recv<Long> r = c.tryRecv();
            return r != null && r.ok();
        });
        Linkname.timerChan(c, t);
        return t;
    }

    private static boolean inHeap(Timer t) {
        t.mu.lock();
        try {
            return t.ts != null;
        } finally {
            t.mu.unlock();
        }
    }

    /**
     * A P that GOMAXPROCS killed keeps its timers. When the last busy P goes idle through handoffp
     * (a locked M's stop, a retake, a blocking syscall), handoffp asks wakeNetPoller for a sleeper
     * M; a timer in a dead P's heap needs one as much as the idle P's own. Before, only that P's
     * heap was looked at, and such a timer never fired: every P idle, every M asleep, sysmon
     * sleeping to the deadline and back (a soak hang at GOMAXPROCS 8, a locked goroutine's sleep).
     * Here the timer is put straight into the dead P's heap, as a reset on that P left it, and
     * handoffp's call is made for the idle P0.
     */
    @Test
    void aTimerInADeadPsHeapFiresWhenAPGoesIdleThroughHandoff() throws Exception {
        Go.run(() -> { }); // the runtime is up
        int old = Go.gomaxprocs(2);
        try {
            Go.gomaxprocs(1); // P1 is idle, so procresize kills it at once
            P dead = Proc.allp[1];
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            // quiescent: P1 dead, P0 idle, no timer pending (another test's sleeps have ended), so
            // nothing but the call below can make an M look at the heaps
            while (dead.status != PStatus.DEAD || Proc.allp[0].status != PStatus.IDLE || Timers.earliest() != 0) {
                assertTrue(System.nanoTime() < deadline, "no quiescent runtime: P1 " + dead.status + ", P0 "
                        + Proc.allp[0].status + ", earliest timer " + Timers.earliest());
                Thread.sleep(1);
            }
            CountDownLatch fired = new CountDownLatch(1);
            addUnannounced(dead.timers, Timers.nanotime() + 10 * MS, (arg, seq, delay) -> fired.countDown());
            TimerSleeper.wakeNetPoller(); // handoffp, having put P0 on the idle list
            assertTrue(fired.await(20, TimeUnit.SECONDS), "the dead P's timer never fired");
        } finally {
            Go.gomaxprocs(old);
        }
    }

    /**
     * A goroutine goes on running after sysmon retook its P, and a timer it sets goes to that P's
     * heap (its M's p names the P until the M's next schedule). wakeSleeper took every timer a
     * goroutine set for its own P's business; in a P the goroutine no longer held nobody slept for
     * it, and with a locked M, whose stop hands off no P, every P went idle with the timer pending
     * (a soak hang at GOMAXPROCS 2). Here a goroutine sets a timer into the heap of an idle P it
     * does not hold, as after a retake: an M must come to sleep for it. The deadline is far, so
     * that sysmon's check for overdue timers cannot stand in for the sleeper. Since wakeSleeper
     * stopped asking which heap a timer is in (aTimerSetOnTheSettersOwnBusyPGetsASleeper), this
     * case takes the same path as that one; it stays as the soak hang's regression test.
     */
    @Test
    void aTimerSetIntoAPTheGoroutineDoesNotHoldGetsASleeper() {
        besideAnIdleP((mine, other, deadline) -> {
            long when = Timers.nanotime() + TimeUnit.SECONDS.toNanos(60);
            Timer t = addUnannounced(other.timers, when, (arg, seq, delay) -> { });
            TimerSleeper.wakeSleeper(when); // Timer.reset's call after its add
            try {
                while (!sleeperExists()) {
                    if (System.nanoTime() > deadline + TimeUnit.SECONDS.toNanos(10)) {
                        return "no M came to sleep for a timer in P" + other.id + "'s heap";
                    }
                    Thread.onSpinWait();
                }
                return null;
            } finally {
                t.stop();
            }
        });
    }

    /**
     * A ticker keeps ticking on a P whose goroutine never returns to the scheduler, beside a
     * sleeper M that read the heaps while the ticker was out of its heap. The runner takes a due
     * ticker out of its heap, fires it and puts it back for its next tick; a sleeper computing its
     * deadline in between saw only a far timer and slept until it. The re-add woke nobody, and
     * sysmon's check stood down for any sleeper, so with the ticker's P held the ticker stopped
     * (found by a review). Here the goroutine plays the runner (it fires the ticker on its own P's
     * heap, as its M's checkTimers would) after a sleeper has settled on a 60 s timer, then keeps
     * its P without a safe point; the ticker must tick again.
     */
    @Test
    void aTickerKeepsTickingBesideASleeperThatReadTheHeapsWithoutIt() {
        AtomicInteger ticks = new AtomicInteger();
        besideAnIdleP((mine, other, deadline) -> {
            long far = Timers.nanotime() + TimeUnit.SECONDS.toNanos(60);
            Timer farTimer = addUnannounced(other.timers, far, (arg, seq, delay) -> { });
            TimerSleeper.wakeSleeper(far);
            Timer ticker = new Timer((arg, seq, delay) -> ticks.incrementAndGet(), null, null);
            try {
                while (!TimerSleeper.sleepsFor(far) || TimerSleeper.sleepsFor(far - 1)) {
                    if (System.nanoTime() > deadline) {
                        return "no M came to sleep for the 60 s timer";
                    }
                    Thread.onSpinWait();
                }
                // The runner's turn: the ticker, due now with a 5 ms period, taken out of this P's
                // heap (never put in: the sleeper must not have seen it), fired and re-added.
                ticker.mu.lock();
                long now = Timers.nanotime();
                ticker.when = now;
                setPeriod(ticker, 5 * MS);
                ticker.fireAndUnlock(mine.timers, now);
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (ticks.get() < 2 && System.nanoTime() < until) {
                    Thread.onSpinWait(); // never reaches the scheduler: no checkTimers on this P
                }
                return ticks.get() < 2 ? "the ticker ticked " + ticks.get() + " time(s) in 5 s" : null;
            } finally {
                ticker.stop();
                farTimer.stop();
            }
        });
    }

    /** A test's body, run by a goroutine that holds one of two Ps: returns why it failed, or null. */
    private interface BesideAnIdleP {
        String run(P mine, P other, long deadline);
    }

    /**
     * Go's wakeNetPoller: a goroutine that sets a timer and runs on without reaching the scheduler
     * (a CPU-bound loop that polls a context's Done, say) keeps its own P from looking at its heap,
     * so an idle P's M must come to sleep for the timer. gort once left a timer in the setter's own
     * heap to that P, and such a timer waited for sysmon's rescue of overdue timers: a 2ms timer
     * fired 3-15ms late at GOMAXPROCS 2 with a P idle. The deadline is far, so that sysmon's rescue
     * cannot stand in for the sleeper.
     */
    @Test
    void aTimerSetOnTheSettersOwnBusyPGetsASleeper() {
        besideAnIdleP((mine, other, deadline) -> {
            Timer t = new Timer((arg, seq, delay) -> { }, null, null);
            t.reset(Timers.nanotime() + TimeUnit.SECONDS.toNanos(60), 0);
            try {
                if (t.ts != mine.timers || M.current().p != mine) {
                    return "the timer is not pending in this goroutine's P" + mine.id;
                }
                while (!sleeperExists()) {
                    if (System.nanoTime() > deadline + TimeUnit.SECONDS.toNanos(10)) {
                        return "no M came to sleep for a timer this busy P" + mine.id + " set, beside idle P" + other.id;
                    }
                    Thread.onSpinWait(); // no safe point: this P never looks at its heap
                }
                return null;
            } finally {
                t.stop();
            }
        });
    }

    /**
     * At GOMAXPROCS 2, runs body on a goroutine that keeps its P busy (it never parks, so only a
     * timer can wake an M), once the runtime is quiescent: the other P idle, no sleeper, no timer
     * (another test's sleeps have ended), no M spinning and every other M parked. The last two
     * matter: an M that has just put the other P on the idle list is still on its way to read the
     * timer heaps (findRunnable), and would find the body's timer and sleep for it with no wake-up,
     * so a test of the wake-up would pass without one (found by a review).
     * Fails the test with what body returns.
     */
    private static void besideAnIdleP(BesideAnIdleP body) {
        int old = Go.gomaxprocs(2);
        AtomicReference<String> failure = new AtomicReference<>();
        try {
            Go.run(() -> {
                P mine = M.current().p;
                P other = Proc.allp[mine.id == 0 ? 1 : 0];
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (other.status != PStatus.IDLE || sleeperExists() || Timers.earliest() != 0
                        || Proc.nmspinning.get() != 0 || Proc.nmidle() + Proc.nmidlelocked() < Proc.mcount - 1) {
                    if (System.nanoTime() > deadline) {
                        failure.set("no quiescent runtime: P" + other.id + " " + other.status + ", sleeper "
                                + sleeperExists() + ", earliest timer " + Timers.earliest() + ", spinning Ms "
                                + Proc.nmspinning.get() + ", idle Ms " + Proc.nmidle() + " + " + Proc.nmidlelocked()
                                + " locked of " + Proc.mcount);
                        return;
                    }
                    Thread.onSpinWait();
                }
                failure.set(body.run(mine, other, deadline));
            });
        } finally {
            Go.gomaxprocs(old);
        }
        assertEquals(null, failure.get());
    }

    /**
     * Sysmon's backstop (Sysmon, "Timers with every P idle"; Go's sysmon starts an M for a timer
     * that should have run already): with every P idle and no M sleeping for a pending timer,
     * sysmon, whose deep sleep ends at that timer, runs it once it is overdue. No known path loses
     * the sleeper, so the test plays one: a claim of the sleeper's role by an M that never runs
     * (a sleeper stuck for good), with a deadline past every timer, so that the Ms that give up
     * their P see a sleeper and stop, and sysmon sees none sleeping for the timer. The timer goes
     * into the global heap unannounced while the runtime is quiet, and a run of one goroutine
     * wakes sysmon, which then sleeps to the timer's deadline with every P idle. An attempt counts
     * only if every M was idle again before the deadline (else an M late on its way out could run
     * the timer itself). Without the backstop the timer never fired (the 10 s bound).
     */
    @Test
    void sysmonRunsAnOverdueTimerThatNoMSleepsForWithEveryPIdle() throws Exception {
        Go.run(() -> { }); // the runtime is up
        MethodHandles.Lookup l = MethodHandles.privateLookupIn(TimerSleeper.class, MethodHandles.lookup());
        VarHandle sleeper = l.findStaticVarHandle(TimerSleeper.class, "sleeper", M.class);
        VarHandle sleepUntil = l.findStaticVarHandle(TimerSleeper.class, "sleepUntil", long.class);
        M stuck = new M(-1); // never started
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        for (int attempt = 1; ; attempt++) {
            assertTrue(System.nanoTime() < giveUp, "no attempt in 40 s had every M idle before the deadline");
            awaitQuietRuntime();
            assertTrue(sleeper.compareAndSet((M) null, stuck), "an M became the sleeper meanwhile");
            CountDownLatch fired = new CountDownLatch(1);
            AtomicReference<Thread> firedOn = new AtomicReference<>();
            Timer t = null;
            try {
                sleepUntil.setVolatile(Long.MAX_VALUE);
                long when = Timers.nanotime() + 100 * MS;
                t = addUnannounced(Timers.global, when, (arg, seq, delay) -> {
                    firedOn.set(Thread.currentThread());
                    fired.countDown();
                });
                Go.run(() -> { }); // wakes sysmon (pidleget); the M that then idles finds the sleeper taken
                while ((Proc.nmspinning.get() != 0 || Proc.nmidle() + Proc.nmidlelocked() < Proc.mcount)
                        && Timers.nanotime() < when) {
                    Thread.onSpinWait();
                }
                if (Timers.nanotime() >= when) {
                    System.out.println("TimersTest: attempt " + attempt + " inconclusive: an M was busy at the deadline");
                    continue;
                }
                assertTrue(fired.await(10, TimeUnit.SECONDS), "the overdue timer never fired: every P idle ("
                        + Proc.npidle.get() + " of " + Proc.gomaxprocs + "), no M sleeping for it");
                assertTrue(firedOn.get() instanceof Sysmon, "fired on " + firedOn.get());
                return;
            } finally {
                if (t != null) {
                    t.stop();
                }
                sleepUntil.setVolatile(0L);
                sleeper.compareAndSet(stuck, (M) null);
            }
        }
    }

    /**
     * Waits (20 s at most) until the runtime is quiet: every P idle, no timer sleeper, no timer
     * pending, no M spinning, every M parked.
     */
    private static void awaitQuietRuntime() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (Proc.npidle.get() != Proc.gomaxprocs || sleeperExists() || Timers.earliest() != 0
                || Proc.nmspinning.get() != 0 || Proc.nmidle() + Proc.nmidlelocked() < Proc.mcount) {
            assertTrue(System.nanoTime() < deadline, "no quiet runtime: idle Ps " + Proc.npidle.get() + " of "
                    + Proc.gomaxprocs + ", sleeper " + sleeperExists() + ", earliest timer " + Timers.earliest()
                    + ", spinning Ms " + Proc.nmspinning.get() + ", idle Ms " + Proc.nmidle() + " + "
                    + Proc.nmidlelocked() + " locked of " + Proc.mcount);
            Thread.onSpinWait();
        }
    }

    /** Sets a timer's period as Timer.reset would, without reset's add and wake-up. */
    private static void setPeriod(Timer t, long period) {
        try {
            java.lang.reflect.Field f = Timer.class.getDeclaredField("period");
            f.setAccessible(true);
            f.setLong(t, period);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether some M is the timer sleeper (with any deadline). */
    private static boolean sleeperExists() {
        return TimerSleeper.sleepsFor(Long.MAX_VALUE);
    }

    /** A new timer put in heap h, pending at when, with none of Timer.reset's wake-up calls: the tests make those. */
    private static Timer addUnannounced(Timers h, long when, Timer.Func f) {
        Timer t = new Timer(f, null, null);
        t.mu.lock();
        try {
            t.when = when;
            h.add(t, when);
        } finally {
            t.mu.unlock();
        }
        return t;
    }

    /**
     * A 1ms sleep in a goroutine on an idle runtime is never early, and the best of 30 wakes within
     * 5ms: a runtime that rounds sleeps up to a coarse tick (sysmon's 10ms) fails every sample,
     * where a loaded machine delays some of them, not all (the median is printed, not asserted).
     */
    @Test
    void oneMillisecondSleepIsAccurate() {
        long[] took = new long[30];
        Go.run(() -> {
            for (int i = 0; i < took.length; i++) {
                long t0 = System.nanoTime();
                Timer.timeSleep(MS);
                took[i] = System.nanoTime() - t0;
            }
        });
        Arrays.sort(took);
        assertTrue(took[0] >= MS, "woke early: " + took[0]);
        System.out.printf("1ms sleep: best %.2fms, median %.2fms%n", took[0] / 1e6, took[took.length / 2] / 1e6);
        assertTrue(took[0] < 5 * MS, "the best of " + took.length + " 1ms sleeps took " + took[0] / 1e6 + "ms");
    }

    /** The sleeping goroutine shows wait reason "sleep" and a pending timer. */
    @Test
    void sleepingGoroutineIsVisible() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicLong gid = new AtomicLong();
        Thread runner = Thread.ofPlatform().start(() -> Go.run(() -> {
            gid.set(Go.goid());
            started.countDown();
            Timer.timeSleep(3_000 * MS); // long enough that a loaded machine's delays do not end it first
        }));
        started.await();
        G g = null;
        // the reason is set before the park: wait for both (read at once, the status may still be RUNNING)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while ((g == null || g.waitReason() != WaitReason.SLEEP || g.status() != GStatus.WAITING) && System.nanoTime() < deadline) {
            for (G x : Proc.allgs()) {
                if (x.goid == gid.get()) {
                    g = x;
                }
            }
            Thread.sleep(1);
        }
        assertTrue(g != null && g.waitReason() == WaitReason.SLEEP, "goroutine not seen sleeping");
        assertEquals(GStatus.WAITING, g.status());
        assertTrue(Timers.pending());
        runner.join();
    }

    /**
     * 10,000 timers with random deadlines up to 300ms, set from 100 goroutines (so they spread over
     * the P heaps): every one fires, none early. How close to deadline order they fire is printed:
     * heap order itself is exact, but Ms run different heaps concurrently and a loaded machine's OS
     * deschedules them (at load 11 about 6% were over 2ms out of order, at load 44 about 20%), so
     * it is a figure of the machine as much as of gort, not a verdict.
     */
    @Test
    void timersAllFireNoneEarly() {
        int n = 10_000;
        long[] deadline = new long[n];
        long[] fired = new long[n];
        AtomicInteger seq = new AtomicInteger();
        int[] order = new int[n];
        CountDownLatch all = new CountDownLatch(n);
        Timer.Func f = (arg, s, delay) -> {
            int id = (Integer) arg;
            fired[id] = Timers.nanotime();
            order[seq.getAndIncrement()] = id;
            all.countDown();
        };
        Go.run(() -> {
            WaitGroup wg = new WaitGroup();
            for (int g = 0; g < 100; g++) {
                int base = g * 100;
                wg.go(() -> {
                    Random r = new Random(base);
                    for (int i = base; i < base + 100; i++) {
                        deadline[i] = Timers.nanotime() + 20 * MS + r.nextInt(300) * MS;
                        new Timer(f, i, null).reset(deadline[i], 0);
                    }
                });
            }
            wg.await();
        });
        try {
            assertTrue(all.await(20, TimeUnit.SECONDS), "only " + (n - all.getCount()) + " fired");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        long maxLate = 0;
        long maxInversion = 0;
        long maxDeadlineSoFar = 0;
        int over2ms = 0;
        for (int k = 0; k < n; k++) {
            int id = order[k];
            assertTrue(fired[id] >= deadline[id], "timer " + id + " fired early");
            maxLate = Math.max(maxLate, fired[id] - deadline[id]);
            maxInversion = Math.max(maxInversion, maxDeadlineSoFar - deadline[id]);
            if (maxDeadlineSoFar - deadline[id] > 2 * MS) {
                over2ms++;
            }
            maxDeadlineSoFar = Math.max(maxDeadlineSoFar, deadline[id]);
        }
        // How far out of order and how late are figures of the machine's load as much as of gort
        // (at load 44, 20% of the timers were over 2ms out of order): printed, not asserted.
        System.out.println("timer order: max inversion " + maxInversion / 1e6 + "ms, over 2ms: " + over2ms + ", max late " + maxLate / 1e6 + "ms");
    }

    /** 20,000 x stress goroutines sleeping at once cost no thread each: the M count stays small. */
    @Test
    void manySleepersNoThreads() {
        int n = 20_000 * STRESS;
        AtomicInteger woke = new AtomicInteger();
        int threadsBefore = Thread.activeCount();
        int[] peakMs = {0};
        Go.run(() -> {
            WaitGroup wg = new WaitGroup();
            for (int i = 0; i < n; i++) {
                wg.go(() -> {
                    Timer.timeSleep(200 * MS);
                    woke.incrementAndGet();
                });
            }
            peakMs[0] = Proc.allm.length;
            wg.await();
        });
        assertEquals(n, woke.get());
        assertTrue(Proc.allm.length < 32, "Ms: " + Proc.allm.length);
        assertTrue(Thread.activeCount() - threadsBefore < 32, "threads grew by " + (Thread.activeCount() - threadsBefore));
    }

    /** 100,000 pending timers at once, all stopped: nothing fires and no heap keeps them. */
    @Test
    void hundredThousandTimersStop() {
        int n = 100_000;
        AtomicInteger fires = new AtomicInteger();
        List<Timer> ts = new ArrayList<>(n);
        long when = Timers.nanotime() + 10_000 * MS;
        for (int i = 0; i < n; i++) {
            Timer t = new Timer((a, s, d) -> fires.incrementAndGet(), null, null);
            assertFalse(t.reset(when + i, 0));
            ts.add(t);
        }
        assertTrue(Timers.pending());
        for (Timer t : ts) {
            assertTrue(t.stop());
            assertFalse(t.stop(), "stopping twice reports not pending");
        }
        assertEquals(0, Timers.global.size());
        assertEquals(0, fires.get());
    }

    /**
     * reset on a pending timer moves its deadline and returns true; the old deadline never fires.
     * The first deadline is an hour away, so the timer is pending at the second reset however long
     * the machine holds this thread up (it once fired in between under load, when the two were
     * 300 and 400 ms away); once the new deadline has fired the timer is pending nowhere, so the old
     * one cannot fire either.
     */
    @Test
    void resetPendingTimer() throws Exception {
        ConcurrentLinkedQueue<Long> fires = new ConcurrentLinkedQueue<>();
        CountDownLatch once = new CountDownLatch(1);
        Timer t = new Timer((a, s, d) -> {
            fires.add(Timers.nanotime());
            once.countDown();
        }, null, null);
        long t0 = Timers.nanotime();
        assertFalse(t.reset(t0 + TimeUnit.HOURS.toNanos(1), 0));
        assertTrue(t.reset(t0 + 300 * MS, 0), "reset of a pending timer reports pending");
        assertTrue(once.await(5, TimeUnit.SECONDS));
        assertTrue(fires.peek() >= t0 + 300 * MS, "fired before its new deadline");
        assertFalse(t.pending(), "pending after firing: the old deadline is still set");
        assertFalse(t.stop(), "already fired");
        assertEquals(1, fires.size());
    }

    /** A periodic timer fires repeatedly and skips missed periods rather than bunching. */
    @Test
    void periodicTimer() throws Exception {
        CountDownLatch five = new CountDownLatch(5);
        Timer t = new Timer((a, s, d) -> five.countDown(), null, null);
        t.reset(Timers.nanotime() + 2 * MS, 2 * MS);
        assertTrue(five.await(5, TimeUnit.SECONDS));
        assertTrue(t.stop());
        assertFalse(t.pending());
    }

    /**
     * Go's TestOverflowPeriodRuntimeTimer (its CheckRuntimeTimerPeriodOverflow, which makes the
     * timer through the runtime, as here: the public API cannot make a timer due now with such a
     * period). A timer due at once with a period of 1<<63-1 fires; its next deadline overflows and
     * must saturate (Go's maxWhen), not wrap into the past, where it would fire again and again or
     * break its heap's order. Then, as Go's smoke test, a 25ms timer set behind it must fire; the
     * big one must have fired exactly once and still be pending, which its stop reports. From a
     * goroutine (its P's heap) and from a platform thread (the global heap).
     */
    @Test
    void overflowPeriodRuntimeTimer() throws Exception {
        AtomicReference<Throwable> inGoroutine = new AtomicReference<>();
        Go.run(() -> {
            try {
                checkPeriodOverflow();
            } catch (Throwable e) {
                inGoroutine.set(e);
            }
        });
        if (inGoroutine.get() != null) {
            throw new AssertionError("from a goroutine", inGoroutine.get());
        }
        checkPeriodOverflow();
    }

    private static void checkPeriodOverflow() throws InterruptedException {
        AtomicInteger fires = new AtomicInteger();
        CountDownLatch first = new CountDownLatch(1);
        Timer big = new Timer((a, s, d) -> {
            fires.incrementAndGet();
            first.countDown();
        }, null, null);
        big.reset(Timers.nanotime(), Long.MAX_VALUE);
        boolean stopped = false;
        try {
            assertTrue(first.await(10, TimeUnit.SECONDS), "the timer due now did not fire");
            CountDownLatch smoke = new CountDownLatch(1);
            long t0 = Timers.nanotime();
            new Timer((a, s, d) -> smoke.countDown(), null, null).reset(t0 + 25 * MS, 0);
            assertTrue(smoke.await(10, TimeUnit.SECONDS), "a 25ms timer behind the overflowed one did not fire");
            assertEquals(1, fires.get(), "the overflowed timer fired again");
            assertTrue(big.pending(), "the overflowed timer is no longer pending");
            stopped = big.stop();
            assertTrue(stopped, "stop of the overflowed timer");
        } finally {
            if (!stopped) {
                big.stop();
            }
        }
    }

    /** A timer set from a platform thread with the runtime otherwise idle still fires (the sleeper M). */
    @Test
    void globalHeapTimerFiresWhenIdle() throws Exception {
        Go.run(() -> { }); // runtime started, then idle
        CountDownLatch fired = new CountDownLatch(1);
        long t0 = System.nanoTime();
        new Timer((a, s, d) -> fired.countDown(), null, null).reset(Timers.nanotime() + 5 * MS, 0);
        assertTrue(fired.await(5, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - t0 >= 5 * MS);
    }
}
