package dev.gort.sync;

import dev.gort.FatalError;
import dev.gort.Go;
import dev.gort.Panic;
import dev.gort.chan.Chan;
import dev.gort.chan.Select;
import dev.gort.runtime.Sema;
import dev.gort.runtime.WaitReason;
import dev.gort.testing.Sched;
import dev.gort.time.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Ports of tests in Go's src/sync (waitgroup_test.go, cond_test.go, mutex_test.go,
 * rwmutex_test.go) not covered by the other sync tests. Where Go's test sets GOMAXPROCS it is
 * set here too (Sched restores it). A hang fails by the class timeout with the goroutine dump.
 */
@ExtendWith(Sched.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GoSyncTestPortsTest {

    /**
     * Go's TestWaitGroup: wg1 and wg2 as a two-phase barrier for 16 goroutines, run 8 times over
     * the same pair; no goroutine passes wg2 before all 16 done calls on it.
     */
    @Test
    void waitGroup() {
        Go.run(() -> {
            WaitGroup wg1 = new WaitGroup(), wg2 = new WaitGroup();
            for (int round = 0; round < 8; round++) {
                int n = 16;
                wg1.add(n);
                wg2.add(n);
                Chan<Boolean> exited = Chan.make(n);
                for (int i = 0; i < n; i++) {
                    Go.go(() -> {
                        wg1.done();
                        wg2.await();
                        exited.send(true);
                    });
                }
                wg1.await();
                for (int i = 0; i < n; i++) {
                    assertNull(exited.tryRecv(), "WaitGroup released group too soon");
                    wg2.done();
                }
                for (int i = 0; i < n; i++) {
                    exited.recv();
                }
            }
        });
    }

    /** Go's TestWaitGroupMisuse: add(1), done, done panics "sync: negative WaitGroup counter". */
    @Test
    void waitGroupMisuse() {
        WaitGroup wg = new WaitGroup();
        wg.add(1);
        wg.done();
        dev.gort.Panic p = org.junit.jupiter.api.Assertions.assertThrows(dev.gort.Panic.class, wg::done);
        assertEquals("sync: negative WaitGroup counter", p.getMessage());
    }

    /** Go's TestWaitGroupRace: await after two add/done pairs sees both goroutines' effects. */
    @Test
    void waitGroupRace() {
        Go.run(() -> {
            for (int i = 0; i < 2000; i++) {
                WaitGroup wg = new WaitGroup();
                AtomicInteger n = new AtomicInteger();
                wg.add(1);
                Go.go(() -> {
                    n.incrementAndGet();
                    wg.done();
                });
                wg.add(1);
                Go.go(() -> {
                    n.incrementAndGet();
                    wg.done();
                });
                wg.await();
                assertEquals(2, n.get(), "spurious wakeup from await");
            }
        });
    }

    /**
     * Go's TestCondSignal: two waiters; each signal wakes exactly one (checked with non-blocking
     * receives before and after), and a signal with no waiter is harmless.
     */
    @Test
    void condSignal() {
        Go.run(() -> {
            for (int round = 0; round < 50; round++) {
                Mutex m = new Mutex();
                Cond c = new Cond(m);
                int n = 2;
                Chan<Boolean> running = Chan.make(n), awake = Chan.make(n);
                for (int i = 0; i < n; i++) {
                    Go.go(() -> {
                        m.lock();
                        running.send(true);
                        c.await();
                        awake.send(true);
                        m.unlock();
                    });
                }
                for (int i = 0; i < n; i++) {
                    running.recv();
                }
                for (int left = n; left > 0; left--) {
                    assertNull(awake.tryRecv(), "goroutine not asleep");
                    m.lock();
                    c.signal();
                    m.unlock();
                    awake.recv(); // hangs if no goroutine wakes up
                    assertNull(awake.tryRecv(), "too many goroutines awake");
                }
                c.signal();
            }
        });
    }

    /**
     * Go's TestCondSignalGenerations: 100 goroutines wait in turn, each signalled after it
     * waits; the one woken must be the one that waited before it (waiters wake in FIFO order).
     */
    @Test
    void condSignalGenerations() {
        Go.run(() -> {
            Mutex m = new Mutex();
            Cond c = new Cond(m);
            int n = 100;
            Chan<Boolean> running = Chan.make(n);
            Chan<Integer> awake = Chan.make(n);
            for (int i = 0; i < n; i++) {
                int id = i;
                Go.go(() -> {
                    m.lock();
                    running.send(true);
                    c.await();
                    awake.send(id);
                    m.unlock();
                });
                if (i > 0) {
                    int a = awake.recv();
                    assertEquals(i - 1, a, "wrong goroutine woke up");
                }
                running.recv();
                m.lock();
                c.signal();
                m.unlock();
            }
            assertEquals(n - 1, awake.recv());
        });
    }

    /**
     * Go's TestCondBroadcast: n goroutines loop waiting on the Cond; each of n rounds broadcasts
     * once all n wait, and every goroutine must wake exactly once per broadcast; then all exit.
     */
    @Test
    void condBroadcast() {
        Go.run(() -> {
            Mutex m = new Mutex();
            Cond c = new Cond(m);
            int n = 100;
            Chan<Integer> running = Chan.make(n), awake = Chan.make(n);
            boolean[] exit = {false}; // under m
            for (int i = 0; i < n; i++) {
                int g = i;
                Go.go(() -> {
                    m.lock();
                    while (!exit[0]) {
                        running.send(g);
                        c.await();
                        awake.send(g);
                    }
                    m.unlock();
                });
            }
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    running.recv(); // hangs unless n are running
                }
                if (i == n - 1) {
                    m.lock();
                    exit[0] = true;
                    m.unlock();
                }
                assertNull(awake.tryRecv(), "goroutine not asleep");
                m.lock();
                c.broadcast();
                m.unlock();
                boolean[] seen = new boolean[n];
                for (int j = 0; j < n; j++) {
                    int g = awake.recv();
                    assertFalse(seen[g], "goroutine woke up twice");
                    seen[g] = true;
                }
            }
            assertNull(running.tryRecv(), "goroutine did not exit");
            c.broadcast();
        });
    }

    /**
     * Go's TestRace (cond_test.go): three goroutines hand a value 1, 2, 3 through one Cond with
     * signal and polling under the lock; each sees the value it waits for.
     */
    @Test
    void condRace() {
        AtomicInteger bad = new AtomicInteger();
        Go.run(() -> {
            for (int round = 0; round < 200; round++) {
                int[] x = {0};
                Mutex l = new Mutex();
                Cond c = new Cond(l);
                Chan<Boolean> done = Chan.make();
                Go.go(() -> {
                    l.lock();
                    x[0] = 1;
                    c.await();
                    if (x[0] != 2) {
                        bad.incrementAndGet();
                    }
                    x[0] = 3;
                    c.signal();
                    l.unlock();
                    done.send(true);
                });
                Go.go(() -> {
                    l.lock();
                    for (;;) {
                        if (x[0] == 1) {
                            x[0] = 2;
                            c.signal();
                            break;
                        }
                        l.unlock();
                        Go.gosched();
                        l.lock();
                    }
                    l.unlock();
                    done.send(true);
                });
                Go.go(() -> {
                    l.lock();
                    for (;;) {
                        if (x[0] == 2) {
                            c.await();
                            if (x[0] != 3) {
                                bad.incrementAndGet();
                            }
                            break;
                        }
                        if (x[0] == 3) {
                            break;
                        }
                        l.unlock();
                        Go.gosched();
                        l.lock();
                    }
                    l.unlock();
                    done.send(true);
                });
                done.recv();
                done.recv();
                done.recv();
            }
        });
        assertEquals(0, bad.get(), "a goroutine saw the wrong value after its wait");
    }

    /**
     * Go's TestCondSignalStealing: a waiter is known to be in await; then a broadcast races with a
     * new waiter. The new waiter may or may not be woken, but the first must be.
     */
    @Test
    void condSignalStealing() {
        Go.run(() -> {
            for (int iters = 0; iters < 1000; iters++) {
                Mutex m = new Mutex();
                Cond cond = new Cond(m);
                Chan<Boolean> ch = Chan.make();
                Go.go(() -> {
                    m.lock();
                    ch.send(true);
                    cond.await();
                    m.unlock();
                    ch.send(true);
                });
                ch.recv();
                m.lock();
                m.unlock();
                // the waiter is inside await: it held m until then
                boolean[] done = {false}; // under m
                Go.go(cond::broadcast);
                Go.go(() -> {
                    m.lock();
                    while (!done[0]) {
                        cond.await();
                    }
                    m.unlock();
                });
                int it = iters;
                new Select()
                        .recv(ch, v -> {})
                        .recv(Time.after(Duration.ofSeconds(10)), v -> fail("first waiter didn't get broadcast, iteration " + it))
                        .run();
                m.lock();
                done[0] = true;
                m.unlock();
                cond.broadcast();
            }
        });
    }

    /**
     * Go's TestMutex: tryLock fails while locked and succeeds when not; then 10 goroutines
     * hammer one Mutex with lock/unlock and tryLock/unlock (Go's HammerMutex). A counter kept
     * under the lock checks mutual exclusion.
     */
    @Test
    void mutexHammer() {
        Go.run(() -> {
            Mutex m = new Mutex();
            m.lock();
            assertFalse(m.tryLock(), "tryLock succeeded with mutex locked");
            m.unlock();
            assertTrue(m.tryLock(), "tryLock failed with mutex unlocked");
            m.unlock();
            AtomicInteger inside = new AtomicInteger(), violations = new AtomicInteger();
            Chan<Boolean> c = Chan.make();
            for (int g = 0; g < 10; g++) {
                Go.go(() -> {
                    for (int i = 0; i < 5000; i++) {
                        if (i % 3 == 0) {
                            if (m.tryLock()) {
                                if (inside.incrementAndGet() != 1) {
                                    violations.incrementAndGet();
                                }
                                inside.decrementAndGet();
                                m.unlock();
                            }
                            continue;
                        }
                        m.lock();
                        if (inside.incrementAndGet() != 1) {
                            violations.incrementAndGet();
                        }
                        inside.decrementAndGet();
                        m.unlock();
                    }
                    c.send(true);
                });
            }
            for (int g = 0; g < 10; g++) {
                c.recv();
            }
            assertEquals(0, violations.get(), "two goroutines held the mutex at once");
        });
    }

    /**
     * Go's TestParallelReaders: n readers each take the read lock and wait until all n hold it
     * at once, for (readers, GOMAXPROCS) = (1,4), (3,4), (4,2).
     */
    @Test
    void parallelReaders() {
        int[][] cases = {{1, 4}, {3, 4}, {4, 2}, {10, 1}};
        for (int[] cs : cases) {
            int numReaders = cs[0];
            Go.gomaxprocs(cs[1]);
            Go.run(() -> {
                for (int round = 0; round < 20; round++) {
                    RWMutex m = new RWMutex();
                    Chan<Boolean> clocked = Chan.make(), cunlock = Chan.make(), cdone = Chan.make();
                    for (int i = 0; i < numReaders; i++) {
                        Go.go(() -> {
                            m.rLock();
                            clocked.send(true);
                            cunlock.recv();
                            m.rUnlock();
                            cdone.send(true);
                        });
                    }
                    for (int i = 0; i < numReaders; i++) {
                        clocked.recv();
                    }
                    for (int i = 0; i < numReaders; i++) {
                        cunlock.send(true);
                    }
                    for (int i = 0; i < numReaders; i++) {
                        cdone.recv();
                    }
                }
            });
        }
    }

    /**
     * Go's TestRWMutex: the tryLock/tryRLock table, then HammerRWMutex over Go's (GOMAXPROCS,
     * readers) pairs: two writers and the readers in between keep an activity count (readers add
     * 1, writers 10000); a reader never sees a writer, a writer sees nobody else.
     */
    @Test
    void rwMutex() {
        RWMutex m = new RWMutex();
        m.lock();
        assertFalse(m.tryLock(), "tryLock succeeded with mutex locked");
        assertFalse(m.tryRLock(), "tryRLock succeeded with mutex locked");
        m.unlock();
        assertTrue(m.tryLock(), "tryLock failed with mutex unlocked");
        m.unlock();
        assertTrue(m.tryRLock(), "tryRLock failed with mutex unlocked");
        assertTrue(m.tryRLock(), "tryRLock failed with mutex rlocked");
        assertFalse(m.tryLock(), "tryLock succeeded with mutex rlocked");
        m.rUnlock();
        m.rUnlock();
        assertTrue(m.tryLock(), "tryLock failed with mutex unlocked");
        m.unlock();

        int n = 300;
        int[][] cases = {{1, 1}, {1, 3}, {1, 10}, {4, 1}, {4, 3}, {4, 10}, {10, 1}, {10, 3}, {10, 10}, {10, 5}};
        for (int[] cs : cases) {
            hammerRWMutex(cs[0], cs[1], n);
        }
    }

    private void hammerRWMutex(int gomaxprocs, int numReaders, int iterations) {
        Go.gomaxprocs(gomaxprocs);
        AtomicInteger activity = new AtomicInteger();
        AtomicInteger bad = new AtomicInteger();
        Go.run(() -> {
            RWMutex rwm = new RWMutex();
            Chan<Boolean> cdone = Chan.make();
            Runnable writer = () -> {
                for (int i = 0; i < iterations; i++) {
                    rwm.lock();
                    int a = activity.addAndGet(10000);
                    if (a != 10000) {
                        bad.incrementAndGet();
                    }
                    for (int k = 0; k < 100; k++) {
                        Thread.onSpinWait();
                    }
                    activity.addAndGet(-10000);
                    rwm.unlock();
                }
                cdone.send(true);
            };
            Runnable reader = () -> {
                for (int i = 0; i < iterations; i++) {
                    rwm.rLock();
                    int a = activity.incrementAndGet();
                    if (a < 1 || a >= 10000) {
                        bad.incrementAndGet();
                    }
                    for (int k = 0; k < 100; k++) {
                        Thread.onSpinWait();
                    }
                    activity.decrementAndGet();
                    rwm.rUnlock();
                }
                cdone.send(true);
            };
            Go.go(writer);
            int i;
            for (i = 0; i < numReaders / 2; i++) {
                Go.go(reader);
            }
            Go.go(writer);
            for (; i < numReaders; i++) {
                Go.go(reader);
            }
            for (int k = 0; k < 2 + numReaders; k++) {
                cdone.recv();
            }
        });
        assertEquals(0, bad.get(), "activity check failed at GOMAXPROCS " + gomaxprocs + ", " + numReaders + " readers");
    }

    /**
     * Go's TestRLocker: the RLocker read-locks (a writer waits for both read locks to go), and a
     * held write lock keeps the RLocker out.
     */
    @Test
    void rLocker() {
        Go.run(() -> {
            RWMutex wl = new RWMutex();
            Locker rl = wl.rLocker();
            Chan<Boolean> wlocked = Chan.make(1), rlocked = Chan.make(1);
            int n = 10;
            Go.go(() -> {
                for (int i = 0; i < n; i++) {
                    rl.lock();
                    rl.lock();
                    rlocked.send(true);
                    wl.lock();
                    wlocked.send(true);
                }
            });
            for (int i = 0; i < n; i++) {
                rlocked.recv();
                rl.unlock();
                assertNull(wlocked.tryRecv(), "RLocker() didn't read-lock it");
                rl.unlock();
                wlocked.recv();
                assertNull(rlocked.tryRecv(), "RLocker() didn't respect the write lock");
                wl.unlock();
            }
        });
    }

    /**
     * Go's TestMutexMisuse: each of Go's eight misuses of Mutex and RWMutex is a fatal error whose
     * message names an unlocked lock (Go's test looks for "unlocked"; here each message must be the one
     * Go's sync package gives that case: Mutex's, RWMutex.Unlock's or RWMutex.RUnlock's). Beside the cases the other sync tests cover (unlock of a
     * never-locked Mutex or RWMutex, rUnlock of a never-locked RWMutex) this runs the mixed-mode
     * ones: unlock while only read-locked, rUnlock while write-locked, and a second unlock or
     * rUnlock after a matching pair. Go runs each in a child process, since a fatal error ends
     * it; here each is the main goroutine of a run of its own, which the FatalError ends.
     */
    @Test
    void mutexMisuse() {
        String mutexMsg = "sync: unlock of unlocked mutex";
        String unlockMsg = "sync: Unlock of unlocked RWMutex";
        String rUnlockMsg = "sync: RUnlock of unlocked RWMutex";
        Map<String, String> want = new LinkedHashMap<>();
        want.put("Mutex.Unlock", mutexMsg);
        want.put("Mutex.Unlock2", mutexMsg);
        want.put("RWMutex.Unlock", unlockMsg);
        want.put("RWMutex.Unlock2", unlockMsg);
        want.put("RWMutex.Unlock3", unlockMsg);
        want.put("RWMutex.RUnlock", rUnlockMsg);
        want.put("RWMutex.RUnlock2", rUnlockMsg);
        want.put("RWMutex.RUnlock3", rUnlockMsg);
        Map<String, Runnable> cases = new LinkedHashMap<>();
        cases.put("Mutex.Unlock", () -> new Mutex().unlock());
        cases.put("Mutex.Unlock2", () -> {
            Mutex mu = new Mutex();
            mu.lock();
            mu.unlock();
            mu.unlock();
        });
        cases.put("RWMutex.Unlock", () -> new RWMutex().unlock());
        cases.put("RWMutex.Unlock2", () -> {
            RWMutex mu = new RWMutex();
            mu.rLock();
            mu.unlock();
        });
        cases.put("RWMutex.Unlock3", () -> {
            RWMutex mu = new RWMutex();
            mu.lock();
            mu.unlock();
            mu.unlock();
        });
        cases.put("RWMutex.RUnlock", () -> new RWMutex().rUnlock());
        cases.put("RWMutex.RUnlock2", () -> {
            RWMutex mu = new RWMutex();
            mu.lock();
            mu.rUnlock();
        });
        cases.put("RWMutex.RUnlock3", () -> {
            RWMutex mu = new RWMutex();
            mu.rLock();
            mu.rUnlock();
            mu.rUnlock();
        });
        for (var e : cases.entrySet()) {
            Throwable t = null;
            try {
                Go.run(e.getValue());
            } catch (Throwable x) {
                t = x;
            }
            assertTrue(t instanceof FatalError, e.getKey() + ": no fatal error, got " + t);
            assertEquals(want.get(e.getKey()), t.getMessage(), e.getKey() + ": Go's fatal message");
        }
    }

    /**
     * Go's TestWaitGroupMisuse3: a group is reused (add, a goroutine's done, await) by a
     * goroutine whose await returned while main's await on the same round has not returned yet.
     * Go detects that misuse only opportunistically, and requires it to be detected at least once
     * in a million rounds: main's await must then panic "sync: WaitGroup is reused before previous
     * Wait has returned" (or one of the two other misuse panics, which the same race may raise in
     * another order). A round that detects nothing must still complete: the group's goroutines
     * finish, and nothing else may go wrong. Go skips it with one CPU; here every GOMAXPROCS runs
     * it, as the interleaving it needs does not require parallelism.
     */
    @Test
    void waitGroupMisuse3() {
        Set<String> allowed = Set.of(
                "sync: negative WaitGroup counter",
                "sync: WaitGroup misuse: Add called concurrently with Wait",
                "sync: WaitGroup is reused before previous Wait has returned");
        String[] got = {null};
        int[] rounds = {0};
        Go.run(() -> {
            Chan<Object> done = Chan.make(1);
            for (int i = 0; i < 1_000_000 && got[0] == null; i++) {
                rounds[0]++;
                WaitGroup wg = new WaitGroup();
                wg.add(1);
                Go.go(wg::done);
                Go.go(() -> {
                    Object r = null;
                    try {
                        wg.await();
                        wg.add(1); // reuse before main's await has returned
                        Go.go(wg::done);
                        wg.await();
                    } catch (Panic p) {
                        r = p.getMessage();
                    }
                    done.send(r == null ? Boolean.TRUE : r);
                });
                try {
                    wg.await();
                } catch (Panic p) {
                    got[0] = p.getMessage();
                }
                Object r = done.recv();
                if (r instanceof String msg && got[0] == null) {
                    got[0] = msg;
                }
            }
        });
        assertTrue(got[0] != null, "no misuse detected in " + rounds[0] + " rounds");
        assertTrue(allowed.contains(got[0]), "unexpected panic: " + got[0]);
    }

    /**
     * Go's TestSemaphore: ten goroutines each take and give back a semaphore of count 1 a
     * thousand times (the runtime semaphore under Mutex, WaitGroup and Cond, which Go's test
     * reaches through runtime_Semacquire). Go checks only that all finish; here the holders are
     * also counted, so two at once (a count given twice) fails as well as a lost wake-up (a hang).
     */
    @Test
    void semaphore() {
        Go.run(() -> {
            Sema s = new Sema(1);
            AtomicInteger holders = new AtomicInteger(), max = new AtomicInteger(), total = new AtomicInteger();
            Chan<Boolean> c = Chan.make();
            for (int i = 0; i < 10; i++) {
                Go.go(() -> {
                    for (int k = 0; k < 1000; k++) {
                        s.semacquire(false, WaitReason.SEMACQUIRE);
                        int h = holders.incrementAndGet();
                        max.accumulateAndGet(h, Math::max);
                        if (k % 7 == 0) {
                            Go.gosched(); // hold it across a reschedule now and then
                        }
                        total.incrementAndGet();
                        holders.decrementAndGet();
                        s.semrelease(false);
                    }
                    c.send(true);
                });
            }
            for (int i = 0; i < 10; i++) {
                c.recv();
            }
            assertEquals(1, max.get(), "semaphore of count 1 held by more than one goroutine");
            assertEquals(10_000, total.get());
        });
    }

    /**
     * Go's TestMutexFairness: a hog goroutine sleeps 100µs while holding the mutex and re-locks at
     * once after every unlock; a second goroutine, sleeping 100µs between attempts, must still get
     * the mutex 10 times. Go bounds that by 10 s; here by 60 s (a liveness bound on a loaded
     * machine, not a speed check), failing with every goroutine's stack. Unlike
     * MutexTest.starvingWaiterGetsTheLockNext, the hog parks (a timer sleep) inside its critical
     * section, so the waiter's wake-ups race with timer wake-ups, as in Go's test.
     */
    @Test
    void mutexFairness() {
        Go.run(() -> {
            Mutex mu = new Mutex();
            Chan<Boolean> stop = Chan.make();
            Go.go(() -> {
                for (;;) {
                    mu.lock();
                    Time.sleep(Duration.ofNanos(100_000));
                    mu.unlock();
                    if (stop.tryRecv() != null) {
                        return;
                    }
                }
            });
            Chan<Boolean> done = Chan.make();
            Go.go(() -> {
                for (int i = 0; i < 10; i++) {
                    Time.sleep(Duration.ofNanos(100_000));
                    mu.lock();
                    mu.unlock();
                }
                done.send(true);
            });
            boolean[] timedOut = {false};
            new Select()
                    .recv(done, v -> { })
                    .recv(Time.after(Duration.ofSeconds(60)), t -> timedOut[0] = true)
                    .run();
            if (timedOut[0]) {
                fail("can't acquire Mutex in 60 seconds; stacks:\n" + Go.stack(true));
            }
            stop.close(); // Go's defer close(stop)
        });
    }

    /**
     * Go's TestWaitGroupGo (Go 1.25): WaitGroup.go runs f in a goroutine and await returns after
     * it, with f's plain (non-atomic) write visible. Run 1000 times for the visibility edge.
     */
    @Test
    void waitGroupGo() {
        Go.run(() -> {
            for (int round = 0; round < 1000; round++) {
                WaitGroup wg = new WaitGroup();
                int[] i = {0};
                wg.go(() -> i[0]++);
                wg.await();
                assertEquals(1, i[0], "round " + round);
            }
        });
    }

    /**
     * Go's TestWaitGroupAlign: a WaitGroup inside another object (Go checks the 64-bit state's
     * alignment there); add, a goroutine's done, await. Java has no alignment to get wrong: what
     * is left is that the await returns.
     */
    @Test
    void waitGroupAlign() {
        record X(byte x, WaitGroup wg) { }
        Go.run(() -> {
            X x = new X((byte) 0, new WaitGroup());
            x.wg().add(1);
            Go.go(() -> x.wg().done());
            x.wg().await();
        });
    }
}
