package dev.gort.sync;

import dev.gort.Go;
import dev.gort.Panic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class WaitGroupOnceCondTest {

    @Test
    void waitGroupWaitsForAll() {
        AtomicInteger done = new AtomicInteger();
        Go.run(() -> {
            WaitGroup wg = new WaitGroup();
            for (int round = 0; round < 3; round++) { // reuse after await returned is fine
                for (int i = 0; i < 100; i++) {
                    wg.go(() -> {
                        Thread.yield();
                        done.incrementAndGet();
                    });
                }
                // several waiters
                WaitGroup waiters = new WaitGroup();
                for (int w = 0; w < 3; w++) {
                    waiters.go(wg::await);
                }
                wg.await();
                waiters.await();
                assertEquals(0, wg.counter());
            }
        });
        assertEquals(300, done.get());
    }

    @Test
    void negativeCounterPanics() {
        WaitGroup wg = new WaitGroup();
        Panic p = assertThrows(Panic.class, wg::done);
        assertEquals("sync: negative WaitGroup counter", p.getMessage());
        assertEquals(0, wg.counter());
        wg.add(1);
        Panic p2 = assertThrows(Panic.class, () -> wg.add(-2));
        assertEquals("sync: negative WaitGroup counter", p2.getMessage());
        wg.done();
        wg.await();
        Panic p3 = assertThrows(Panic.class, () -> Go.run(() -> new WaitGroup().add(-1)));
        assertEquals("sync: negative WaitGroup counter", p3.getMessage());
    }

    /**
     * A negative add that panics must leave no trace: a concurrent add must not see the counter
     * pass through 0 and release a waiter while work is still counted (gort once applied the add
     * and undid it, and a racing add(1) in between released the waiter early).
     */
    @Test
    void aRefusedNegativeAddNeverReleasesAWaiterEarly() {
        Go.run(() -> {
            for (int trial = 0; trial < 300; trial++) {
                WaitGroup wg = new WaitGroup();
                wg.add(1);
                AtomicInteger seenOnReturn = new AtomicInteger(-1);
                AtomicReference<Thread> waiterThread = new AtomicReference<>();
                WaitGroup waiter = new WaitGroup();
                waiter.go(() -> {
                    waiterThread.set(Thread.currentThread());
                    wg.await(); // a "reused" panic here fails the run
                    seenOnReturn.set(wg.counter());
                });
                while (waiterThread.get() == null || waiterThread.get().getState() != Thread.State.WAITING) {
                    Thread.yield();
                }
                AtomicBoolean applied = new AtomicBoolean();
                WaitGroup racers = new WaitGroup();
                racers.go(() -> {
                    try {
                        wg.add(-2); // legal only after the add(1): 2 -> 0 releases the waiter
                        applied.set(true);
                    } catch (Panic p) {
                        assertEquals("sync: negative WaitGroup counter", p.getMessage());
                    }
                });
                racers.go(() -> wg.add(1));
                racers.await();
                if (applied.get()) {
                    assertEquals(0, wg.counter(), "trial " + trial);
                } else {
                    assertEquals(2, wg.counter(), "trial " + trial + ": the refused add left a trace");
                    assertEquals(-1, seenOnReturn.get(), "trial " + trial + ": the waiter returned with work counted");
                    wg.done();
                    wg.done();
                }
                waiter.await();
                assertEquals(0, seenOnReturn.get(), "trial " + trial);
            }
        });
    }

    @Test
    void awaitWithZeroCounterReturns() {
        new WaitGroup().await();
    }

    @Test
    void onceRunsOnceEvenIfItPanics() {
        Once once = new Once();
        AtomicInteger calls = new AtomicInteger();
        RuntimeException boom = new RuntimeException("boom");
        RuntimeException got = assertThrows(RuntimeException.class, () -> once.run(() -> {
            calls.incrementAndGet();
            throw boom;
        }));
        assertEquals(boom, got);
        once.run(calls::incrementAndGet);
        assertEquals(1, calls.get());
        assertTrue(once.isDone());
    }

    /** Concurrent callers all return after f finished, and see its writes. */
    @Test
    void onceConcurrentCallersWait() {
        Once once = new Once();
        int[] value = {0};
        AtomicInteger bad = new AtomicInteger();
        Go.run(() -> {
            WaitGroup wg = new WaitGroup();
            for (int i = 0; i < 50; i++) {
                wg.go(() -> {
                    once.run(() -> {
                        for (int k = 0; k < 10; k++) {
                            Thread.yield();
                        }
                        value[0] = 42;
                    });
                    if (value[0] != 42) {
                        bad.incrementAndGet();
                    }
                });
            }
            wg.await();
        });
        assertEquals(0, bad.get());
    }

    /** Signal wakes waiters one at a time in the order they waited; broadcast wakes the rest. */
    @Test
    void condSignalFifoAndBroadcast() {
        Mutex m = new Mutex();
        Cond c = new Cond(m);
        List<Integer> woke = new ArrayList<>(); // under m
        int[] waiting = {0}; // under m
        Go.run(() -> {
            WaitGroup wg = new WaitGroup();
            for (int i = 0; i < 5; i++) {
                int id = i;
                wg.go(() -> {
                    m.lock();
                    waiting[0]++;
                    c.await();
                    woke.add(id);
                    m.unlock();
                });
                // wait until goroutine i holds its ticket (it incremented under m before await)
                for (;;) {
                    m.lock();
                    int w = waiting[0];
                    m.unlock();
                    if (w == id + 1) {
                        break;
                    }
                    Thread.yield();
                }
            }
            for (int k = 1; k <= 2; k++) {
                c.signal();
                for (;;) {
                    m.lock();
                    int n = woke.size();
                    m.unlock();
                    if (n == k) {
                        break;
                    }
                    Thread.yield();
                }
            }
            c.broadcast();
            wg.await();
            c.signal(); // nobody waits: no effect
        });
        assertEquals(List.of(0, 1), woke.subList(0, 2));
        assertEquals(5, woke.size());
        assertEquals(c.locker(), m);
    }

    /** Cond over an RWMutex's read locker (any Locker). */
    @Test
    void condOverRLocker() {
        RWMutex rw = new RWMutex();
        Cond c = new Cond(rw.rLocker());
        boolean[] ready = {false};
        Go.run(() -> {
            WaitGroup wg = new WaitGroup();
            wg.go(() -> {
                rw.rLock();
                while (!readyUnderWrite(rw, ready)) {
                    c.await();
                }
                rw.rUnlock();
            });
            rw.lock();
            ready[0] = true;
            rw.unlock();
            c.broadcast();
            wg.await();
        });
    }

    private static boolean readyUnderWrite(RWMutex rw, boolean[] ready) {
        return ready[0]; // read under rLock; the writer wrote under lock
    }

    /**
     * A platform thread that signalled or broadcast a Cond while nobody waited has used it: a
     * goroutine later waiting for that thread's next signal is not a deadlock. The notify list's
     * fast path used to leave it untouched, and the detector reported one.
     */
    @Test
    void aCondAPlatformThreadSignalledWithNobodyWaitingIsNotADeadlockToWaitOn() throws Exception {
        for (boolean broadcast : new boolean[] {false, true}) {
            Cond c = new Cond(new Mutex());
            boolean[] ready = {false};
            c.locker().lock();
            if (broadcast) {
                c.broadcast(); // this platform thread uses c: nobody waits
            } else {
                c.signal();
            }
            c.locker().unlock(); // (the mutex is touched: the goroutine's lock below never waits on it)
            PlatformUse.waitsForAPlatformThread("sync.Cond.Wait", () -> {
                c.locker().lock();
                while (!ready[0]) {
                    c.await();
                }
                c.locker().unlock();
            }, () -> {
                c.locker().lock();
                ready[0] = true;
                if (broadcast) {
                    c.broadcast();
                } else {
                    c.signal();
                }
                c.locker().unlock();
            });
        }
    }
}
