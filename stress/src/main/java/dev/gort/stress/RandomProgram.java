package dev.gort.stress;

import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.chan.Select;
import dev.gort.context.CancelContext;
import dev.gort.context.Context;
import dev.gort.sync.Mutex;
import dev.gort.sync.WaitGroup;
import dev.gort.time.Ticker;
import dev.gort.time.Time;
import dev.gort.time.Timer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/*
 * RandomProgram: one random concurrent program, a pure function of its seed, for the soak
 * harness (Soak). It mixes everything the scheduler must survive together:
 *
 *  - pipes: channels of capacity 0, 1, 4 or 16, each with 1-3 producers and 1-3 consumers; the
 *    consumers receive plainly, or by select with a timer case and sometimes a default; the last
 *    producer's done closes the channel (through a WaitGroup) and consumers drain it;
 *  - fillers between the channel operations and in their own goroutines: sleeps, Timers stopped
 *    and reset (Go 1.23 rules: a stopped timer is never received from), Tickers reset and
 *    stopped, afterFunc timers, context deadlines raced against channels, a Mutex-guarded
 *    counter, nested WaitGroups, Go.syscall with and without hand-off (spinning, as a blocking
 *    system call holds its M, or parking), CPU hogs with and without safe points, sections
 *    under Go.lockOSThread (nested or not) that receive from a fresh goroutine, sleep and yield;
 *  - sharing: Tickers and Timers shared by every goroutine, stopped, reset and polled from
 *    several at once while they fire; spin-waits, loops with no safe point waiting for a flag
 *    that another goroutine sets after a sleep (only sysmon's retake and timer runs let that
 *    finish at GOMAXPROCS=1); bursts of goroutines handing their P off in Go.syscall;
 *  - chaos: GOMAXPROCS changes and a thread limit that is small but enough for what blocks Ms.
 *
 * Verdict: the program ends (Soak's watchdog calls it a hang when nothing progresses for a few
 * seconds), nothing throws, every value sent is received exactly once (count and sum), the mutex
 * counter and the afterFunc count are exact, and the goroutine count returns to where it was.
 * Scheduling is not reproducible, but the program is: the seed regenerates it op for op.
 */
final class RandomProgram {
    /** Incremented by every operation; the watchdog's measure of progress. */
    static final AtomicLong PROGRESS = new AtomicLong();

    private final long seed;
    private final int procs;
    private final boolean chaos;

    private final Mutex mu = new Mutex();
    private long counter; // under mu
    private final AtomicLong increments = new AtomicLong();
    private final AtomicInteger funcsExpected = new AtomicInteger(), funcsFired = new AtomicInteger();
    /** Shared by every goroutine: stopped, reset and polled concurrently (never received from blocking). */
    private final Ticker[] sharedTickers = new Ticker[4];
    private final Timer[] sharedTimers = new Timer[4];
    /** Goroutines in one burst of hand-off syscalls (filler case 12). */
    private int burst;

    /**
     * Goroutines that may hold an M at once without a P (a spinning syscall, a retaken hog, a
     * goroutine locked to its M while it blocks): sizes the thread limit. Written by main only, as
     * it starts them.
     */
    private int mBlockers;

    RandomProgram(long seed, int procs, boolean chaos) {
        this.seed = seed;
        this.procs = procs;
        this.chaos = chaos;
    }

    /** Runs the program in its own Go.run; throws AssertionError on a wrong result. */
    void run() {
        int before = Go.numGoroutine();
        Go.run(this::main);
        long end = System.nanoTime() + 5_000_000_000L;
        while (funcsFired.get() < funcsExpected.get() && System.nanoTime() < end) {
            Thread.onSpinWait(); // afterFunc bodies run in goroutines of their own
        }
        check(funcsFired.get() == funcsExpected.get(), "afterFunc fired " + funcsFired + " of " + funcsExpected);
        while (Go.numGoroutine() > before && System.nanoTime() < end) {
            Thread.onSpinWait(); // goroutines that signalled done are still on their way out
        }
        check(Go.numGoroutine() <= before, "goroutines left behind: " + (Go.numGoroutine() - before));
    }

    private void main() {
        Go.gomaxprocs(procs);
        SplittableRandom r = new SplittableRandom(seed);
        WaitGroup all = new WaitGroup();
        for (int i = 0; i < sharedTickers.length; i++) {
            sharedTickers[i] = Time.newTicker(us(100 + r.nextInt(1_000)));
            sharedTimers[i] = Time.newTimer(us(r.nextInt(1_000)));
        }
        burst = 2 + r.nextInt(40);
        List<long[]> pipes = new ArrayList<>(); // per pipe: {sent count, sent sum, received count, received sum}
        int npipes = 1 + r.nextInt(3);
        for (int p = 0; p < npipes; p++) {
            long[] tally = new long[4];
            pipes.add(tally);
            pipe(r.split(), all, tally);
        }
        int fillers = r.nextInt(6);
        mBlockers += fillers * burst;
        for (int f = 0; f < fillers; f++) {
            SplittableRandom fr = r.split();
            int ops = 5 + fr.nextInt(30);
            mBlockers++;
            all.go(() -> {
                for (int i = 0; i < ops; i++) {
                    filler(fr);
                }
            });
        }
        int limit = -1;
        if (chaos) {
            SplittableRandom cr = r.split();
            if (cr.nextInt(3) == 0) {
                // Small, but enough for every M that can be blocked at once, plus the Ps' own.
                limit = Go.setMaxThreads(Soak.threads() + mBlockers + 8 + 4);
            }
            int changes = cr.nextInt(4);
            all.go(() -> {
                for (int i = 0; i < changes; i++) {
                    Time.sleep(us(cr.nextInt(3_000)));
                    Go.gomaxprocs(1 + cr.nextInt(8));
                    PROGRESS.incrementAndGet();
                }
            });
        }
        all.await();
        for (int i = 0; i < sharedTickers.length; i++) {
            sharedTickers[i].stop();
            sharedTimers[i].stop();
        }
        if (limit > 0) {
            Go.setMaxThreads(limit);
        }
        Go.gomaxprocs(procs);
        for (int p = 0; p < npipes; p++) {
            long[] t = pipes.get(p);
            synchronized (t) {
                check(t[0] == t[2] && t[1] == t[3], "pipe " + p + ": sent " + t[0] + " (sum " + t[1]
                        + "), received " + t[2] + " (sum " + t[3] + ")");
            }
        }
        mu.lock();
        try {
            check(counter == increments.get(), "mutex counter " + counter + ", increments " + increments);
        } finally {
            mu.unlock();
        }
    }

    private void pipe(SplittableRandom r, WaitGroup all, long[] tally) {
        int[] caps = {0, 1, 4, 16};
        Chan<Long> c = Chan.make(caps[r.nextInt(caps.length)]);
        int producers = 1 + r.nextInt(3), consumers = 1 + r.nextInt(3);
        WaitGroup sending = new WaitGroup();
        for (int i = 0; i < producers; i++) {
            SplittableRandom pr = r.split();
            int n = 1 + pr.nextInt(100);
            mBlockers += 1 + burst; // it runs fillers: a burst of hand-off syscalls among them
            sending.add(1);
            all.go(() -> {
                try {
                    long cnt = 0, sum = 0;
                    for (int k = 0; k < n; k++) {
                        long v = pr.nextLong(1_000_000);
                        c.send(v);
                        cnt++;
                        sum += v;
                        PROGRESS.incrementAndGet();
                        if (pr.nextInt(8) == 0) {
                            filler(pr);
                        }
                    }
                    synchronized (tally) {
                        tally[0] += cnt;
                        tally[1] += sum;
                    }
                } finally {
                    sending.done();
                }
            });
        }
        all.go(() -> {
            sending.await();
            c.close();
        });
        for (int i = 0; i < consumers; i++) {
            SplittableRandom cr = r.split();
            boolean bySelect = cr.nextBoolean(), withDefault = cr.nextInt(4) == 0;
            mBlockers += 1 + burst; // it runs fillers too, as a producer does
            all.go(() -> {
                long cnt = 0, sum = 0;
                if (!bySelect) {
                    for (Long v : c) {
                        cnt++;
                        sum += v;
                        PROGRESS.incrementAndGet();
                        if (cr.nextInt(8) == 0) {
                            filler(cr);
                        }
                    }
                } else {
                    long[] got = {0, 0};
                    boolean[] closed = {false};
                    for (;;) {
                        Select s = new Select()
                                .recvOk(c, rv -> {
                                    if (rv.ok()) {
                                        got[0]++;
                                        got[1] += rv.value();
                                    } else {
                                        closed[0] = true;
                                    }
                                })
                                .recv(Time.after(us(50 + cr.nextInt(2_000))), t -> { });
                        if (withDefault) {
                            s.otherwise(Go::gosched);
                        }
                        s.run();
                        PROGRESS.incrementAndGet();
                        if (closed[0]) {
                            break;
                        }
                    }
                    cnt = got[0];
                    sum = got[1];
                }
                synchronized (tally) {
                    tally[2] += cnt;
                    tally[3] += sum;
                }
            });
        }
    }

    /** One random operation that blocks at most a few milliseconds. */
    private void filler(SplittableRandom r) {
        switch (r.nextInt(15)) {
            case 0 -> Time.sleep(us(r.nextInt(2_000)));
            case 1 -> {
                Timer t = Time.newTimer(us(r.nextInt(2_000)));
                switch (r.nextInt(3)) {
                    case 0 -> t.c().recv();
                    case 1 -> t.stop(); // after stop, nothing is received (Go 1.23)
                    default -> {
                        t.reset(us(r.nextInt(1_000)));
                        t.c().recv();
                    }
                }
            }
            case 2 -> {
                Ticker tk = Time.newTicker(us(100 + r.nextInt(1_000)));
                int ticks = 1 + r.nextInt(3);
                for (int i = 0; i < ticks; i++) {
                    tk.c().recv();
                    if (r.nextInt(3) == 0) {
                        tk.reset(us(100 + r.nextInt(1_000)));
                    }
                }
                tk.stop();
            }
            case 3 -> {
                funcsExpected.incrementAndGet();
                Timer t = Time.afterFunc(us(r.nextInt(1_000)), funcsFired::incrementAndGet);
                if (r.nextBoolean() && t.stop()) {
                    funcsExpected.decrementAndGet(); // stopped before it fired: f never runs
                }
            }
            case 4 -> {
                CancelContext ctx = Context.withTimeout(Context.background(), us(r.nextInt(2_000)));
                Chan<Integer> never = Chan.make();
                new Select().recv(ctx.done(), v -> { }).recv(never, v -> { }).run();
                ctx.cancel();
            }
            case 5, 6 -> {
                mu.lock();
                try {
                    counter++;
                    increments.incrementAndGet();
                    if (r.nextInt(4) == 0) {
                        Go.gosched();
                    }
                } finally {
                    mu.unlock();
                }
            }
            case 7 -> {
                WaitGroup wg = new WaitGroup();
                int n = 1 + r.nextInt(8);
                for (int i = 0; i < n; i++) {
                    wg.go(() -> Time.sleep(us(50)));
                }
                wg.await();
            }
            case 8 -> {
                boolean handoff = r.nextBoolean(), spin = r.nextBoolean();
                long ns = r.nextInt(300_000);
                try {
                    Go.syscall(() -> {
                        if (spin) {
                            spin(ns); // a system call holds its M
                        } else {
                            Thread.sleep(0, (int) ns);
                        }
                        return null;
                    }, handoff);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            case 9 -> {
                boolean safePoints = r.nextBoolean();
                long end = System.nanoTime() + r.nextInt(5_000_000);
                while (System.nanoTime() < end) {
                    if (safePoints) {
                        Go.checkPreempt();
                    }
                    Thread.onSpinWait();
                }
            }
            case 10 -> {
                int i = r.nextInt(sharedTickers.length);
                switch (r.nextInt(6)) {
                    case 0 -> sharedTickers[i].stop();
                    case 1 -> sharedTickers[i].reset(us(100 + r.nextInt(1_000)));
                    case 2 -> sharedTickers[i].c().tryRecv();
                    case 3 -> sharedTimers[i].stop();
                    case 4 -> sharedTimers[i].reset(us(r.nextInt(1_000)));
                    default -> sharedTimers[i].c().tryRecv();
                }
            }
            case 11 -> {
                AtomicBoolean flag = new AtomicBoolean();
                long sleep = r.nextInt(2_000);
                Go.go(() -> {
                    Time.sleep(us(sleep));
                    flag.set(true);
                });
                while (!flag.get()) {
                    Thread.onSpinWait(); // no safe point: needs sysmon to run the timer and retake the P
                }
            }
            case 12 -> {
                WaitGroup wg = new WaitGroup();
                for (int i = 0; i < burst; i++) {
                    wg.go(() -> {
                        for (int k = 0; k < 3; k++) {
                            try {
                                Go.syscall(() -> {
                                    spin(20_000);
                                    return null;
                                }, true);
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                            Go.gosched();
                        }
                    });
                }
                wg.await();
            }
            case 13 -> {
                // Wired to its M: while it blocks below, the M waits for it alone and hands its P
                // on (the goroutine is already counted in mBlockers, and blocks nothing else here).
                Go.lockOSThread();
                try {
                    Chan<Integer> c = Chan.make();
                    Go.go(() -> c.send(1));
                    c.recv();
                    Time.sleep(us(r.nextInt(500)));
                    Go.gosched();
                    if (r.nextBoolean()) {
                        Go.lockOSThread(); // calls nest
                        Go.unlockOSThread();
                    }
                } finally {
                    Go.unlockOSThread();
                }
            }
            default -> Go.gosched();
        }
        PROGRESS.incrementAndGet();
    }

    private static Duration us(long micros) {
        return Duration.ofNanos(micros * 1_000);
    }

    private static void spin(long ns) {
        long end = System.nanoTime() + ns;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
