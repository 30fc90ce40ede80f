package dev.gort.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 2: spawn and join 1,000,000 goroutines (each decrements a counter; the last one releases
 * main), gort against JDK virtual threads, and Kotlin's {@code launch} on
 * {@code Dispatchers.Default.limitedParallelism(P)} as a reference; at P=1 also {@link Floor}, the
 * cheapest scheduler a virtual thread can have. Milliseconds per million.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Xms2g", "-Xmx2g", "-Xmn1g", "-XX:+AlwaysPreTouch"})
public class SpawnJoin {
    static final int N = 1_000_000;

    @Param({"gort", "jdk", "floor", "kotlin"})
    public String impl;

    Rt rt;
    int procs;

    @Setup
    public void setup() {
        rt = Rt.of(impl);
        procs = Bench.procs();
    }

    @Benchmark
    public void spawnJoin1M() {
        if (impl.equals("kotlin")) {
            Bench.check(dev.gort.bench.kt.KGoroutines.spawnJoin(procs, N) == N, "kotlin spawn count");
            return;
        }
        rt.run(() -> {
            AtomicInteger left = new AtomicInteger(N);
            CountDownLatch done = new CountDownLatch(1);
            Runnable body = () -> {
                if (left.decrementAndGet() == 0) {
                    done.countDown();
                }
            };
            for (int i = 0; i < N; i++) {
                rt.go(body);
            }
            Bench.await(done);
        });
    }
}
