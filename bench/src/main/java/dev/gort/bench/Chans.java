package dev.gort.bench;

import dev.gort.bench.kt.KChanRows;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 3: the channel rows of Go's {@code runtime/chan_test.go} (see {@link ChanRows}), gort's
 * {@code Chan} against jox, {@code java.util.concurrent} ({@code sq}: SynchronousQueue for
 * capacity 0, ArrayBlockingQueue otherwise; {@code ltq}: LinkedTransferQueue) on JDK virtual
 * threads, and kotlinx.coroutines channels on {@code Dispatchers.Default.limitedParallelism(P)}.
 * Units follow Go's: ns per hand-off, element, fill+drain of 100, poll, or round trip (see each row).
 * {@code ltq} is not in the default set (to keep a full run within a quarter hour on 2 cores); add
 * it with {@code --param impl=gort,jox,sq,ltq,kotlin}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 700, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Xms2g", "-Xmx2g", "-Xmn1g", "-XX:+AlwaysPreTouch"})
public class Chans {
    static final int N = 10_000;
    static final int FILLS = 200;
    static final int POLLS = 100_000;

    @Param({"gort", "jox", "sq", "kotlin"})
    public String impl;

    Rt rt;
    BChan.Maker mk;
    boolean kotlin;
    int procs;

    @Setup
    public void setup() {
        rt = Rt.of(impl);
        procs = Bench.procs();
        kotlin = impl.equals("kotlin");
        mk = kotlin ? null : BChan.maker(impl);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void chanSync() {
        if (kotlin) {
            KChanRows.chanSync(procs, N);
        } else {
            rt.run(() -> ChanRows.chanSync(rt, mk, N));
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void chanProdCons0() {
        prodCons(0);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void chanProdCons10() {
        prodCons(10);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void chanProdCons100() {
        prodCons(100);
    }

    private void prodCons(int cap) {
        if (kotlin) {
            KChanRows.prodCons(procs, cap, N);
        } else {
            rt.run(() -> ChanRows.prodCons(rt, mk, cap, procs, N));
        }
    }

    /** Per fill of 100 plus drain of 100, as Go's op. */
    @Benchmark
    @OperationsPerInvocation(FILLS)
    public void chanUncontended() {
        if (kotlin) {
            KChanRows.uncontended(procs, FILLS);
        } else {
            rt.run(() -> ChanRows.uncontended(rt, mk, procs, FILLS));
        }
    }

    /** Per fill of 100 plus drain of 100, as Go's op. */
    @Benchmark
    @OperationsPerInvocation(FILLS)
    public void chanContended() {
        if (kotlin) {
            KChanRows.contended(procs, FILLS);
        } else {
            rt.run(() -> ChanRows.contended(rt, mk, procs, FILLS));
        }
    }

    @Benchmark
    @OperationsPerInvocation(POLLS)
    public void chanNonblocking() {
        if (kotlin) {
            KChanRows.nonblocking(procs, POLLS);
        } else {
            rt.run(() -> ChanRows.nonblocking(rt, mk, procs, POLLS));
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void chanSem() {
        if (kotlin) {
            KChanRows.sem(procs, N);
        } else {
            rt.run(() -> ChanRows.sem(rt, mk, procs, N));
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void chanCreation() {
        if (kotlin) {
            KChanRows.creation(procs, N);
        } else {
            rt.run(() -> ChanRows.creation(rt, mk, procs, N));
        }
    }

    /** Per four non-blocking selects, as Go's op. */
    @Benchmark
    @OperationsPerInvocation(POLLS)
    public void selectNonblock() {
        if (kotlin) {
            KChanRows.selectNonblock(procs, POLLS);
        } else {
            rt.run(() -> ChanRows.selectNonblock(rt, mk, procs, POLLS));
        }
    }

    /** Per round trip. */
    @Benchmark
    @OperationsPerInvocation(N)
    public void pingPong() {
        if (kotlin) {
            KChanRows.pingPong(procs, N);
        } else {
            rt.run(() -> ChanRows.pingPong(rt, mk, N));
        }
    }
}
