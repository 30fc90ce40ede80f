package dev.gort.agent.race;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FastTrack's rules, driven directly on platform threads. The threads are sequenced by
 * Thread.join in this (uninstrumented) test, which the detector does not see: only the edges the
 * test passes to it count, so each case is deterministic.
 */
class FastTrackTest {
    private static final FastTrack ft = FastTrack.instance();

    private static void in(Runnable r) throws InterruptedException {
        Thread t = new Thread(r);
        t.start();
        t.join();
    }

    @Test
    void epochPacksTidAndClock() {
        long e = Epoch.of(7, 123456);
        assertEquals(7, Epoch.tid(e));
        assertEquals(123456, Epoch.clock(e));
    }

    @Test
    void vectorClockJoinIsPointwiseMax() {
        VectorClock a = new VectorClock(), b = new VectorClock();
        a.set(0, 5);
        a.set(1, 1);
        b.set(1, 3);
        b.set(9, 2);
        a.join(b);
        assertEquals(5, a.get(0));
        assertEquals(3, a.get(1));
        assertEquals(2, a.get(9));
        assertEquals(0, a.get(100));
    }

    @Test
    @Timeout(10)
    void writesOrderedByReleaseAcquireAreNotARace() throws Exception {
        VarState x = new VarState();
        Object m = new Object();
        int site = Sites.register(null, "T", "t", "T.java", 1, Sites.WRITE, null, null);
        long before = Reports.detected();
        in(() -> {
            FastTrack.write(FastTrack.ts(), x, site, x, 0);
            ft.release(m);
        });
        in(() -> {
            ft.acquire(m);
            FastTrack.write(FastTrack.ts(), x, site, x, 0);
            FastTrack.read(FastTrack.ts(), x, site, x, 0);
        });
        assertEquals(before, Reports.detected());
    }

    @Test
    @Timeout(10)
    void unorderedWriteAfterWriteIsARace() throws Exception {
        VarState x = new VarState();
        int site = Sites.register(null, "T", "t", "T.java", 2, Sites.WRITE, null, null);
        long before = Reports.detected();
        in(() -> FastTrack.write(FastTrack.ts(), x, site, x, 0));
        in(() -> FastTrack.write(FastTrack.ts(), x, site, x, 0));
        assertEquals(before + 1, Reports.detected());
    }

    @Test
    @Timeout(10)
    void concurrentReadsShareThenAnUnorderedWriteRacesWithEach() throws Exception {
        VarState x = new VarState();
        Object m = new Object();
        int w = Sites.register(null, "T", "w", "T.java", 3, Sites.WRITE, null, null);
        int r = Sites.register(null, "T", "r", "T.java", 4, Sites.READ, null, null);
        long before = Reports.detected();
        in(() -> {
            FastTrack.write(FastTrack.ts(), x, w, x, 0);
            ft.releaseMerge(m);
        });
        // two readers alive at once (an ended reader's tid would be reused by the next: see Tid reuse)
        java.util.concurrent.CountDownLatch bothRead = new java.util.concurrent.CountDownLatch(2);
        java.util.concurrent.CountDownLatch end = new java.util.concurrent.CountDownLatch(1);
        Thread[] readers = new Thread[2];
        for (int i = 0; i < 2; i++) {
            readers[i] = new Thread(() -> {
                ft.acquire(m);
                FastTrack.read(FastTrack.ts(), x, r, x, 0); // ordered after the write: no race
                bothRead.countDown();
                try {
                    end.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            readers[i].start();
        }
        bothRead.await();
        assertEquals(Epoch.SHARED, x.r, "two unordered reads inflate R_x to a clock");
        assertEquals(before, Reports.detected());
        in(() -> {
            ft.acquire(m); // sees the write, not the reads
            FastTrack.write(FastTrack.ts(), x, w, x, 0);
        });
        end.countDown();
        for (Thread t : readers) {
            t.join();
        }
        assertEquals(before + 2, Reports.detected(), "a read-write race with each reader");
        assertEquals(Epoch.NONE, x.r, "the write resets the read-shared state");
    }

    @Test
    @Timeout(10)
    void forkOrdersTheParentsPastBeforeTheChild() throws Exception {
        VarState x = new VarState();
        int site = Sites.register(null, "T", "f", "T.java", 5, Sites.WRITE, null, null);
        long before = Reports.detected();
        in(() -> {
            FastTrack.write(FastTrack.ts(), x, site, x, 0);
            Thread child = new Thread(() -> FastTrack.write(FastTrack.ts(), x, site, x, 0));
            ft.goStart(child);
            child.start();
            try {
                child.join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            FastTrack.join(child);
            FastTrack.read(FastTrack.ts(), x, site, x, 0);
        });
        assertEquals(before, Reports.detected());
    }

    @Test
    @Timeout(30)
    void tidsOfEndedThreadsAreReusedSoClocksStayNarrow() throws Exception {
        VarState x = new VarState();
        Object m = new Object();
        int site = Sites.register(null, "T", "reuse", "T.java", 6, Sites.WRITE, null, null);
        long before = Reports.detected();
        int tids = FastTrack.tidCount();
        for (int i = 0; i < 200; i++) {
            in(() -> {
                ft.acquire(m);
                FastTrack.write(FastTrack.ts(), x, site, x, 0);
                ft.release(m);
            });
        }
        assertTrue(FastTrack.tidCount() - tids < 20, "200 sequential threads used " + (FastTrack.tidCount() - tids) + " tids");
        assertEquals(before, Reports.detected(), "a reused tid does not invent a race");
        in(() -> FastTrack.write(FastTrack.ts(), x, site, x, 0)); // no acquire: a real race
        assertEquals(before + 1, Reports.detected(), "a reused tid still races with what it has not seen");
    }

    @Test
    @Timeout(30)
    void aThreadOnAReusedTidStillRacesWithItsPredecessor() throws Exception {
        int site = Sites.register(null, "T", "pred", "T.java", 7, Sites.WRITE, null, null);
        long before = Reports.detected();
        int reused = 0;
        for (int i = 0; i < 30; i++) {
            VarState x = new VarState();
            int[] tids = new int[2];
            in(() -> {
                FastTrack.write(FastTrack.ts(), x, site, x, 0);
                tids[0] = FastTrack.ts().tid;
            });
            FastTrack.reapAll(); // the first thread's tid is now the next one handed out
            in(() -> { // no edge from the first thread: a race, whichever tid this one gets
                FastTrack.write(FastTrack.ts(), x, site, x, 0);
                tids[1] = FastTrack.ts().tid;
            });
            if (tids[0] == tids[1]) {
                reused++;
            }
        }
        assertEquals(before + 30, Reports.detected());
        assertEquals(30, reused, "the case under test: the second thread took the first one's tid");
    }

    @Test
    @Timeout(30)
    void aReusedTidMergingIntoALockBeforeAcquiringItInventsNoRace() throws Exception {
        // the j.u.c call rule: release-merge on the lock before lock(), acquire after it
        VarState x = new VarState();
        Object mu = new Object();
        int site = Sites.register(null, "T", "mu", "T.java", 8, Sites.WRITE, null, null);
        long before = Reports.detected();
        int[] tids = new int[2];
        in(() -> {
            ft.releaseMerge(mu);
            ft.acquire(mu);
            FastTrack.write(FastTrack.ts(), x, site, x, 0);
            ft.releaseMerge(mu);
            tids[0] = FastTrack.ts().tid;
        });
        FastTrack.reapAll();
        in(() -> {
            ft.releaseMerge(mu); // overwrites the predecessor's entry in mu's clock with this thread's own
            ft.acquire(mu);
            FastTrack.write(FastTrack.ts(), x, site, x, 0);
            tids[1] = FastTrack.ts().tid;
        });
        assertEquals(tids[0], tids[1], "the case under test: a reused tid");
        assertEquals(before, Reports.detected());
    }
}
