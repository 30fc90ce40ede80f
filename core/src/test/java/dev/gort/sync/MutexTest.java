package dev.gort.sync;

import dev.gort.DeadlockError;
import dev.gort.FatalError;
import dev.gort.Go;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class MutexTest {
    static final int STRESS = Integer.getInteger("gort.stress", 1);

    @Test
    void tryLockAndUnlockByAnotherGoroutine() {
        Mutex m = new Mutex();
        Go.run(() -> {
            assertTrue(m.tryLock());
            assertFalse(m.tryLock(), "not reentrant");
            WaitGroup wg = new WaitGroup();
            wg.go(m::unlock); // any goroutine may unlock
            wg.await();
            assertTrue(m.tryLock());
            m.unlock();
        });
        assertEquals(0, m.state());
    }

    /** Go's fatal error, as a FatalError that ends the run, not the test JVM. */
    @Test
    void unlockOfUnlockedMutexIsFatal() {
        FatalError e = assertThrows(FatalError.class, () -> Go.run(() -> new Mutex().unlock()));
        assertEquals("sync: unlock of unlocked mutex", e.getMessage());
        Mutex m = new Mutex();
        FatalError e2 = assertThrows(FatalError.class, m::unlock);
        assertEquals("sync: unlock of unlocked mutex", e2.getMessage());
        assertEquals(0, m.state(), "state restored");
    }

    /** 64 goroutines x N increments of a plain long under the Mutex lose nothing. N = 100,000 x gort.stress. */
    @Test
    void contendedIncrementsLoseNothing() {
        int goroutines = 64, n = 100_000 * STRESS;
        Mutex m = new Mutex();
        long[] counter = {0};
        Go.run(() -> {
            WaitGroup wg = new WaitGroup();
            for (int g = 0; g < goroutines; g++) {
                wg.go(() -> {
                    for (int i = 0; i < n; i++) {
                        m.lock();
                        counter[0]++;
                        m.unlock();
                    }
                });
            }
            wg.await();
        });
        m.lock();
        assertEquals((long) goroutines * n, counter[0]);
        m.unlock();
        assertEquals(0, m.state());
    }

    /** Mixed platform threads and goroutines. */
    @Test
    void platformThreadsAndGoroutines() throws Exception {
        Mutex m = new Mutex();
        long[] counter = {0};
        int n = 5_000;
        Thread[] ts = new Thread[2];
        for (int i = 0; i < ts.length; i++) {
            ts[i] = Thread.ofPlatform().start(() -> {
                for (int k = 0; k < n; k++) {
                    m.lock();
                    counter[0]++;
                    m.unlock();
                }
            });
        }
        Go.run(() -> {
            WaitGroup wg = new WaitGroup();
            for (int g = 0; g < 4; g++) {
                wg.go(() -> {
                    for (int k = 0; k < n; k++) {
                        m.lock();
                        counter[0]++;
                        m.unlock();
                    }
                });
            }
            wg.await();
        });
        for (Thread t : ts) {
            t.join();
        }
        m.lock();
        assertEquals(6L * n, counter[0]);
        m.unlock();
    }

    /**
     * Starvation mode (Go's TestMutexFairness, made exact): a hog re-locks at once after every
     * unlock while a waiter is queued on another P. Once the waiter has been blocked over 1ms the
     * mutex turns starving, and the hog's unlock then hands it to the waiter: after every hog
     * critical section that saw STARVING the waiter owns the mutex next, but for at most one lost
     * hand-off (a waiter in transit, see below). The assertions are on the order of the sections
     * only: how many hog sections pass before the waiter gets in depends on how soon the OS runs
     * the waiter's thread, which a loaded machine decides, so a bound on that count would be a
     * bound on the machine's load.
     */
    @Test
    void starvingWaiterGetsTheLockNext() {
        int old = Go.gomaxprocs(2);
        try {
            Mutex m = new Mutex();
            List<String> log = new ArrayList<>(); // written under m
            AtomicBoolean stop = new AtomicBoolean();
            Go.run(() -> {
                WaitGroup wg = new WaitGroup();
                wg.go(() -> {
                    while (!stop.get()) {
                        m.lock();
                        long until = System.nanoTime() + 200_000;
                        while (System.nanoTime() < until) {
                            Thread.onSpinWait();
                        }
                        boolean starving = (m.state() & Mutex.MUTEX_STARVING) != 0;
                        log.add(starving ? "H*" : "H");
                        m.unlock();
                    }
                });
                wg.go(() -> {
                    for (int i = 0; i < 10; i++) {
                        m.lock();
                        log.add("W");
                        m.unlock();
                    }
                    stop.set(true);
                });
                wg.await();
            });
            for (int i = 0; i < log.size(); i++) {
                if (log.get(i).equals("H*") && i + 1 < log.size()) {
                    // Starvation mode hands the mutex to the queued waiter. As in Go, a waiter that
                    // set STARVING but is not yet back in the semaphore's queue can have the
                    // hand-off taken by the hog's next Lock (cansemacquire), which then leaves
                    // starvation mode (an H* followed by an H); the waiter, queued at the front
                    // now, starves again after 1ms and then gets it. So at most one such loss
                    // between a starving section and the waiter's next one.
                    int next = log.subList(i + 1, log.size()).indexOf("W");
                    assertTrue(next >= 0, "a starving hog section and the waiter never owned the mutex after it: " + log);
                    int lost = 0;
                    for (int j = i; j < i + next; j++) {
                        if (log.get(j).equals("H*") && log.get(j + 1).equals("H")) {
                            lost++;
                        }
                    }
                    assertTrue(lost <= 1, "after a starving hog section the hog kept the mutex past "
                            + lost + " hand-offs: " + log);
                }
            }
            assertEquals(10, log.stream().filter("W"::equals).count());
        } finally {
            Go.gomaxprocs(old);
        }
    }

    /**
     * A Mutex that a platform thread has used marks its semaphore touched (see Blocker): a
     * goroutine waiting for a platform thread's unlock is not a deadlock, and the unlock wakes it.
     * The same wait on a Mutex only goroutines touched is Go's deadlock.
     */
    @Test
    void goroutineWaitingForAPlatformThreadsUnlockIsNotADeadlock() throws Exception {
        Mutex m = new Mutex();
        m.lock(); // held by the test's platform thread
        CompletableFuture<Void> run = CompletableFuture.runAsync(() -> Go.run(() -> {
            m.lock();
            m.unlock();
        }), r -> Thread.ofPlatform().daemon().start(r));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Go.stack(true).contains("[sync.Mutex.Lock]")) {
            assertTrue(System.nanoTime() < deadline, "the goroutine never parked on the mutex");
            Thread.sleep(1);
        }
        // several deadlock checks (one fires about 10 ms after the Ms go idle) pass without a report
        assertThrows(TimeoutException.class, () -> run.get(300, TimeUnit.MILLISECONDS));
        m.unlock();
        run.get(20, TimeUnit.SECONDS);

        Mutex onlyGoroutines = new Mutex();
        assertThrows(DeadlockError.class, () -> Go.run(() -> {
            onlyGoroutines.lock();
            onlyGoroutines.lock();
        }));
        onlyGoroutines.unlock(); // lets the parked goroutine finish
    }

    /**
     * A platform thread that only unlocks a Mutex (one a goroutine locked; Go allows it) has used it:
     * a goroutine later waiting for that thread's next unlock is not a deadlock. The unlock's fast
     * path used to leave the semaphore untouched, and the detector reported one.
     */
    @Test
    void aMutexAPlatformThreadOnlyUnlockedIsNotADeadlockToWaitOn() throws Exception {
        Mutex m = new Mutex();
        Go.run(m::lock);
        m.unlock(); // this platform thread uses m: nobody waits, the fast path
        Go.run(m::lock); // held by a goroutine again, to be unlocked by this thread once more
        PlatformUse.waitsForAPlatformThread("sync.Mutex.Lock", () -> {
            m.lock();
            m.unlock();
        }, m::unlock);
    }

    /**
     * A virtual thread of the JDK's own scheduler is outside the goroutines too: one that locked a
     * free Mutex (never parking) and will unlock it holds it. The marks tested Thread.isVirtual
     * alone, which took such a thread for a goroutine, and the goroutine waiting for its unlock was
     * reported as Go's deadlock.
     */
    @Test
    void aMutexAJdkVirtualThreadHoldsIsNotADeadlockToWaitOn() throws Exception {
        Mutex m = new Mutex();
        CountDownLatch locked = new CountDownLatch(1), unlock = new CountDownLatch(1);
        Thread jdkVirtual = Thread.ofVirtual().start(() -> { // from a platform thread: the JDK's scheduler
            m.lock(); // free: the fast path
            locked.countDown();
            try {
                unlock.await(); // a JDK park, on the JDK's scheduler: invisible to the detector
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            m.unlock();
        });
        assertTrue(locked.await(20, TimeUnit.SECONDS), "the JDK virtual thread never locked");
        PlatformUse.waitsForAPlatformThread("sync.Mutex.Lock", () -> {
            m.lock();
            m.unlock();
        }, unlock::countDown);
        jdkVirtual.join();
    }
}
