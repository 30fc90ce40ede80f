package dev.gort.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.invoke.MethodHandles;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * White-box tests of a P's run queue (Go's TestRunQueue / TestRunqsteal in proc_test.go): FIFO,
 * runnext, overflow of half to the global queue, steal-half. Invariants are checked after every
 * operation. These Ps are not in allp, so no M touches them; the Gs' threads are never started.
 * The ports of Go's TestSchedLocalQueue* (proc_test.go, run by export_test.go) are at the end; the
 * concurrent ones race plain platform threads, each the owner of its own P, as Go's race goroutines.
 */
class RunQueueTest {
    private static final AtomicInteger goids = new AtomicInteger(1_000_000);

    /**
     * A G that newproc did not make: not in allgs, its thread unstarted. Not the anonymous wrapper's
     * constructor, which records its continuation as a foreign thread's for checkdead: a Runnable
     * that is no virtual thread's makes checkdead assume a foreign thread alive for ever, and every
     * later test in the JVM that expects a deadlock report then hangs.
     */
    private static G g() {
        return new G(goids.incrementAndGet(), 0, null, () -> { });
    }

    private static final M M = new M(-1); // never started: only its inheritTime field is used

    /** Puts n new Gs in p's ring (not runnext), checking the invariants and the size after each. */
    private static List<G> fill(P p, int n) {
        List<G> in = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            G gp = g();
            in.add(gp);
            p.runqput(gp, false);
            p.checkInvariants();
            assertEquals(i + 1, p.runqsize());
        }
        return in;
    }

    @Test
    void fifoOrder() {
        P p = new P(1000);
        List<G> in = fill(p, P.RUNQ_SIZE);
        for (G expected : in) {
            assertSame(expected, p.runqget(M));
            assertFalse(M.inheritTime, "a ring G does not inherit the time slice");
            p.checkInvariants();
        }
        assertNull(p.runqget(M));
        assertTrue(p.runqempty());
    }

    /**
     * A G the owner took from the ring is not kept reachable by its slot: Go's ring holds guintptrs
     * the GC ignores; a Java reference left there kept finished goroutines alive (found as a flaky
     * GoTest.finishedGoroutinesAreNotRetained at GOMAXPROCS=1).
     */
    @Test
    void aGTakenFromTheRingIsNotKeptReachable() throws InterruptedException {
        P p = new P(1000);
        List<WeakReference<G>> refs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            G gp = g();
            refs.add(new WeakReference<>(gp));
            p.runqput(gp, false);
        }
        assertNotNull(p.runqget(M)); // one through runqget
        G[] out = new G[P.RUNQ_SIZE + 1];
        assertEquals(2, p.runqdrain(out)); // two through runqdrain
        Arrays.fill(out, null);
        for (long until = System.nanoTime() + 20_000_000_000L; refs.stream().anyMatch(r -> r.get() != null) && System.nanoTime() < until; ) {
            System.gc();
            Thread.sleep(10);
        }
        for (WeakReference<G> r : refs) {
            assertNull(r.get(), "the ring still holds a G it gave away");
        }
        p.checkInvariants();
    }

    @Test
    void runnextRunsFirstAndKicksThePreviousToTheTail() {
        P p = new P(1000);
        G a = g(), b = g(), c = g();
        p.runqput(a, false);
        p.runqput(b, true);
        p.checkInvariants();
        p.runqput(c, true); // b is kicked to the tail, behind a
        p.checkInvariants();
        assertEquals(3, p.runqsize());
        assertSame(c, p.runqget(M));
        assertTrue(M.inheritTime, "runnext inherits the time slice");
        assertSame(a, p.runqget(M));
        assertSame(b, p.runqget(M));
        assertNull(p.runqget(M));
    }

    @Test
    void overflowMovesHalfPlusOneToTheGlobalQueue() {
        P p = new P(1000);
        List<G> in = fill(p, P.RUNQ_SIZE);
        G extra = g();
        p.runqput(extra, false);
        p.checkInvariants();
        // 128 oldest + extra went to the global queue; the newest 128 stay, in order.
        assertEquals(P.RUNQ_SIZE / 2, p.runqsize());
        List<G> moved = globrunqremove(in.subList(0, P.RUNQ_SIZE / 2), extra);
        assertEquals(P.RUNQ_SIZE / 2 + 1, moved.size(), "the oldest half plus the new G went to the global queue");
        for (int i = P.RUNQ_SIZE / 2; i < P.RUNQ_SIZE; i++) {
            assertSame(in.get(i), p.runqget(M));
        }
        assertTrue(p.runqempty());
    }

    @Test
    void stealTakesHalfAndKeepsOrder() {
        for (int n = 1; n <= P.RUNQ_SIZE; n = n * 2 + 1) {
            P victim = new P(1000), thief = new P(1001);
            List<G> in = fill(victim, n);
            G got = thief.runqsteal(victim, false);
            victim.checkInvariants();
            thief.checkInvariants();
            int stolen = n - n / 2;
            assertNotNull(got);
            assertEquals(n - stolen, victim.runqsize(), "victim keeps half (n=" + n + ")");
            assertEquals(stolen - 1, thief.runqsize(), "thief queues the rest of its half (n=" + n + ")");
            // the thief returns the last stolen G and queues the others in their original order
            assertSame(in.get(stolen - 1), got);
            for (int i = 0; i < stolen - 1; i++) {
                assertSame(in.get(i), thief.runqget(M));
            }
            for (int i = stolen; i < n; i++) {
                assertSame(in.get(i), victim.runqget(M));
            }
        }
    }

    @Test
    void stealTakesRunnextOnlyWhenAskedAndTheRingIsEmpty() {
        P victim = new P(1000), thief = new P(1001);
        G a = g();
        victim.runqput(a, true);
        assertNull(thief.runqsteal(victim, false), "runnext is not stolen in early rounds");
        assertSame(a, thief.runqsteal(victim, true));
        assertTrue(victim.runqempty());
        assertTrue(thief.runqempty());
    }

    @Test
    void drainEmptiesRunnextAndRing() {
        P p = new P(1000);
        for (int i = 0; i < 10; i++) {
            p.runqput(g(), i % 3 == 0);
        }
        G[] out = new G[P.RUNQ_SIZE + 1];
        assertEquals(10, p.runqdrain(out));
        assertTrue(p.runqempty());
        p.checkInvariants();
    }

    // ------------------------------------------------------------ Go's TestSchedLocalQueue*

    /**
     * Go's TestSchedLocalQueue (RunSchedLocalQueueTest): one P, rounds i = 0..255, each putting i
     * Gs and getting them back in order, the queue empty before and after. Unlike fifoOrder, which
     * starts at head 0, the rounds leave head and tail at every offset of the ring, so every
     * wrap of the index mask is crossed. Run twice: from a fresh P, and from head and tail just
     * below Integer.MAX_VALUE, so the 32-bit counters also overflow mid-round (Go's are uint32; a
     * long-lived busy P does reach 2^31 Gs). Go has no TestSchedLocalQueueLong; this is the nearest.
     */
    @Test
    void localQueueRoundsWrapTheRingAtEveryOffset() throws ReflectiveOperationException {
        for (int start : new int[] {0, Integer.MAX_VALUE - 3 * P.RUNQ_SIZE}) {
            P p = new P(1000);
            setHeadAndTail(p, start);
            G[] gs = new G[P.RUNQ_SIZE];
            for (int i = 0; i < gs.length; i++) {
                gs[i] = g();
            }
            for (int i = 0; i < P.RUNQ_SIZE; i++) {
                assertNull(p.runqget(M), "not empty before round " + i);
                assertTrue(p.runqempty());
                for (int j = 0; j < i; j++) {
                    p.runqput(gs[j], false);
                }
                p.checkInvariants();
                assertEquals(i, p.runqsize(), "round " + i);
                for (int j = 0; j < i; j++) {
                    assertSame(gs[j], p.runqget(M), "round " + i + ", element " + j + ", from " + start);
                }
                assertNull(p.runqget(M), "not empty after round " + i);
            }
        }
    }

    /** Sets a fresh P's private head and tail (both n), for localQueueRoundsWrapTheRingAtEveryOffset. */
    private static void setHeadAndTail(P p, int n) throws ReflectiveOperationException {
        MethodHandles.Lookup l = MethodHandles.privateLookupIn(P.class, MethodHandles.lookup());
        l.findVarHandle(P.class, "head", int.class).setVolatile(p, n);
        l.findVarHandle(P.class, "tail", int.class).setVolatile(p, n);
    }

    /**
     * Go's TestSchedLocalQueueSteal (RunSchedLocalQueueStealTest), sequential as Go's is: for every
     * fill i = 0..255 of p1's ring, p2 steals once (runnext allowed), then both are drained. Every G
     * is taken exactly once, and the steal took half of the ring, i/2 or i/2+1 (gort rounds up).
     * Both Ps are reused across fills, so the steals also start at every offset of the ring.
     */
    @Test
    void stealAtEveryFillTakesHalfAndEveryGExactlyOnce() {
        P p1 = new P(1000), p2 = new P(1001);
        G[] gs = new G[P.RUNQ_SIZE];
        for (int i = 0; i < gs.length; i++) {
            gs[i] = g();
        }
        Map<G, Integer> index = new IdentityHashMap<>();
        for (int i = 0; i < gs.length; i++) {
            index.put(gs[i], i);
        }
        for (int i = 0; i < P.RUNQ_SIZE; i++) {
            int[] taken = new int[i];
            for (int j = 0; j < i; j++) {
                p1.runqput(gs[j], false);
            }
            int stolen = 0;
            for (G gp = p2.runqsteal(p1, true); gp != null; gp = p2.runqget(M)) {
                taken[index.get(gp)]++;
                stolen++;
            }
            for (G gp; (gp = p1.runqget(M)) != null; ) {
                taken[index.get(gp)]++;
            }
            for (int j = 0; j < i; j++) {
                assertEquals(1, taken[j], "G " + j + " at fill " + i);
            }
            assertTrue(stolen == i / 2 || stolen == i / 2 + 1, "stole " + stolen + " of " + i);
            p1.checkInvariants();
            p2.checkInvariants();
        }
    }

    /**
     * After Go's TestSchedLocalQueueSteal, concurrently (Go's is sequential): the owner of p1 puts
     * Gs (one in eight through runnext) and gets some back, keeping the queue under a bound that
     * changes every so often (2 to 240), while a thief thread, the owner of p2, steals from p1
     * (runqsteal, so runqgrab's CAS on head races the owner's runqget) and drains p2. Gs come from
     * a pool and are put again once taken. Every put G is taken exactly once: no take finds a G
     * already taken or a null (a duplicate or a stale slot), and once both drain no G is left
     * queued and the takes equal the puts (none lost). The ring never fills, so nothing goes to the
     * global queue. The owner goes on past its 2M puts until the thief has stolen 20,000 times
     * while the owner was running (the race ran), or for at most 10 s on a machine that time-slices
     * the two threads; at least one such steal is required.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void concurrentStealTakesEveryGExactlyOnce() throws InterruptedException {
        int puts = 2_000_000, pool = 1024, racedSteals = 20_000;
        long start = System.nanoTime();
        long enough = start + TimeUnit.SECONDS.toNanos(10), deadline = start + TimeUnit.SECONDS.toNanos(90);
        P p1 = new P(1000), p2 = new P(1001);
        G[] gs = new G[pool];
        Map<G, Integer> index = new IdentityHashMap<>();
        for (int i = 0; i < pool; i++) {
            gs[i] = g();
            index.put(gs[i], i);
        }
        AtomicIntegerArray queued = new AtomicIntegerArray(pool); // 1 from a G's put to its take
        AtomicLong takes = new AtomicLong(), stolen = new AtomicLong(), ownerLoops = new AtomicLong();
        AtomicInteger duplicates = new AtomicInteger(), nulls = new AtomicInteger(), raced = new AtomicInteger();
        AtomicReference<String> firstBad = new AtomicReference<>();
        Consumer<G> take = gp -> {
            if (gp == null) {
                nulls.incrementAndGet();
                firstBad.compareAndSet(null, "a null G taken");
            } else if (queued.compareAndSet(index.get(gp), 1, 0)) {
                takes.incrementAndGet();
            } else {
                duplicates.incrementAndGet();
                firstBad.compareAndSet(null, "G " + index.get(gp) + " taken twice");
            }
        };
        AtomicBoolean thiefStarted = new AtomicBoolean(), stop = new AtomicBoolean();
        AtomicReference<Throwable> thiefDied = new AtomicReference<>();
        M thiefM = new M(-2); // never started: only its inheritTime field is used
        Thread thief = Thread.ofPlatform().name("runq-thief").daemon(true).start(() -> {
            try {
                thiefStarted.set(true);
                for (long round = 0; !stop.get(); round++) {
                    long ownerBefore = ownerLoops.get();
                    G gp = p2.runqsteal(p1, (round & 1) == 0);
                    if (gp != null) {
                        if (ownerLoops.get() != ownerBefore) {
                            raced.incrementAndGet(); // the owner ran during this steal
                        }
                        take.accept(gp);
                        stolen.incrementAndGet();
                        for (G more; (more = p2.runqget(thiefM)) != null; ) {
                            take.accept(more);
                            stolen.incrementAndGet();
                        }
                    }
                    if (System.nanoTime() - deadline > 0) {
                        throw new AssertionError("the thief ran past the deadline");
                    }
                }
            } catch (Throwable t) {
                thiefDied.set(t);
            }
        });
        SplittableRandom rnd = new SplittableRandom(42);
        int[] limits = {2, 8, 32, 128, P.RUNQ_SIZE - 16}; // the owner's bound on its queue, per phase
        int next = 0, limit = limits[0];
        long put = 0;
        try {
            spinUntil(() -> thiefStarted.get() || thiefDied.get() != null, deadline, "the thief to start");
            for (long loop = 1; thiefDied.get() == null; loop++) {
                ownerLoops.lazySet(loop);
                if ((loop & 0x3ff) == 0) {
                    limit = limits[rnd.nextInt(limits.length)];
                    long now = System.nanoTime();
                    if (put >= puts && (raced.get() >= racedSteals || now - enough > 0)) {
                        break;
                    }
                    if (now - deadline > 0) {
                        fail("the owner ran past the deadline after " + put + " puts");
                    }
                }
                int batch = 1 + rnd.nextInt(8);
                for (int b = 0; b < batch && p1.runqsize() < limit; b++) {
                    for (int looked = 1; queued.get(next) != 0; looked++) { // still queued: not free to put
                        next = (next + 1) % pool;
                        if (looked % pool == 0 && System.nanoTime() - deadline > 0) {
                            fail("no free G in the pool: Gs stay queued that nobody takes (lost)");
                        }
                    }
                    queued.set(next, 1);
                    p1.runqput(gs[next], rnd.nextInt(8) == 0);
                    next = (next + 1) % pool;
                    put++;
                }
                for (int b = rnd.nextInt(batch + 1); b > 0; b--) {
                    G gp = p1.runqget(M);
                    if (gp != null) {
                        take.accept(gp);
                    }
                }
            }
            for (G gp; (gp = p1.runqget(M)) != null; ) {
                take.accept(gp);
            }
        } finally {
            stop.set(true);
            thief.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertFalse(thief.isAlive(), "the thief did not stop");
        assertNull(thiefDied.get(), () -> "the thief died: " + thiefDied.get());
        for (G gp; (gp = p2.runqget(M)) != null; ) {
            take.accept(gp);
        }
        p1.checkInvariants();
        p2.checkInvariants();
        assertTrue(p1.runqempty() && p2.runqempty());
        String stats = put + " puts, " + stolen.get() + " Gs stolen, " + raced.get() + " steals raced the owner";
        assertEquals(0, duplicates.get(), () -> "duplicated takes, first: " + firstBad.get() + "; " + stats);
        assertEquals(0, nulls.get(), () -> "null takes; " + stats);
        for (int k = 0; k < pool; k++) {
            assertEquals(0, queued.get(k), "G " + k + " was put and never taken (lost); " + stats);
        }
        assertEquals(put, takes.get(), "takes against puts; " + stats);
        assertTrue(raced.get() > 0, "no steal ran while the owner did; " + stats);
    }

    /**
     * Go's TestSchedLocalQueueEmpty (RunSchedLocalQueueEmptyTest): while the owner of a P holding
     * one G puts a second G and gets one (the two moving between runnext and the ring, for all
     * four combinations of runqput's next), a reader thread released at the same instant asks
     * runqempty; the queue never holds fewer than one G, so runqempty must never answer true. A
     * spurious empty would leave a runnable G on a P that looks idle. The two sides meet at a
     * spinning barrier each iteration, as Go's goroutines do on a shared counter. Go's reader
     * looks once per iteration; this one looks again and again until the owner has moved, then
     * once more, which catches a torn read (e.g. tail not re-read) in about 1 iteration in 10^4
     * rather than almost never. It runs Go's 10^5 iterations, and goes on until 10^5 of them had
     * the reader looking while the owner moved (the race ran), or for at most 10 s on a machine
     * that time-slices the two threads; at least one such iteration is required. Skipped on one
     * CPU, as Go's: the two sides then never overlap.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void runqemptyIsNeverSpuriouslyTrueWhileGsMove() throws InterruptedException {
        assumeTrue(Runtime.getRuntime().availableProcessors() > 1, "needs two CPUs for the race");
        int iters = 100_000, racedIters = 100_000;
        long start = System.nanoTime();
        long enough = start + TimeUnit.SECONDS.toNanos(10), deadline = start + TimeUnit.SECONDS.toNanos(90);
        P p = new P(1000);
        G[] gs = {g(), g()};
        AtomicLong arrived = new AtomicLong();
        AtomicInteger moved = new AtomicInteger(); // iterations whose put and get the owner has done
        AtomicInteger checked = new AtomicInteger(); // iterations the reader has finished
        AtomicInteger raced = new AtomicInteger(), spurious = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> first = new AtomicReference<>();
        AtomicReference<Throwable> readerDied = new AtomicReference<>();
        Thread reader = Thread.ofPlatform().name("runqempty-reader").daemon(true).start(() -> {
            try {
                for (int i = 0; arriveAndWait(arrived, i, stop, deadline); i++) {
                    boolean last = moved.get() > i;
                    if (!last) {
                        raced.incrementAndGet(); // looking before the owner has moved
                    }
                    for (;;) {
                        if (p.runqempty()) {
                            spurious.incrementAndGet();
                            first.compareAndSet(null, "iteration " + i + ": next0=" + ((i & 1) == 0) + " next1=" + ((i & 2) == 0));
                        }
                        if (last) {
                            break;
                        }
                        last = moved.get() > i; // then one more look
                    }
                    checked.set(i + 1);
                }
            } catch (Throwable t) {
                readerDied.set(t);
            }
        });
        int i = 0;
        try {
            for (; ; i++) {
                if (i >= iters && (raced.get() >= racedIters || System.nanoTime() - enough > 0)) {
                    break;
                }
                boolean next0 = (i & 1) == 0, next1 = (i & 2) == 0;
                p.runqput(gs[0], next0);
                arriveAndWait(arrived, i, stop, deadline);
                p.runqput(gs[1], next1);
                G a = p.runqget(M);
                int done = i + 1;
                moved.set(done);
                String what = "the reader, iteration " + i;
                spinUntil(() -> checked.get() >= done || readerDied.get() != null, deadline, what);
                G b = p.runqget(M);
                // runnext goes first: gs[1] if it was put there, else gs[0] (from runnext or the ring's head)
                assertSame(next1 ? gs[1] : gs[0], a, "first get, iteration " + i);
                assertSame(next1 ? gs[0] : gs[1], b, "second get, iteration " + i);
                assertTrue(p.runqempty(), "iteration " + i);
            }
        } finally {
            stop.set(true);
            reader.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertFalse(reader.isAlive(), "the reader did not stop");
        assertNull(readerDied.get(), () -> "the reader died: " + readerDied.get());
        assertEquals(i, checked.get());
        String stats = i + " iterations, " + raced.get() + " with the reader looking while the owner moved";
        assertEquals(0, spurious.get(), () -> "runqempty said empty with a G queued, first at " + first.get() + "; " + stats);
        assertTrue(raced.get() > 0, "the reader never looked while the owner moved; " + stats);
        p.checkInvariants();
    }

    /**
     * Both sides of iteration i arrive; returns true once both have (2 arrivals per iteration), or
     * false if stop is set first (the owner ends the run).
     */
    private static boolean arriveAndWait(AtomicLong arrived, int i, AtomicBoolean stop, long deadline) {
        arrived.incrementAndGet();
        long all = 2L * (i + 1);
        spinUntil(() -> arrived.get() >= all || stop.get(), deadline, "the other side at iteration " + i);
        return arrived.get() >= all;
    }

    /**
     * Spins until cond holds, yielding the CPU now and then (a loaded two-core machine may have
     * descheduled the other side); throws past the deadline instead of hanging.
     */
    private static void spinUntil(BooleanSupplier cond, long deadline, String what) {
        for (int spins = 1; !cond.getAsBoolean(); spins++) {
            if ((spins & 0x3ff) == 0) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("timed out waiting for " + what);
                }
                Thread.yield();
            } else {
                Thread.onSpinWait();
            }
        }
    }

    /**
     * Removes the given Gs from the global queue and returns those found. Their Gs carry no
     * thread, so an M that dequeued one first has simply run its no-op body: counted as moved too.
     */
    private static List<G> globrunqremove(List<G> expected, G extra) {
        List<G> all = new ArrayList<>(expected);
        all.add(extra);
        List<G> found = new ArrayList<>();
        Proc.lock.lock();
        try {
            for (G gp : all) {
                if (Proc.runq.remove(gp) || gp.status() != GStatus.RUNNABLE) {
                    found.add(gp);
                }
            }
            Proc.runqsize = Proc.runq.size();
        } finally {
            Proc.lock.unlock();
        }
        return found;
    }
}
