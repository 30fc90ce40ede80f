package dev.gort.runtime;

import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * White-box tests of a P's run queue (Go's TestRunQueue / TestRunqsteal in proc_test.go): FIFO,
 * runnext, overflow of half to the global queue, steal-half. Invariants are checked after every
 * operation. These Ps are not in allp, so no M touches them; the Gs' threads are never started.
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
