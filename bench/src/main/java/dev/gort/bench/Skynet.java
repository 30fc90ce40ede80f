package dev.gort.bench;

import dev.gort.bench.kt.KChanRows;
import java.util.concurrent.TimeUnit;
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
 * Issue 3: skynet, 1,000,000 goroutines in a 10-ary tree, each leaf sending its number and each
 * inner node summing its ten children over an unbuffered channel. The answer, 499999500000, is
 * checked. Milliseconds per tree. Peers as in {@link Chans}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Xms2g", "-Xmx2g", "-Xmn1g", "-XX:+AlwaysPreTouch"})
public class Skynet {
    static final int SIZE = 1_000_000;
    static final long ANSWER = 499_999_500_000L;

    @Param({"gort", "jox", "sq", "kotlin"})
    public String impl;

    Rt rt;
    BChan.Maker mk;
    int procs;

    @Setup
    public void setup() {
        rt = Rt.of(impl);
        procs = Bench.procs();
        mk = impl.equals("kotlin") ? null : BChan.maker(impl);
    }

    @Benchmark
    public long skynet() {
        long[] sum = new long[1];
        if (mk == null) {
            sum[0] = KChanRows.skynet(procs, SIZE);
        } else {
            rt.run(() -> {
                BChan out = mk.make(0);
                rt.go(() -> ChanRows.skynet(rt, mk, out, 0, SIZE));
                sum[0] = (Long) out.recv();
            });
        }
        Bench.check(sum[0] == ANSWER, "skynet sum " + sum[0] + " != " + ANSWER);
        return sum[0];
    }
}
