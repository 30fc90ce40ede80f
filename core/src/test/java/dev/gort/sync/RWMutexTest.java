package dev.gort.sync;

import dev.gort.FatalError;
import dev.gort.Go;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class RWMutexTest {
    static final int STRESS = Integer.getInteger("gort.stress", 1);

    /** Go's TestRWMutex: readers add 1, writers 10000; a reader never sees a writer, a writer sees nobody. */
    @Test
    void readersNeverOverlapAWriter() {
        RWMutex rw = new RWMutex();
        AtomicInteger activity = new AtomicInteger();
        AtomicInteger violations = new AtomicInteger();
        AtomicInteger maxReaders = new AtomicInteger();
        int iters = 2_000 * STRESS;
        Go.run(() -> {
            WaitGroup wg = new WaitGroup();
            for (int g = 0; g < 10; g++) {
                boolean writer = g % 5 == 0;
                wg.go(() -> {
                    for (int i = 0; i < iters; i++) {
                        if (writer) {
                            rw.lock();
                            if (activity.addAndGet(10_000) != 10_000) {
                                violations.incrementAndGet();
                            }
                            Thread.onSpinWait();
                            activity.addAndGet(-10_000);
                            rw.unlock();
                        } else {
                            rw.rLock();
                            int n = activity.incrementAndGet();
                            if (n >= 10_000) {
                                violations.incrementAndGet();
                            }
                            maxReaders.accumulateAndGet(n, Math::max);
                            Thread.yield(); // let other readers in while we hold the read lock
                            activity.decrementAndGet();
                            rw.rUnlock();
                        }
                    }
                });
            }
            wg.await();
        });
        assertEquals(0, violations.get());
        assertEquals(0, activity.get());
        assertTrue(maxReaders.get() >= 2, "readers should share the lock, max seen " + maxReaders.get());
    }

    /** Writer preference: once a writer waits, tryRLock fails and a new reader blocks until the writer is done. */
    @Test
    void pendingWriterBlocksNewReaders() {
        RWMutex rw = new RWMutex();
        StringBuffer log = new StringBuffer();
        Go.run(() -> {
            rw.rLock();
            WaitGroup wg = new WaitGroup();
            wg.go(() -> {
                rw.lock();
                log.append('W');
                rw.unlock();
            });
            while (rw.tryRLock()) { // until the writer has announced itself
                rw.rUnlock();
                Thread.yield();
            }
            wg.go(() -> {
                rw.rLock();
                log.append('R');
                rw.rUnlock();
            });
            assertFalse(rw.tryLock());
            rw.rUnlock();
            wg.await();
        });
        assertEquals("WR", log.toString());
    }

    @Test
    void tryLockAndRLocker() {
        RWMutex rw = new RWMutex();
        assertTrue(rw.tryRLock());
        assertTrue(rw.tryRLock());
        assertFalse(rw.tryLock());
        rw.rUnlock();
        rw.rUnlock();
        assertTrue(rw.tryLock());
        assertFalse(rw.tryRLock());
        rw.unlock();
        Locker r = rw.rLocker();
        r.lock();
        assertFalse(rw.tryLock());
        r.unlock();
        assertTrue(rw.tryLock());
        rw.unlock();
    }

    @Test
    void misuseIsFatal() {
        FatalError e1 = assertThrows(FatalError.class, () -> new RWMutex().rUnlock());
        assertEquals("sync: RUnlock of unlocked RWMutex", e1.getMessage());
        RWMutex rw = new RWMutex();
        FatalError e2 = assertThrows(FatalError.class, rw::unlock);
        assertEquals("sync: Unlock of unlocked RWMutex", e2.getMessage());
        assertTrue(rw.tryLock(), "state restored after the fatal");
        rw.unlock();
        FatalError e3 = assertThrows(FatalError.class, () -> Go.run(() -> new RWMutex().unlock()));
        assertEquals("sync: Unlock of unlocked RWMutex", e3.getMessage());
    }

    /**
     * A platform thread that only unlocks an RWMutex (write- or read-locked by a goroutine) has used
     * it: a goroutine waiting for that thread's next unlock, as a reader or as a writer, is not a
     * deadlock (see MutexTest's test of the same name).
     */
    @Test
    void anRWMutexAPlatformThreadOnlyUnlockedIsNotADeadlockToWaitOn() throws Exception {
        RWMutex rw = new RWMutex();
        Go.run(rw::lock);
        rw.unlock(); // this platform thread uses rw: nobody waits
        Go.run(rw::lock);
        PlatformUse.waitsForAPlatformThread("sync.RWMutex.RLock", () -> {
            rw.rLock();
            rw.rUnlock();
        }, rw::unlock);
        Go.run(rw::lock);
        PlatformUse.waitsForAPlatformThread("sync.Mutex.Lock", () -> {
            rw.lock(); // the writers' mutex
            rw.unlock();
        }, rw::unlock);

        RWMutex r = new RWMutex();
        Go.run(r::rLock);
        r.rUnlock(); // this platform thread uses r: nobody waits
        Go.run(r::rLock);
        PlatformUse.waitsForAPlatformThread("sync.RWMutex.Lock", () -> {
            r.lock(); // waits for the reader
            r.unlock();
        }, r::rUnlock);
    }
}
