package dev.gort.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Issue 4: Go's {@code sync} and {@code time} benchmarks, gort's {@code dev.gort.sync}/{@code time}
 * against the JDK's peers ({@link SyncPrims.Jdk}) on JDK virtual threads. Where Go uses
 * {@code b.RunParallel}, P goroutines share the operations. Go's "local work" of 100
 * multiply-divide steps is JMH's {@code Blackhole.consumeCPU(100)} on both sides.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 700, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Xms2g", "-Xmx2g", "-Xmn1g", "-XX:+AlwaysPreTouch"})
public class Syncs {
    static final int N = 100_000;
    /** Go's time benchmarks do bench(1000) per op. */
    static final int TIME_N = 1000;
    /** Timer ops per invocation: TIME_N-long chains or batches. */
    static final int TIME_OPS = 4;
    static final Duration HOUR = Duration.ofHours(1);

    @Param({"gort", "jdk"})
    public String impl;

    Rt rt;
    int procs;
    SyncPrims prims;
    /**
     * Go's time benchmarks first park 1<<15 idle timers an hour out on every P: AfterFunc timers,
     * which stay in the heaps (a channel timer nobody waits on is in none since Go 1.23).
     */
    final List<SyncPrims.Timer> garbage = new ArrayList<>();

    @Setup
    public void setup() {
        rt = Rt.of(impl);
        procs = Bench.procs();
        prims = impl.equals("gort") ? new GortSync() : new SyncPrims.Jdk(procs);
        rt.run(() -> ChanRows.parallel(rt, procs, id -> {
            List<SyncPrims.Timer> mine = new ArrayList<>();
            for (int j = 0; j < 1 << 15; j++) {
                mine.add(prims.afterFunc(HOUR, () -> {}));
            }
            synchronized (garbage) {
                garbage.addAll(mine);
            }
        }));
    }

    @TearDown
    public void tearDown() {
        garbage.forEach(SyncPrims.Timer::stop);
        garbage.clear();
        prims.close();
    }

    private void parallel(ChanRows.IntBody body) {
        rt.run(() -> ChanRows.parallel(rt, procs, body));
    }

    /** Go's BenchmarkMutexUncontended: each goroutine locks its own mutex. Per lock+unlock. */
    @Benchmark
    @OperationsPerInvocation(N)
    public void mutexUncontended() {
        parallel(id -> {
            SyncPrims.Lock m = prims.newMutex();
            for (int j = N / procs; j > 0; j--) {
                m.lock();
                m.unlock();
            }
        });
    }

    /** Go's BenchmarkMutex: P goroutines lock one mutex. Per lock+unlock. */
    @Benchmark
    @OperationsPerInvocation(N)
    public void mutex() {
        SyncPrims.Lock m = prims.newMutex();
        parallel(id -> {
            for (int j = N / procs; j > 0; j--) {
                m.lock();
                m.unlock();
            }
        });
    }

    /** Go's BenchmarkMutexWork: as mutex, with 100 steps of local work after each unlock. */
    @Benchmark
    @OperationsPerInvocation(N)
    public void mutexWork() {
        SyncPrims.Lock m = prims.newMutex();
        parallel(id -> {
            for (int j = N / procs; j > 0; j--) {
                m.lock();
                m.unlock();
                Blackhole.consumeCPU(100);
            }
        });
    }

    /** Go's BenchmarkRWMutexUncontended: RLock, RLock, RUnlock, RUnlock, Lock, Unlock on a goroutine's own RWMutex. */
    @Benchmark
    @OperationsPerInvocation(N)
    public void rwMutexUncontended() {
        parallel(id -> {
            SyncPrims.RW rw = prims.newRWMutex();
            for (int j = N / procs; j > 0; j--) {
                rw.rlock();
                rw.rlock();
                rw.runlock();
                rw.runlock();
                rw.lock();
                rw.unlock();
            }
        });
    }

    /** Go's BenchmarkRWMutexWrite100: one shared RWMutex, every 100th op a write lock, the rest read locks. */
    @Benchmark
    @OperationsPerInvocation(N)
    public void rwMutexWrite100() {
        SyncPrims.RW rw = prims.newRWMutex();
        parallel(id -> {
            for (int foo = 1; foo <= N / procs; foo++) {
                if (foo % 100 == 0) {
                    rw.lock();
                    rw.unlock();
                } else {
                    rw.rlock();
                    rw.runlock();
                }
            }
        });
    }

    /** Go's BenchmarkWaitGroupUncontended: add(1), done, wait on a goroutine's own WaitGroup. */
    @Benchmark
    @OperationsPerInvocation(N)
    public void waitGroupUncontended() {
        parallel(id -> {
            SyncPrims.WG wg = prims.newWaitGroup();
            for (int j = N / procs; j > 0; j--) {
                wg.add(1);
                wg.done();
                wg.await();
            }
        });
    }

    /** Go's BenchmarkWaitGroupAddDone: P goroutines add(1) and done on one WaitGroup. */
    @Benchmark
    @OperationsPerInvocation(N)
    public void waitGroupAddDone() {
        SyncPrims.WG wg = prims.newWaitGroup();
        parallel(id -> {
            for (int j = N / procs; j > 0; j--) {
                wg.add(1);
                wg.done();
            }
        });
    }

    /** Go's BenchmarkOnce: P goroutines call once.Do(f) on one Once. */
    @Benchmark
    @OperationsPerInvocation(N)
    public void once() {
        SyncPrims.Once once = prims.newOnce();
        Runnable f = () -> {};
        parallel(id -> {
            for (int j = N / procs; j > 0; j--) {
                once.run(f);
            }
        });
    }

    /** Go's BenchmarkAfterFunc: a chain of 1000 AfterFunc(0) callbacks, each scheduling the next. Per chain. */
    @Benchmark
    @OperationsPerInvocation(TIME_OPS)
    public void afterFunc() {
        parallel(id -> {
            for (int j = 0; j < TIME_OPS / procs; j++) {
                CountDownLatch done = new CountDownLatch(1);
                Runnable[] f = new Runnable[1];
                int[] n = {TIME_N};
                f[0] = () -> {
                    if (--n[0] >= 0) {
                        prims.afterFunc(Duration.ZERO, f[0]);
                    } else {
                        done.countDown();
                    }
                };
                prims.afterFunc(Duration.ZERO, f[0]);
                Bench.await(done);
            }
        });
    }

    /** Go's BenchmarkSleep: 1000 goroutines each sleep 1ns, then are waited for. Per 1000. */
    @Benchmark
    @OperationsPerInvocation(TIME_OPS)
    public void sleep() {
        parallel(id -> {
            for (int j = 0; j < TIME_OPS / procs; j++) {
                CountDownLatch done = new CountDownLatch(TIME_N);
                for (int i = 0; i < TIME_N; i++) {
                    rt.go(() -> {
                        prims.sleep(Duration.ofNanos(1));
                        done.countDown();
                    });
                }
                Bench.await(done);
            }
        });
    }

    /** Go's BenchmarkReset: one timer an hour out, reset 1000 times, then stopped. Per 1000 resets. */
    @Benchmark
    @OperationsPerInvocation(TIME_OPS)
    public void timerReset() {
        parallel(id -> {
            for (int j = 0; j < TIME_OPS / procs; j++) {
                SyncPrims.Timer t = prims.newTimer(HOUR, () -> {});
                for (int i = 0; i < TIME_N; i++) {
                    t.reset(HOUR);
                }
                t.stop();
            }
        });
    }

    /** Go's BenchmarkStop: 1000 timers made a second out and stopped at once. Per 1000. */
    @Benchmark
    @OperationsPerInvocation(TIME_OPS)
    public void timerStop() {
        parallel(id -> {
            for (int j = 0; j < TIME_OPS / procs; j++) {
                for (int i = 0; i < TIME_N; i++) {
                    prims.newTimer(Duration.ofSeconds(1), () -> {}).stop();
                }
            }
        });
    }
}
