package dev.gort.sync;

import dev.gort.Go;
import dev.gort.Panic;
import dev.gort.chan.Chan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
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

    /**
     * Go's TestOncePanic: the first call's f panics, and the panic reaches the caller; a second
     * call with another panicking f does not run it (no panic); later calls run nothing either.
     */
    @Test
    void oncePanic() {
        Once once = new Once();
        Panic failed = new Panic("failed");
        Panic first = assertThrows(Panic.class, () -> once.run(() -> {
            throw failed;
        }), "Once.run has not panicked on the first call");
        assertSame(failed, first);
        once.run(() -> {
            throw new Panic("failed");
        }); // must not panic: f is not called again
        once.run(() -> { });
        AtomicInteger calledTwice = new AtomicInteger();
        once.run(calledTwice::incrementAndGet);
        assertEquals(0, calledTwice.get(), "Once called twice");
    }

    /**
     * Go's TestOnceFuncGoexit, through a plain Once: f calls Go.goexit. Go leaves
     * the results unspecified but f must not be called twice: two goroutines in turn call run with
     * it; the first ends at goexit (its WaitGroup done still runs, as Go's deferred Done), the
     * second finds the Once done. Checks also that a goexit inside f leaves the Once's lock free
     * (the second caller would otherwise block for ever).
     */
    @Test
    void onceGoexit() {
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger after = new AtomicInteger();
        Go.run(() -> {
            Once once = new Once();
            Runnable f = () -> {
                calls.incrementAndGet();
                Go.goexit();
            };
            WaitGroup wg = new WaitGroup();
            for (int i = 0; i < 2; i++) {
                wg.go(() -> {
                    once.run(f);
                    after.incrementAndGet();
                });
                wg.await();
            }
        });
        assertEquals(1, calls.get(), "want calls == 1");
        assertEquals(1, after.get(), "the goexit ends the first caller only");
    }

    /**
     * Runs f from eight goroutines at once, each waiting at a start line, and returns what each
     * call returned or threw (Go's oncefunc_test.go testConcurrent).
     */
    private static List<Object> callConcurrently(Supplier<?> f) {
        List<Object> got = new CopyOnWriteArrayList<>();
        Go.run(() -> {
            WaitGroup start = new WaitGroup(), done = new WaitGroup();
            start.add(1);
            for (int i = 0; i < 8; i++) {
                done.go(() -> {
                    start.await();
                    try {
                        got.add(f.get());
                    } catch (RuntimeException e) {
                        got.add(e);
                    }
                });
            }
            start.done();
            done.await();
        });
        return got;
    }

    /**
     * Go's TestOnceFunc: the Runnable from Once.func runs f on its first call only, whether the
     * calls come one after another or eight at once.
     */
    @Test
    void onceFunc() {
        AtomicInteger calls = new AtomicInteger();
        Runnable f = Once.func(calls::incrementAndGet);
        f.run();
        f.run();
        assertEquals(1, calls.get());
        AtomicInteger calls2 = new AtomicInteger();
        Runnable g = Once.func(calls2::incrementAndGet);
        callConcurrently(() -> {
            g.run();
            return null;
        });
        assertEquals(1, calls2.get());
    }

    /**
     * Go's TestOnceValue and TestOnceValues (two results as a record): every call returns the
     * value of f's one call, eight concurrent callers included.
     */
    @Test
    void onceValue() {
        AtomicInteger calls = new AtomicInteger();
        Supplier<Integer> f = Once.value(calls::incrementAndGet);
        assertEquals(1, f.get());
        assertEquals(1, f.get());
        assertEquals(1, calls.get());
        record Two(int a, int b) {}
        AtomicInteger calls2 = new AtomicInteger();
        Supplier<Two> g = Once.value(() -> {
            int n = calls2.incrementAndGet();
            return new Two(n, n + 1);
        });
        List<Object> got = callConcurrently(g);
        assertEquals(8, got.size());
        for (Object o : got) {
            assertEquals(new Two(1, 2), o);
        }
        assertEquals(1, calls2.get());
    }

    /**
     * Go's TestOnceFuncPanic and TestOnceValuePanic: f panics on its one call, and every call,
     * the first and eight concurrent later ones, throws that same panic; f is not called again.
     */
    @Test
    void onceFuncAndValuePanic() {
        Panic x = new Panic("x");
        AtomicInteger calls = new AtomicInteger();
        Runnable f = Once.func(() -> {
            calls.incrementAndGet();
            throw x;
        });
        for (int i = 0; i < 2; i++) {
            assertSame(x, assertThrows(Panic.class, f::run));
        }
        List<Object> got = callConcurrently(() -> {
            f.run();
            return null;
        });
        assertEquals(8, got.size());
        got.forEach(o -> assertSame(x, o));
        assertEquals(1, calls.get());

        AtomicInteger vcalls = new AtomicInteger();
        Supplier<Integer> v = Once.value(() -> {
            vcalls.incrementAndGet();
            throw x;
        });
        for (int i = 0; i < 2; i++) {
            assertSame(x, assertThrows(Panic.class, v::get));
        }
        callConcurrently(v).forEach(o -> assertSame(x, o));
        assertEquals(1, vcalls.get());
    }

    /**
     * Go's TestOnceFuncGoexit: f calls Go.goexit; Go leaves the results unspecified, but f runs
     * once. gort's: the first caller's goroutine exits (its deferred done still runs), a later
     * caller gets a Panic naming goexit.
     */
    @Test
    void onceFuncGoexit() {
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger after = new AtomicInteger();
        List<RuntimeException> later = new CopyOnWriteArrayList<>();
        Go.run(() -> {
            Runnable f = Once.func(() -> {
                calls.incrementAndGet();
                Go.goexit();
            });
            WaitGroup wg = new WaitGroup();
            for (int i = 0; i < 2; i++) {
                wg.go(() -> {
                    try {
                        f.run();
                    } catch (Panic p) {
                        later.add(p);
                    }
                    after.incrementAndGet();
                });
                wg.await();
            }
        });
        assertEquals(1, calls.get(), "want calls == 1");
        assertEquals(1, after.get(), "the goexit ends the first caller only");
        assertEquals(1, later.size());
        assertTrue(later.get(0).getMessage().contains("goexit"), later.get(0).getMessage());
    }

    /**
     * Go's TestOnceXGC: once f has been called, the function from Once.func or Once.value no longer
     * holds f (nor what f holds), whether f returned or threw (Go drops f in a deferred call, so on
     * a panic too; gort kept an f that threw). Bounded: up to 100 collections for the weak
     * reference to clear.
     */
    @Test
    void onceFuncDropsF() throws InterruptedException {
        for (boolean useValue : new boolean[] {false, true}) {
            for (boolean fThrows : new boolean[] {false, true}) {
                String what = (useValue ? "Once.value" : "Once.func") + (fThrows ? " (f threw)" : "");
                List<WeakReference<byte[]>> held = new ArrayList<>();
                Object wrapped = wrapAndCall(useValue, fThrows, held);
                for (int i = 0; i < 100 && held.get(0).get() != null; i++) {
                    System.gc();
                    Thread.sleep(1);
                }
                assertTrue(held.get(0).get() == null, what + " still holds f after its call");
                assertTrue(wrapped != null); // the wrapper itself stays reachable throughout
            }
        }
    }

    /**
     * Wraps a function holding a fresh buffer (weakly referenced in held) with Once.value or
     * Once.func, and calls it once; with fThrows, f throws (a Panic that does not hold the buffer)
     * and the call rethrows it. A method of its own, so no frame of the caller holds the buffer.
     */
    private static Object wrapAndCall(boolean useValue, boolean fThrows, List<WeakReference<byte[]>> held) {
        byte[] b = new byte[1024];
        held.add(new WeakReference<>(b));
        if (useValue) {
            Supplier<Integer> v = Once.value(() -> {
                if (fThrows) {
                    throw new Panic("f of " + b.length + " bytes");
                }
                return b.length;
            });
            if (fThrows) {
                assertEquals("f of 1024 bytes", assertThrows(Panic.class, v::get).getMessage());
            } else {
                assertEquals(1024, v.get());
            }
            return v;
        }
        Runnable r = Once.func(() -> {
            assertEquals(1024, b.length);
            if (fThrows) {
                throw new Panic("f of " + b.length + " bytes");
            }
        });
        if (fThrows) {
            assertEquals("f of 1024 bytes", assertThrows(Panic.class, r::run).getMessage());
        } else {
            r.run();
        }
        return r;
    }

    /** Once.func and Once.value refuse a null function, naming it. */
    @Test
    void onceFuncRefusesNull() {
        assertTrue(assertThrows(NullPointerException.class, () -> Once.func(null)).getMessage().contains("Once.func"));
        assertTrue(assertThrows(NullPointerException.class, () -> Once.value(null)).getMessage().contains("Once.value"));
    }

    /**
     * Go's ExampleOnce: ten goroutines call run with the same body, which prints "Only once";
     * the output is that one line.
     */
    @Test
    void exampleOnce() {
        List<String> out = new CopyOnWriteArrayList<>();
        Go.run(() -> {
            Once once = new Once();
            Runnable onceBody = () -> out.add("Only once");
            Chan<Boolean> done = Chan.make();
            for (int i = 0; i < 10; i++) {
                Go.go(() -> {
                    once.run(onceBody);
                    done.send(true);
                });
            }
            for (int i = 0; i < 10; i++) {
                done.recv();
            }
        });
        assertEquals(List.of("Only once"), out);
    }

    /**
     * Go's ExampleWaitGroup: one goroutine per URL fetches it (a stub, as Go's example's http),
     * add before each start, done when each ends; await returns once all fetches are done.
     * Go 1.25's version of the example uses WaitGroup.Go; both forms run here.
     */
    @Test
    void exampleWaitGroup() {
        List<String> urls = List.of("http://www.golang.org/", "http://www.google.com/", "http://www.example.com/");
        for (boolean useGo : new boolean[] {false, true}) {
            Set<String> fetched = ConcurrentHashMap.newKeySet();
            Go.run(() -> {
                WaitGroup wg = new WaitGroup();
                for (String url : urls) {
                    if (useGo) {
                        wg.go(() -> fetched.add(url));
                    } else {
                        wg.add(1);
                        Go.go(() -> {
                            try {
                                fetched.add(url);
                            } finally {
                                wg.done();
                            }
                        });
                    }
                }
                wg.await();
                assertEquals(Set.copyOf(urls), Set.copyOf(fetched), "await returned before every fetch");
            });
        }
    }
}
