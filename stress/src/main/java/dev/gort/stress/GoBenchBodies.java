package dev.gort.stress;

import dev.gort.DeadlockError;
import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.chan.Select;
import dev.gort.errgroup.Group;
import dev.gort.sync.Cond;
import dev.gort.sync.Mutex;
import dev.gort.sync.Once;
import dev.gort.sync.RWMutex;
import dev.gort.sync.WaitGroup;
import dev.gort.time.Time;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/*
 * GoBenchBodies: the bodies of Go's scheduler and channel benchmarks and a few scheduler tests
 * (src/runtime/chan_test.go, src/runtime/proc_test.go), of its sync benchmarks (src/sync's
 * mutex, rwmutex, waitgroup, once and cond tests; not the semaphore ones, whose runtime semaphore
 * is not public API), of errgroup's BenchmarkGo and of Go's time benchmarks (src/time's
 * sleep_test.go and tick_test.go, with their idle timers on every P), in Java on gort's public
 * API, run as an acceptance program would run them: each body inside its own Go.run, many times,
 * at a fixed GOMAXPROCS, under a watchdog that leaves a goroutine dump and the Ms' stacks when a
 * body does not finish in 30 s (Evidence.hang, as Soak and Repeat do) and halts the JVM with
 * status 3.
 *
 * Go's b.N becomes a fixed count per body; Go's b.RunParallel becomes GOMAXPROCS goroutines that
 * share one counter (b.SetParallelism(p): p x GOMAXPROCS goroutines). Where a body has a checkable
 * outcome (values received, a default case that must or must not run, a product of matrices, the
 * critical sections a lock let through) it is checked: a mismatch is a wrong result.
 *
 *   child:  java ... -Dgort.maxprocs=P dev.gort.stress.GoBenchBodies --child [--rounds R] [--only NAME[,NAME...]]
 *   driver: java ... dev.gort.stress.GoBenchBodies --drive [--minutes M] [--procs 1,2,3,4,6,8] [--rounds R]
 *
 * The driver starts child JVMs one after another, cycling through the GOMAXPROCS list, until the
 * time is up, and keeps the score per GOMAXPROCS (rounds of the whole set, hangs, failures). A child's
 * log is kept under target/gobench/ only when it did not end clean.
 */
public final class GoBenchBodies {
    private GoBenchBodies() {}

    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    private static final Map<String, Body> BODIES = new LinkedHashMap<>();

    static {
        BODIES.put("MakeChan", GoBenchBodies::makeChan);
        BODIES.put("ChanNonblocking", GoBenchBodies::chanNonblocking);
        BODIES.put("SelectUncontended", GoBenchBodies::selectUncontended);
        BODIES.put("SelectSyncContended", GoBenchBodies::selectSyncContended);
        BODIES.put("SelectAsyncContended", GoBenchBodies::selectAsyncContended);
        BODIES.put("SelectNonblock", GoBenchBodies::selectNonblock);
        BODIES.put("ChanUncontended", GoBenchBodies::chanUncontended);
        BODIES.put("ChanContended", GoBenchBodies::chanContended);
        BODIES.put("ChanSync", () -> chanSync(0));
        BODIES.put("ChanSyncWork", () -> chanSync(1000));
        BODIES.put("ChanProdCons0", () -> chanProdCons(0, 0));
        BODIES.put("ChanProdCons10", () -> chanProdCons(10, 0));
        BODIES.put("ChanProdCons100", () -> chanProdCons(100, 0));
        BODIES.put("ChanProdConsWork0", () -> chanProdCons(0, 100));
        BODIES.put("ChanProdConsWork10", () -> chanProdCons(10, 100));
        BODIES.put("ChanProdConsWork100", () -> chanProdCons(100, 100));
        BODIES.put("SelectProdCons", GoBenchBodies::selectProdCons);
        BODIES.put("ReceiveDataFromClosedChan", GoBenchBodies::receiveDataFromClosedChan);
        BODIES.put("ChanCreation", GoBenchBodies::chanCreation);
        BODIES.put("ChanSem", GoBenchBodies::chanSem);
        BODIES.put("ChanPopular", GoBenchBodies::chanPopular);
        BODIES.put("ChanClosed", GoBenchBodies::chanClosed);
        BODIES.put("CreateGoroutines", () -> createGoroutines(1));
        BODIES.put("CreateGoroutinesParallel", () -> createGoroutines(Go.gomaxprocs(0)));
        BODIES.put("CreateGoroutinesCapture", GoBenchBodies::createGoroutinesCapture);
        BODIES.put("CreateGoroutinesSingle", GoBenchBodies::createGoroutinesSingle);
        BODIES.put("PingPongHog", GoBenchBodies::pingPongHog);
        BODIES.put("WakeupParallelSpinning", () -> wakeupParallel(GoBenchBodies::spinFor));
        BODIES.put("WakeupParallelSyscall", () -> wakeupParallel(GoBenchBodies::syscallSleep));
        BODIES.put("Matmult", GoBenchBodies::matmultBody);
        BODIES.put("YieldProgress", () -> yieldProgress(false));
        BODIES.put("YieldLockedProgress", () -> yieldProgress(true));
        BODIES.put("BlockLocked", GoBenchBodies::blockLocked);
        BODIES.put("TimerFairness", GoBenchBodies::timerFairness);
        BODIES.put("GoroutineParallelism", GoBenchBodies::goroutineParallelism);
        // src/sync (mutex_test.go, rwmutex_test.go, waitgroup_test.go, once_test.go, cond_test.go)
        BODIES.put("MutexUncontended", GoBenchBodies::mutexUncontended);
        BODIES.put("Mutex", () -> mutex(false, false));
        BODIES.put("MutexSlack", () -> mutex(true, false));
        BODIES.put("MutexWork", () -> mutex(false, true));
        BODIES.put("MutexWorkSlack", () -> mutex(true, true));
        BODIES.put("MutexNoSpin", GoBenchBodies::mutexNoSpin);
        BODIES.put("MutexSpin", GoBenchBodies::mutexSpin);
        BODIES.put("RWMutexUncontended", GoBenchBodies::rwMutexUncontended);
        BODIES.put("RWMutexWrite100", () -> rwMutex(0, 100));
        BODIES.put("RWMutexWrite10", () -> rwMutex(0, 10));
        BODIES.put("RWMutexWorkWrite100", () -> rwMutex(100, 100));
        BODIES.put("RWMutexWorkWrite10", () -> rwMutex(100, 10));
        BODIES.put("WaitGroupUncontended", GoBenchBodies::waitGroupUncontended);
        BODIES.put("WaitGroupAddDone", () -> waitGroupAddDone(0));
        BODIES.put("WaitGroupAddDoneWork", () -> waitGroupAddDone(100));
        BODIES.put("WaitGroupWait", () -> waitGroupWait(0));
        BODIES.put("WaitGroupWaitWork", () -> waitGroupWait(100));
        BODIES.put("WaitGroupActuallyWait", GoBenchBodies::waitGroupActuallyWait);
        BODIES.put("Once", GoBenchBodies::once);
        BODIES.put("Cond1", () -> cond(1));
        BODIES.put("Cond2", () -> cond(2));
        BODIES.put("Cond4", () -> cond(4));
        BODIES.put("Cond8", () -> cond(8));
        BODIES.put("Cond16", () -> cond(16));
        BODIES.put("Cond32", () -> cond(32));
        // golang.org/x/sync/errgroup (errgroup_test.go)
        BODIES.put("ErrgroupGo", GoBenchBodies::errgroupGo);
        // src/time (sleep_test.go, tick_test.go)
        BODIES.put("After", GoBenchBodies::after);
        BODIES.put("Stop", GoBenchBodies::stop);
        BODIES.put("SimultaneousAfterFunc", GoBenchBodies::simultaneousAfterFunc);
        BODIES.put("StartStop", GoBenchBodies::startStop);
        BODIES.put("Reset", GoBenchBodies::reset);
        BODIES.put("Sleep", GoBenchBodies::sleep);
        BODIES.put("Ticker", GoBenchBodies::ticker);
        BODIES.put("TickerReset", GoBenchBodies::tickerReset);
        BODIES.put("TickerResetNaive", GoBenchBodies::tickerResetNaive);
    }

    // ------------------------------------------------------------------ helpers

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    /** Go's testing.PB: GOMAXPROCS goroutines share one iteration counter. */
    static final class PB {
        private final AtomicLong left;

        PB(AtomicLong left) {
            this.left = left;
        }

        boolean next() {
            return left.getAndDecrement() > 0;
        }
    }

    @FunctionalInterface
    interface ParallelBody {
        void run(PB pb);
    }

    /** Go's b.RunParallel: GOMAXPROCS goroutines, n iterations in all; returns when all are done. */
    static void runParallel(long n, ParallelBody body) {
        runParallel(n, 1, body);
    }

    /** Go's b.SetParallelism(p) then b.RunParallel: p x GOMAXPROCS goroutines, n iterations in all. */
    static void runParallel(long n, int parallelism, ParallelBody body) {
        int procs = parallelism * Go.gomaxprocs(0);
        AtomicLong left = new AtomicLong(n);
        WaitGroup wg = new WaitGroup();
        for (int i = 0; i < procs; i++) {
            wg.add(1);
            Go.go(() -> {
                try {
                    body.run(new PB(left));
                } finally {
                    wg.done();
                }
            });
        }
        wg.await();
    }

    static int foo(int foo, int work) {
        for (int i = 0; i < work; i++) {
            foo *= 2;
            foo /= 2;
        }
        return foo;
    }

    static volatile int workSink;

    /** Go's localWork. */
    static void localWork(int w) {
        int foo = 0;
        for (int i = 0; i < w; i++) {
            foo /= (foo + 1);
        }
        if (w < 0) {
            workSink += foo;
        }
    }

    // ------------------------------------------------------------------ chan_test.go

    static void makeChan() {
        final int n = 20_000;
        Chan<Byte> b = null;
        Chan<Integer> i = null;
        Chan<Object> p = null;
        Chan<int[]> s = null;
        for (int k = 0; k < n; k++) {
            b = Chan.make(8);
            i = Chan.make(8);
            p = Chan.make(8);
            s = Chan.make(8);
        }
        b.close();
        i.close();
        p.close();
        s.close();
        check(!b.recvOk().ok() && s.recv() == null, "MakeChan: a closed empty channel must receive (zero, false)");
    }

    static void chanNonblocking() {
        Chan<Integer> myc = Chan.make();
        LongAdder defaults = new LongAdder();
        final long n = 200_000;
        runParallel(n, pb -> {
            Select sel = new Select().recv(myc, v -> { }).otherwise(defaults::increment);
            while (pb.next()) {
                sel.run();
            }
        });
        check(defaults.sum() == n, "ChanNonblocking: default ran " + defaults.sum() + " times, want " + n);
    }

    static void selectUncontended() {
        AtomicLong bad = new AtomicLong();
        runParallel(100_000, pb -> {
            Chan<Integer> myc1 = Chan.make(1), myc2 = Chan.make(1);
            myc1.send(0);
            Select sel = new Select().recv(myc1, v -> myc2.send(0)).recv(myc2, v -> myc1.send(0));
            while (pb.next()) {
                sel.run();
            }
            if (myc1.len() + myc2.len() != 1) {
                bad.incrementAndGet();
            }
        });
        check(bad.get() == 0, "SelectUncontended: tokens lost or duplicated in " + bad.get() + " goroutines");
    }

    static void selectSyncContended() {
        Chan<Integer> myc1 = Chan.make(), myc2 = Chan.make(), myc3 = Chan.make();
        Chan<Integer> done = Chan.make();
        WaitGroup senders = new WaitGroup();
        LongAdder got = new LongAdder();
        final long n = 20_000;
        runParallel(n, pb -> {
            senders.add(1);
            Go.go(() -> {
                try {
                    boolean[] stop = {false};
                    Select s = new Select().send(myc1, 0, () -> { }).send(myc2, 0, () -> { })
                            .send(myc3, 0, () -> { }).recv(done, v -> stop[0] = true);
                    while (!stop[0]) {
                        s.run();
                    }
                } finally {
                    senders.done();
                }
            });
            Select r = new Select().recv(myc1, v -> got.increment()).recv(myc2, v -> got.increment())
                    .recv(myc3, v -> got.increment());
            while (pb.next()) {
                r.run();
            }
        });
        done.close();
        senders.await(); // Go does not wait for them; here every sender must notice done's close
        check(got.sum() == n, "SelectSyncContended: received " + got.sum() + ", want " + n);
    }

    static void selectAsyncContended() {
        int procs = Go.gomaxprocs(0);
        Chan<Integer> myc1 = Chan.make(procs), myc2 = Chan.make(procs);
        runParallel(100_000, pb -> {
            myc1.send(0);
            Select sel = new Select().recv(myc1, v -> myc2.send(0)).recv(myc2, v -> myc1.send(0));
            while (pb.next()) {
                sel.run();
            }
        });
        check(myc1.len() + myc2.len() == procs, "SelectAsyncContended: " + (myc1.len() + myc2.len())
                + " tokens left, want " + procs);
    }

    static void selectNonblock() {
        Chan<Integer> myc1 = Chan.make(), myc2 = Chan.make(), myc3 = Chan.make(1), myc4 = Chan.make(1);
        LongAdder c1 = new LongAdder(), c2 = new LongAdder(), c3 = new LongAdder(), c4 = new LongAdder();
        runParallel(100_000, pb -> {
            Select s1 = new Select().recv(myc1, v -> c1.increment()).otherwise(() -> { });
            Select s2 = new Select().send(myc2, 0, c2::increment).otherwise(() -> { });
            Select s3 = new Select().recv(myc3, v -> c3.increment()).otherwise(() -> { });
            Select s4 = new Select().send(myc4, 0, c4::increment).otherwise(() -> { });
            while (pb.next()) {
                s1.run();
                s2.run();
                s3.run();
                s4.run();
            }
        });
        check(c1.sum() == 0 && c2.sum() == 0 && c3.sum() == 0 && c4.sum() == 1 && myc4.len() == 1,
                "SelectNonblock: cases ran " + c1.sum() + "/" + c2.sum() + "/" + c3.sum() + "/" + c4.sum()
                        + ", want 0/0/0/1");
    }

    static void chanUncontended() {
        final int c = 100;
        AtomicLong bad = new AtomicLong();
        runParallel(2_000, pb -> {
            Chan<Integer> myc = Chan.make(c);
            while (pb.next()) {
                for (int i = 0; i < c; i++) {
                    myc.send(i);
                }
                for (int i = 0; i < c; i++) {
                    if (myc.recv() != i) {
                        bad.incrementAndGet();
                    }
                }
            }
        });
        check(bad.get() == 0, "ChanUncontended: " + bad.get() + " values out of FIFO order");
    }

    static void chanContended() {
        final int c = 100;
        Chan<Integer> myc = Chan.make(c * Go.gomaxprocs(0));
        LongAdder got = new LongAdder();
        final long n = 1_500;
        runParallel(n, pb -> {
            while (pb.next()) {
                for (int i = 0; i < c; i++) {
                    myc.send(0);
                }
                for (int i = 0; i < c; i++) {
                    myc.recv();
                    got.increment();
                }
            }
        });
        check(got.sum() == n * c && myc.len() == 0, "ChanContended: received " + got.sum() + ", len " + myc.len());
    }

    static void chanSync(int work) {
        final int callsPerSched = 1000, procs = 2;
        int bN = work == 0 ? 40_000 : 8_000;
        AtomicInteger n = new AtomicInteger(bN / callsPerSched / procs * procs);
        Chan<Boolean> c = Chan.make(procs);
        Chan<Integer> myc = Chan.make();
        for (int p = 0; p < procs; p++) {
            Go.go(() -> {
                for (;;) {
                    int i = n.decrementAndGet();
                    if (i < 0) {
                        break;
                    }
                    for (int g = 0; g < callsPerSched; g++) {
                        if (i % 2 == 0) {
                            myc.recv();
                            localWork(work);
                            myc.send(0);
                            localWork(work);
                        } else {
                            myc.send(0);
                            localWork(work);
                            myc.recv();
                            localWork(work);
                        }
                    }
                }
                c.send(true);
            });
        }
        for (int p = 0; p < procs; p++) {
            c.recv();
        }
    }

    static void chanProdCons(int chanSize, int localWork) {
        final int callsPerSched = 1000;
        int procs = Go.gomaxprocs(-1);
        final int bN = 60_000;
        AtomicInteger n = new AtomicInteger(bN / callsPerSched);
        Chan<Boolean> c = Chan.make(2 * procs);
        Chan<Integer> myc = Chan.make(chanSize);
        LongAdder ones = new LongAdder();
        for (int p = 0; p < procs; p++) {
            Go.go(() -> {
                int foo = 0;
                while (n.decrementAndGet() >= 0) {
                    for (int g = 0; g < callsPerSched; g++) {
                        foo = foo(foo, localWork);
                        myc.send(1);
                    }
                }
                myc.send(0);
                c.send(foo == 42);
            });
            Go.go(() -> {
                int foo = 0;
                for (;;) {
                    int v = myc.recv();
                    if (v == 0) {
                        break;
                    }
                    ones.increment();
                    foo = foo(foo, localWork);
                }
                c.send(foo == 42);
            });
        }
        for (int p = 0; p < procs; p++) {
            c.recv();
            c.recv();
        }
        long want = (long) (bN / callsPerSched) * callsPerSched;
        check(ones.sum() == want, "ChanProdCons(" + chanSize + "," + localWork + "): consumed " + ones.sum() + ", want " + want);
    }

    static void selectProdCons() {
        final int callsPerSched = 1000;
        int procs = Go.gomaxprocs(-1);
        final int bN = 40_000;
        AtomicInteger n = new AtomicInteger(bN / callsPerSched);
        Chan<Boolean> c = Chan.make(2 * procs);
        Chan<Integer> myc = Chan.make(128);
        Chan<Boolean> myclose = Chan.make();
        LongAdder sent = new LongAdder(), ones = new LongAdder(), other = new LongAdder();
        for (int p = 0; p < procs; p++) {
            Go.go(() -> {
                int[] foo = {0};
                var mytimer = Time.after(Duration.ofHours(1));
                Select sel = new Select().send(myc, 1, sent::increment).recv(mytimer, t -> other.increment())
                        .recv(myclose, v -> other.increment());
                while (n.decrementAndGet() >= 0) {
                    for (int g = 0; g < callsPerSched; g++) {
                        foo[0] = foo(foo[0], 100);
                        sel.run();
                    }
                }
                myc.send(0);
                c.send(foo[0] == 42);
            });
            Go.go(() -> {
                int foo = 0;
                var mytimer = Time.after(Duration.ofHours(1));
                int[] v = {-1};
                Select sel = new Select().recv(myc, x -> v[0] = x).recv(mytimer, t -> other.increment())
                        .recv(myclose, x -> other.increment());
                for (;;) {
                    v[0] = -1;
                    sel.run();
                    if (v[0] == 0) {
                        break;
                    }
                    if (v[0] == 1) {
                        ones.increment();
                    }
                    foo = foo(foo, 100);
                }
                c.send(foo == 42);
            });
        }
        for (int p = 0; p < procs; p++) {
            c.recv();
            c.recv();
        }
        long want = (long) (bN / callsPerSched) * callsPerSched;
        check(other.sum() == 0 && sent.sum() == want && ones.sum() == want,
                "SelectProdCons: sent " + sent.sum() + " consumed " + ones.sum() + " other " + other.sum() + ", want " + want);
    }

    static void receiveDataFromClosedChan() {
        final int count = 100_000;
        Chan<Object> ch = Chan.make(count);
        Object empty = new Object();
        for (int i = 0; i < count; i++) {
            ch.send(empty);
        }
        ch.close();
        int got = 0;
        for (Object o : ch) {
            got++;
        }
        check(got == count, "ReceiveDataFromClosedChan: ranged over " + got + ", want " + count);
    }

    static void chanCreation() {
        AtomicLong bad = new AtomicLong();
        runParallel(100_000, pb -> {
            while (pb.next()) {
                Chan<Integer> myc = Chan.make(1);
                myc.send(7);
                if (myc.recv() != 7) {
                    bad.incrementAndGet();
                }
            }
        });
        check(bad.get() == 0, "ChanCreation: wrong value " + bad.get() + " times");
    }

    static void chanSem() {
        Chan<Object> myc = Chan.make(Go.gomaxprocs(0));
        Object empty = new Object();
        runParallel(100_000, pb -> {
            while (pb.next()) {
                myc.send(empty);
                myc.recv();
            }
        });
        check(myc.len() == 0, "ChanSem: len " + myc.len() + " after the run");
    }

    static void chanPopular() {
        final int n = 1000, bN = 20;
        Chan<Boolean> c = Chan.make();
        List<Chan<Boolean>> a = new ArrayList<>();
        WaitGroup wg = new WaitGroup();
        wg.add(n);
        LongAdder got = new LongAdder();
        for (int j = 0; j < n; j++) {
            Chan<Boolean> d = Chan.make();
            a.add(d);
            Go.go(() -> {
                Select sel = new Select().recv(c, v -> { }).recv(d, v -> got.increment());
                for (int i = 0; i < bN; i++) {
                    sel.run();
                }
                wg.done();
            });
        }
        for (int i = 0; i < bN; i++) {
            for (Chan<Boolean> d : a) {
                d.send(true);
            }
        }
        wg.await();
        check(got.sum() == (long) n * bN, "ChanPopular: " + got.sum() + " received, want " + (long) n * bN);
    }

    static void chanClosed() {
        Chan<Object> c = Chan.make();
        c.close();
        LongAdder unreachable = new LongAdder();
        runParallel(200_000, pb -> {
            Select sel = new Select().recv(c, v -> { }).otherwise(unreachable::increment);
            while (pb.next()) {
                sel.run();
            }
        });
        check(unreachable.sum() == 0, "ChanClosed: default ran " + unreachable.sum() + " times on a closed channel");
    }

    // ------------------------------------------------------------------ proc_test.go

    static void createGoroutines(int procs) {
        final int bN = 20_000;
        Chan<Boolean> c = Chan.make();
        class F {
            void f(int n) {
                if (n == 0) {
                    c.send(true);
                    return;
                }
                Go.go(() -> f(n - 1));
            }
        }
        F f = new F();
        for (int i = 0; i < procs; i++) {
            Go.go(() -> f.f(bN / procs));
        }
        for (int i = 0; i < procs; i++) {
            c.recv();
        }
    }

    static void createGoroutinesCapture() {
        final int bN = 3_000;
        for (int k = 0; k < bN; k++) {
            final int n = 4;
            WaitGroup wg = new WaitGroup();
            wg.add(n);
            for (int i = 0; i < n; i++) {
                int ii = i;
                Go.go(() -> {
                    if (ii >= n) {
                        throw new AssertionError("bad");
                    }
                    wg.done();
                });
            }
            wg.await();
        }
    }

    static void doWork(long nanos) {
        long start = System.nanoTime();
        while (System.nanoTime() - start < nanos) {
            Thread.onSpinWait();
        }
    }

    static void warmupScheduler(int target) {
        WaitGroup wg = new WaitGroup();
        AtomicInteger count = new AtomicInteger();
        for (int i = 0; i < target; i++) {
            wg.add(1);
            Go.go(() -> {
                count.incrementAndGet();
                while (count.get() < target) {
                    Thread.onSpinWait(); // spin until all started
                }
                doWork(TimeUnit.MILLISECONDS.toNanos(1));
                wg.done();
            });
        }
        wg.await();
    }

    static void createGoroutinesSingle() {
        warmupScheduler(Go.gomaxprocs(0));
        final int bN = 30_000;
        WaitGroup wg = new WaitGroup();
        wg.add(bN);
        for (int i = 0; i < bN; i++) {
            Go.go(wg::done);
        }
        wg.await();
    }

    static void pingPongHog() {
        int old = Go.gomaxprocs(1);
        try {
            final int bN = 3_000;
            Chan<Boolean> stop = Chan.make(), done = Chan.make();
            Go.go(() -> {
                boolean[] stopped = {false};
                Select s = new Select().recv(stop, v -> stopped[0] = true).otherwise(() -> { });
                while (!stopped[0]) {
                    s.run();
                }
                done.send(true);
            });
            Chan<Boolean> ping = Chan.make(), pong = Chan.make();
            Go.go(() -> {
                for (int j = 0; j < bN; j++) {
                    pong.send(ping.recv());
                }
                stop.close();
                done.send(true);
            });
            Go.go(() -> {
                for (int i = 0; i < bN; i++) {
                    ping.send(pong.recv());
                }
                done.send(true);
            });
            ping.send(true);
            stop.recv();
            ping.recv();
            done.recv();
            done.recv();
            done.recv();
        } finally {
            Go.gomaxprocs(old);
        }
    }

    @FunctionalInterface
    interface Spin {
        void spin(long nanos) throws Exception;
    }

    static void spinFor(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) {
            // nothing
        }
    }

    private static final MethodHandle USLEEP = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("usleep").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    /**
     * Go's sysNanosleep: a blocking system call that holds the thread (a native downcall pins the
     * virtual thread to its carrier, so the M blocks), inside Go.syscall as Go's entersyscall.
     */
    static void syscallSleep(long nanos) throws Exception {
        int us = (int) Math.max(0, nanos / 1000);
        Go.syscall(() -> {
            try {
                return (int) USLEEP.invokeExact(us);
            } catch (Throwable t) {
                throw new RuntimeException(t);
            }
        });
    }

    static void wakeupParallel(Spin spin) throws Exception {
        if (Go.gomaxprocs(0) == 1) {
            return; // Go skips these at GOMAXPROCS=1
        }
        long wakeDelay = TimeUnit.MICROSECONDS.toNanos(5);
        final int bN = 150;
        for (long delayUs : new long[] {0, 1, 2, 5, 10, 20, 50, 100}) {
            long delay = TimeUnit.MICROSECONDS.toNanos(delayUs);
            Chan<Object> ping = Chan.make(), pong = Chan.make(), start = Chan.make(), done = Chan.make();
            Go.go(() -> {
                start.recv();
                try {
                    for (int i = 0; i < bN; i++) {
                        spin.spin(delay + wakeDelay);
                        ping.send(Boolean.TRUE);
                        spin.spin(delay);
                        pong.recv();
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
                done.send(Boolean.TRUE);
            });
            Go.go(() -> {
                try {
                    for (int i = 0; i < bN; i++) {
                        spin.spin(delay);
                        ping.recv();
                        spin.spin(delay + wakeDelay);
                        pong.send(Boolean.TRUE);
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
                done.send(Boolean.TRUE);
            });
            start.send(Boolean.TRUE);
            done.recv();
            done.recv();
        }
    }

    static double[][] makeMatrix(int n) {
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                m[i][j] = i * n + j;
            }
        }
        return m;
    }

    static void matmult(Chan<Object> done, double[][] a, double[][] b, double[][] c,
                        int i0, int i1, int j0, int j1, int k0, int k1, int threshold) {
        int di = i1 - i0, dj = j1 - j0, dk = k1 - k0;
        if (di >= dj && di >= dk && di >= threshold) {
            int mi = i0 + di / 2;
            Chan<Object> done1 = Chan.make(1);
            Go.go(() -> matmult(done1, a, b, c, i0, mi, j0, j1, k0, k1, threshold));
            matmult(null, a, b, c, mi, i1, j0, j1, k0, k1, threshold);
            done1.recv();
        } else if (dj >= dk && dj >= threshold) {
            int mj = j0 + dj / 2;
            Chan<Object> done1 = Chan.make(1);
            Go.go(() -> matmult(done1, a, b, c, i0, i1, j0, mj, k0, k1, threshold));
            matmult(null, a, b, c, i0, i1, mj, j1, k0, k1, threshold);
            done1.recv();
        } else if (dk >= threshold) {
            int mk = k0 + dk / 2;
            matmult(null, a, b, c, i0, i1, j0, j1, k0, mk, threshold);
            matmult(null, a, b, c, i0, i1, j0, j1, mk, k1, threshold);
        } else {
            for (int i = i0; i < i1; i++) {
                for (int j = j0; j < j1; j++) {
                    for (int k = k0; k < k1; k++) {
                        c[i][j] += a[i][k] * b[k][j];
                    }
                }
            }
        }
        if (done != null) {
            done.send(Boolean.TRUE);
        }
    }

    static void matmultBody() {
        final int bN = 300_000;
        int n = (int) Math.cbrt(bN) + 1;
        double[][] a = makeMatrix(n), b = makeMatrix(n), c = makeMatrix(n), want = makeMatrix(n);
        matmult(null, a, b, c, 0, n, 0, n, 0, n, 8);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int k = 0; k < n; k++) {
                    want[i][j] += a[i][k] * b[k][j];
                }
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                check(Math.abs(c[i][j] - want[i][j]) <= 1e-9 * Math.abs(want[i][j]),
                        "Matmult: C[" + i + "][" + j + "] = " + c[i][j] + ", want " + want[i][j]);
            }
        }
    }

    static void yieldProgress(boolean locked) {
        Chan<Boolean> c = Chan.make(), cack = Chan.make();
        Go.go(() -> {
            if (locked) {
                Go.lockOSThread();
            }
            boolean[] got = {false};
            Select s = new Select().recv(c, v -> got[0] = true).otherwise(Go::gosched);
            while (!got[0]) {
                s.run();
            }
            cack.send(true);
        });
        Time.sleep(Duration.ofMillis(10));
        c.send(true);
        cack.recv();
    }

    static void blockLocked() {
        final int n = 10;
        Chan<Boolean> c = Chan.make();
        Go.go(() -> {
            Go.lockOSThread();
            for (int i = 0; i < n; i++) {
                c.send(true);
            }
            Go.unlockOSThread();
        });
        for (int i = 0; i < n; i++) {
            c.recv();
        }
    }

    static void timerFairness() {
        Chan<Boolean> done = Chan.make(), c = Chan.make();
        WaitGroup wg = new WaitGroup();
        for (int i = 0; i < 2; i++) {
            wg.add(1);
            Go.go(() -> {
                boolean[] stop = {false};
                Select s = new Select().send(c, true, () -> { }).recv(done, v -> stop[0] = true);
                while (!stop[0]) {
                    s.run();
                }
                wg.done();
            });
        }
        var timer = Time.after(Duration.ofMillis(20));
        boolean[] fired = {false};
        Select s = new Select().recv(c, v -> { }).recv(timer, t -> fired[0] = true);
        while (!fired[0]) {
            s.run();
        }
        done.close();
        wg.await();
    }

    static void goroutineParallelism() {
        final int procsWanted = 4, n = 10;
        int old = Go.gomaxprocs(procsWanted);
        try {
            for (int tr = 0; tr < n; tr++) {
                Chan<Boolean> done = Chan.make();
                AtomicInteger x = new AtomicInteger();
                for (int p = 0; p < procsWanted; p++) {
                    int pp = p;
                    Go.go(() -> {
                        for (int i = 0; i < 3; i++) {
                            int expected = procsWanted * i + pp;
                            while (x.get() != expected) {
                                // spin: every one of the P goroutines must be running at once
                            }
                            x.set(expected + 1);
                        }
                        done.send(true);
                    });
                }
                for (int p = 0; p < procsWanted; p++) {
                    done.recv();
                }
            }
        } finally {
            Go.gomaxprocs(old);
        }
    }

    // ------------------------------------------------------------------ src/sync benchmarks

    /*
     * Go's sync benchmarks measure time; here each is a correctness program. A counter kept under
     * the lock (plain fields, not atomics) must equal the number of critical sections, which only
     * holds if no two sections overlap and none is lost; a reader/writer activity count must never
     * see a writer beside anyone; a WaitGroup or Cond body that loses a wake-up hangs, and the
     * watchdog leaves the evidence.
     */

    /** Fields written only under the lock of the body that uses them. */
    static final class Guarded {
        long sections;
        long acc0, acc1;
    }

    static void mutexUncontended() {
        AtomicLong bad = new AtomicLong();
        runParallel(200_000, pb -> {
            Mutex mu = new Mutex();
            while (pb.next()) {
                mu.lock();
                mu.unlock();
            }
            if (!mu.tryLock()) {
                bad.incrementAndGet();
            }
        });
        check(bad.get() == 0, "MutexUncontended: " + bad.get() + " goroutines' own mutexes left locked");
    }

    /** Go's benchmarkMutex: slack is b.SetParallelism(10), work the 100 multiply/divide steps. */
    static void mutex(boolean slack, boolean work) {
        Mutex mu = new Mutex();
        Guarded g = new Guarded();
        final long n = work ? 20_000 : 50_000;
        runParallel(n, slack ? 10 : 1, pb -> {
            int foo = 0;
            while (pb.next()) {
                mu.lock();
                g.sections++;
                mu.unlock();
                if (work) {
                    foo = foo(foo, 100);
                }
            }
            workSink += foo;
        });
        mu.lock();
        long got = g.sections;
        mu.unlock();
        check(got == n, "Mutex(slack=" + slack + ", work=" + work + "): " + got + " critical sections counted, want " + n);
    }

    static void mutexNoSpin() {
        Mutex m = new Mutex();
        Guarded g = new Guarded();
        LongAdder locked = new LongAdder();
        runParallel(4_000, 4, pb -> {
            Chan<Boolean> c = Chan.make();
            long[] data = new long[4 << 10];
            for (int i = 0; pb.next(); i++) {
                if (i % 4 == 0) {
                    m.lock();
                    g.acc0 -= 100;
                    g.acc1 += 100;
                    m.unlock();
                    locked.increment();
                } else {
                    for (int k = 0; k < data.length; k += 4) {
                        data[k]++;
                    }
                    Go.go(() -> c.send(true)); // Go's "elaborate way to say runtime.Gosched"
                    c.recv();
                }
            }
        });
        checkAcc("MutexNoSpin", m, g, locked.sum());
    }

    static void mutexSpin() {
        Mutex m = new Mutex();
        Guarded g = new Guarded();
        LongAdder locked = new LongAdder();
        runParallel(4_000, pb -> {
            long[] data = new long[16 << 10];
            while (pb.next()) {
                m.lock();
                g.acc0 -= 100;
                g.acc1 += 100;
                m.unlock();
                locked.increment();
                for (int k = 0; k < data.length; k += 4) {
                    data[k]++;
                }
            }
        });
        checkAcc("MutexSpin", m, g, locked.sum());
    }

    static void checkAcc(String name, Mutex m, Guarded g, long sections) {
        m.lock();
        long acc0 = g.acc0, acc1 = g.acc1;
        m.unlock();
        check(acc1 == 100 * sections && acc0 == -acc1, name + ": acc0=" + acc0 + " acc1=" + acc1 + " after "
                + sections + " sections, want " + (-100 * sections) + " and " + (100 * sections));
    }

    static void rwMutexUncontended() {
        AtomicLong bad = new AtomicLong();
        runParallel(100_000, pb -> {
            RWMutex rwm = new RWMutex();
            while (pb.next()) {
                rwm.rLock();
                rwm.rLock();
                rwm.rUnlock();
                rwm.rUnlock();
                rwm.lock();
                rwm.unlock();
            }
            if (!rwm.tryLock()) {
                bad.incrementAndGet();
            }
        });
        check(bad.get() == 0, "RWMutexUncontended: " + bad.get() + " goroutines' own RWMutexes left locked");
    }

    /** Go's benchmarkRWMutex; readers add 1 to an activity count, writers 10000 (as HammerRWMutex). */
    static void rwMutex(int localWork, int writeRatio) {
        RWMutex rwm = new RWMutex();
        Guarded g = new Guarded();
        AtomicInteger activity = new AtomicInteger();
        AtomicLong bad = new AtomicLong();
        LongAdder writes = new LongAdder();
        runParallel(localWork == 0 ? 50_000 : 20_000, pb -> {
            int foo = 0;
            while (pb.next()) {
                foo++;
                if (foo % writeRatio == 0) {
                    rwm.lock();
                    if (activity.addAndGet(10_000) != 10_000) {
                        bad.incrementAndGet();
                    }
                    g.sections++;
                    activity.addAndGet(-10_000);
                    rwm.unlock();
                    writes.increment();
                } else {
                    rwm.rLock();
                    int a = activity.incrementAndGet();
                    if (a < 1 || a >= 10_000) {
                        bad.incrementAndGet();
                    }
                    foo = foo(foo, localWork);
                    activity.decrementAndGet();
                    rwm.rUnlock();
                }
            }
        });
        rwm.lock();
        long sections = g.sections;
        rwm.unlock();
        check(bad.get() == 0 && sections == writes.sum(), "RWMutex(work=" + localWork + ", writeRatio=" + writeRatio
                + "): " + bad.get() + " overlaps, " + sections + " write sections counted of " + writes.sum());
    }

    static void waitGroupUncontended() {
        runParallel(200_000, pb -> {
            WaitGroup wg = new WaitGroup();
            while (pb.next()) {
                wg.add(1);
                wg.done();
                wg.await();
            }
        });
    }

    static void waitGroupAddDone(int localWork) {
        WaitGroup wg = new WaitGroup();
        runParallel(200_000, pb -> {
            int foo = 0;
            while (pb.next()) {
                wg.add(1);
                foo = foo(foo, localWork);
                wg.done();
            }
            workSink += foo;
        });
        wg.await(); // the counter is back at 0: returns at once
    }

    static void waitGroupWait(int localWork) {
        WaitGroup wg = new WaitGroup();
        runParallel(200_000, pb -> {
            int foo = 0;
            while (pb.next()) {
                wg.await();
                foo = foo(foo, localWork);
            }
            workSink += foo;
        });
    }

    static void waitGroupActuallyWait() {
        LongAdder done = new LongAdder();
        final long n = 20_000;
        runParallel(n, pb -> {
            while (pb.next()) {
                WaitGroup wg = new WaitGroup();
                wg.add(1);
                Go.go(() -> {
                    done.increment();
                    wg.done();
                });
                wg.await();
            }
        });
        check(done.sum() == n, "WaitGroupActuallyWait: " + done.sum() + " goroutines done, want " + n);
    }

    /** Go's BenchmarkOnce, and BenchmarkOnceValue's v=Once case (the value through a Once). */
    static void once() {
        Once once = new Once();
        AtomicInteger calls = new AtomicInteger();
        runParallel(500_000, pb -> {
            while (pb.next()) {
                once.run(calls::incrementAndGet);
            }
        });
        check(calls.get() == 1, "Once: f called " + calls.get() + " times");
        Once valueOnce = new Once();
        int[] value = {0};
        for (int i = 0; i < 100_000; i++) {
            valueOnce.run(() -> value[0] = 42);
            check(value[0] == 42, "OnceValue(v=Once): got " + value[0] + ", want 42");
        }
    }

    /**
     * Go's benchmarkCond: waiters+1 goroutines take turns under the lock; each round, the
     * (waiters+1)-th arrival broadcasts and the others wait; the first goroutine done sets id to
     * -1 and broadcasts, which ends the rest. A lost wake-up hangs it.
     */
    static void cond(int waiters) {
        Cond c = new Cond(new Mutex());
        Chan<Boolean> done = Chan.make();
        int[] id = {0}; // under c's lock
        AtomicLong bad = new AtomicLong();
        LongAdder broadcasts = new LongAdder();
        final int n = 20_000 / (waiters + 1) + 100;
        for (int routine = 0; routine < waiters + 1; routine++) {
            Go.go(() -> {
                for (int i = 0; i < n; i++) {
                    c.locker().lock();
                    if (id[0] == -1) {
                        c.locker().unlock();
                        break;
                    }
                    id[0]++;
                    if (id[0] > waiters + 1) {
                        bad.incrementAndGet();
                    }
                    if (id[0] == waiters + 1) {
                        id[0] = 0;
                        broadcasts.increment();
                        c.broadcast();
                    } else {
                        c.await();
                    }
                    c.locker().unlock();
                }
                c.locker().lock();
                id[0] = -1;
                c.broadcast();
                c.locker().unlock();
                done.send(true);
            });
        }
        for (int routine = 0; routine < waiters + 1; routine++) {
            done.recv();
        }
        check(bad.get() == 0 && broadcasts.sum() >= 1, "Cond" + waiters + ": id beyond " + (waiters + 1) + " "
                + bad.get() + " times, " + broadcasts.sum() + " broadcasts");
    }

    // ------------------------------------------------------------------ x/sync errgroup benchmark

    /** errgroup's BenchmarkGo: n tasks through one plain group, then await. */
    static void errgroupGo() {
        LongAdder ran = new LongAdder();
        final int n = 50_000;
        Group g = new Group();
        for (int i = 0; i < n; i++) {
            g.go(ran::increment);
        }
        check(g.await() == null && ran.sum() == n, "ErrgroupGo: " + ran.sum() + " tasks ran of " + n);
    }

    // ------------------------------------------------------------------ sleep_test.go, tick_test.go

    static final Duration HOUR = Duration.ofHours(1);

    /**
     * Go's time benchmark harness: idle AfterFunc timers an hour out on every P (Go parks 1<<15
     * per P; 1<<12 here), then b.RunParallel(body); the idle timers are stopped after.
     */
    static void timeBench(long n, ParallelBody body) {
        List<dev.gort.time.Timer> garbage = java.util.Collections.synchronizedList(new ArrayList<>());
        runParallel(Go.gomaxprocs(0), pb -> {
            while (pb.next()) {
                for (int j = 0; j < 1 << 12; j++) {
                    garbage.add(Time.afterFunc(HOUR, () -> { }));
                }
            }
        });
        try {
            runParallel(n, body);
        } finally {
            garbage.forEach(dev.gort.time.Timer::stop);
        }
    }

    static void after() {
        LongAdder got = new LongAdder();
        final int n = 20_000;
        timeBench(n, pb -> {
            while (pb.next()) {
                if (Time.after(Duration.ofNanos(1)).recv() != null) {
                    got.increment();
                }
            }
        });
        check(got.sum() == n, "After: " + got.sum() + " values received of " + n);
    }

    static void stop() {
        LongAdder stopped = new LongAdder();
        final int n = 20_000;
        timeBench(n, pb -> {
            while (pb.next()) {
                if (Time.newTimer(Duration.ofSeconds(1)).stop()) {
                    stopped.increment();
                }
            }
        });
        check(stopped.sum() == n, "Stop: " + stopped.sum() + " of " + n + " timers a second out were stopped before firing");
    }

    static void simultaneousAfterFunc() {
        LongAdder ran = new LongAdder();
        final int n = 20_000;
        timeBench(n, pb -> {
            WaitGroup wg = new WaitGroup();
            while (pb.next()) {
                wg.add(1);
                Time.afterFunc(Duration.ZERO, () -> {
                    ran.increment();
                    wg.done();
                });
                wg.await();
            }
        });
        check(ran.sum() == n, "SimultaneousAfterFunc: " + ran.sum() + " of " + n + " functions ran");
    }

    static void startStop() {
        LongAdder stopped = new LongAdder();
        final int n = 20;
        timeBench(n, pb -> {
            dev.gort.time.Timer[] timers = new dev.gort.time.Timer[1000];
            while (pb.next()) {
                for (int i = 0; i < timers.length; i++) {
                    timers[i] = Time.afterFunc(HOUR, () -> { });
                }
                for (dev.gort.time.Timer t : timers) {
                    if (t.stop()) {
                        stopped.increment();
                    }
                }
            }
        });
        check(stopped.sum() == n * 1000L, "StartStop: " + stopped.sum() + " of " + n * 1000L + " stopped before firing");
    }

    static void reset() {
        LongAdder pending = new LongAdder();
        final int n = 50_000;
        timeBench(n, pb -> {
            dev.gort.time.Timer t = Time.newTimer(HOUR);
            while (pb.next()) {
                if (t.reset(HOUR)) {
                    pending.increment();
                }
            }
            t.stop();
        });
        check(pending.sum() == n, "Reset: " + pending.sum() + " of " + n + " resets found the timer pending");
    }

    static void sleep() {
        final int n = 20_000;
        timeBench(n, pb -> {
            while (pb.next()) {
                Time.sleep(Duration.ofNanos(1));
            }
        });
    }

    static void ticker() {
        LongAdder got = new LongAdder();
        final int n = 20_000;
        timeBench(n, pb -> {
            dev.gort.time.Ticker t = Time.newTicker(Duration.ofNanos(1));
            while (pb.next()) {
                if (t.c().recv() != null) {
                    got.increment();
                }
            }
            t.stop();
        });
        check(got.sum() == n, "Ticker: " + got.sum() + " ticks received of " + n);
    }

    static void tickerReset() {
        final int n = 50_000;
        timeBench(n, pb -> {
            dev.gort.time.Ticker t = Time.newTicker(Duration.ofNanos(1));
            while (pb.next()) {
                t.reset(Duration.ofNanos(2));
            }
            t.stop();
        });
    }

    static void tickerResetNaive() {
        final int n = 50_000;
        timeBench(n, pb -> {
            dev.gort.time.Ticker t = Time.newTicker(Duration.ofNanos(1));
            while (pb.next()) {
                t.stop();
                t = Time.newTicker(Duration.ofNanos(2));
            }
            t.stop();
        });
    }

    // ------------------------------------------------------------------ the child: run the set

    private static volatile String current;
    private static volatile long currentStart;
    private static volatile int currentRound;

    private static void startWatchdog(long limitNanos) {
        Thread w = new Thread(() -> {
            for (;;) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
                String name = current;
                long since = System.nanoTime() - currentStart;
                if (name != null && since > limitNanos) {
                    String procs = System.getProperty("gort.maxprocs", "default");
                    System.out.println("gobench HANG body=" + name + " procs=" + procs + " round=" + currentRound);
                    Evidence.hang("gobench: HANG " + name + " at GOMAXPROCS " + procs + " (round " + currentRound
                                    + "): not finished after " + since / 1_000_000 + " ms\nreplay: java ... -Dgort.maxprocs="
                                    + procs + " dev.gort.stress.GoBenchBodies --child --only " + name,
                            "gobench-hang-" + name + "-procs" + procs + "-" + System.currentTimeMillis());
                }
            }
        }, "gobench-watchdog");
        w.setDaemon(true);
        w.start();
    }

    /** A body that takes longer than this (but finishes) is reported as a stall. */
    static final long SLOW_MS = 3_000;

    static int child(int rounds, String only, long limitNanos) {
        startWatchdog(limitNanos);
        String procs = System.getProperty("gort.maxprocs", "default");
        int failures = 0, runs = 0;
        Map<String, Long> maxMs = new LinkedHashMap<>();
        for (int r = 1; r <= rounds; r++) {
            currentRound = r;
            for (Map.Entry<String, Body> e : BODIES.entrySet()) {
                if (only != null && !List.of(only.split(",")).contains(e.getKey())) {
                    continue;
                }
                String name = e.getKey();
                Body body = e.getValue();
                long t0 = System.nanoTime();
                currentStart = t0;
                current = name;
                Throwable failed = null;
                try {
                    Go.run(() -> {
                        try {
                            body.run();
                        } catch (RuntimeException | Error x) {
                            throw x;
                        } catch (Exception x) {
                            throw new RuntimeException(x);
                        }
                    });
                } catch (Throwable t) {
                    failed = t;
                } finally {
                    current = null;
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                maxMs.merge(name, ms, Math::max);
                runs++;
                if (ms > SLOW_MS) {
                    System.out.println("gobench SLOW body=" + name + " procs=" + procs + " round=" + r + " ms=" + ms);
                }
                if (failed != null) {
                    failures++;
                    String kind = failed instanceof DeadlockError ? "DEADLOCK" : failed instanceof AssertionError ? "WRONG" : "EXCEPTION";
                    System.out.println("gobench FAIL " + kind + " body=" + name + " procs=" + procs + " round=" + r + ": " + failed);
                    failed.printStackTrace(System.out);
                    System.out.println("---- schedtrace after the failure\n" + Go.schedtrace(true));
                }
            }
            System.out.println("gobench round " + r + " done procs=" + procs + " failures=" + failures);
            System.out.flush();
        }
        StringBuilder sb = new StringBuilder("gobench slowest(ms):");
        maxMs.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
        System.out.println(sb);
        System.out.println("gobench child procs=" + procs + " rounds=" + rounds + " bodyRuns=" + runs + " failures=" + failures);
        return failures;
    }

    // ------------------------------------------------------------------ the driver: children in a loop

    static final class Score {
        int children, rounds, hangs, failures, odd;
    }

    static void drive(long minutes, int[] procsList, int rounds, Path out) throws Exception {
        Files.createDirectories(out);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        Map<Integer, Score> score = new LinkedHashMap<>();
        for (int p : procsList) {
            score.put(p, new Score());
        }
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(minutes);
        int k = 0;
        while (System.nanoTime() < end) {
            int p = procsList[k % procsList.length];
            k++;
            Path log = out.resolve("child-" + k + "-procs" + p + ".log");
            ProcessBuilder pb = new ProcessBuilder(java, "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                    "--enable-native-access=ALL-UNNAMED", "-ea", "-Xss1m", "-Dgort.maxprocs=" + p,
                    "-Dgort.soak.evidence=" + out.resolve("evidence"), "-cp", cp,
                    GoBenchBodies.class.getName(), "--child", "--rounds", String.valueOf(rounds));
            pb.environment().put("GOMAXPROCS", String.valueOf(p));
            pb.redirectErrorStream(true).redirectOutput(log.toFile());
            Process proc = pb.start();
            boolean ended = proc.waitFor(rounds * 15L * 60, TimeUnit.SECONDS);
            if (!ended) {
                // the child's own watchdog did not end it: take a thread dump, then stop it
                new ProcessBuilder("jcmd", String.valueOf(proc.pid()), "Thread.print")
                        .redirectErrorStream(true).redirectOutput(out.resolve("child-" + k + "-jcmd.txt").toFile())
                        .start().waitFor(60, TimeUnit.SECONDS);
                proc.destroyForcibly();
                proc.waitFor();
            }
            int rc = proc.exitValue();
            String text = Files.readString(log);
            Score s = score.get(p);
            s.children++;
            s.rounds += (int) text.lines().filter(l -> l.startsWith("gobench round ")).count();
            int fails = (int) text.lines().filter(l -> l.startsWith("gobench FAIL")).count();
            boolean hang = rc == 3 || !ended;
            boolean odd = text.contains("lost goroutine") || text.contains("fatal error") || text.lines().anyMatch(l -> l.startsWith("panic:"));
            s.failures += fails;
            if (hang) {
                s.hangs++;
            }
            if (odd) {
                s.odd++;
            }
            boolean slow = text.lines().anyMatch(l -> l.startsWith("gobench SLOW"));
            boolean clean = rc == 0 && !hang && fails == 0 && !odd && !slow;
            System.out.println("gobench child " + k + " procs=" + p + " rc=" + rc + (hang ? " HANG" : "") + (fails > 0 ? " failures=" + fails : "")
                    + (odd ? " (lost/fatal/panic on stderr)" : "") + (clean ? "" : " log=" + log));
            text.lines().filter(l -> l.startsWith("gobench HANG") || l.startsWith("gobench FAIL") || l.startsWith("gobench SLOW")
                            || l.startsWith("hang evidence:"))
                    .forEach(l -> System.out.println("  " + l));
            System.out.flush();
            if (clean) {
                Files.delete(log);
            }
        }
        for (Map.Entry<Integer, Score> e : score.entrySet()) {
            Score s = e.getValue();
            System.out.println("gobench procs=" + e.getKey() + " children=" + s.children + " rounds=" + s.rounds
                    + " hangs=" + s.hangs + " failures=" + s.failures + " stderrReports=" + s.odd);
        }
    }

    public static void main(String[] args) throws Exception {
        boolean driveMode = false;
        int rounds = 1;
        long minutes = 40;
        long limitSeconds = 30;
        String only = null;
        int[] procs = {1, 2, 3, 4, 6, 8};
        Path out = Path.of("target", "gobench");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--child" -> driveMode = false;
                case "--drive" -> driveMode = true;
                case "--rounds" -> { rounds = Integer.parseInt(v); i++; }
                case "--minutes" -> { minutes = Long.parseLong(v); i++; }
                case "--limit" -> { limitSeconds = Long.parseLong(v); i++; }
                case "--only" -> { only = v; i++; }
                case "--out" -> { out = Path.of(v); i++; }
                case "--procs" -> {
                    String[] ps = v.split(",");
                    procs = new int[ps.length];
                    for (int j = 0; j < ps.length; j++) {
                        procs[j] = Integer.parseInt(ps[j].trim());
                    }
                    i++;
                }
                default -> throw new IllegalArgumentException("GoBenchBodies: unknown argument '" + a + "'");
            }
        }
        if (only != null) {
            for (String name : only.split(",")) {
                if (!BODIES.containsKey(name)) {
                    throw new IllegalArgumentException("GoBenchBodies: no body " + name + "; bodies: " + BODIES.keySet());
                }
            }
        }
        if (driveMode) {
            drive(minutes, procs, rounds, out);
            System.exit(0);
        }
        int failures = child(rounds, only, TimeUnit.SECONDS.toNanos(limitSeconds));
        System.exit(failures == 0 ? 0 : 1);
    }
}
