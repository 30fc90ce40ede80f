package dev.gort.bench;

import dev.gort.Go;
import java.util.concurrent.Callable;
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
 * Issue 5: Go's BenchmarkSyscall, an enter/exit pair around a trivial call. {@code gort} wraps the
 * call in {@link Go#syscall(Callable)} ({@code entersyscall}/{@code exitsyscall}); {@code direct}
 * runs the same loop in the same gort goroutines without it, so gort's figure minus direct's is
 * the cost of one pair (Go 1.19: about 31 ns). P goroutines, as Go's {@code b.RunParallel}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 700, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Xms2g", "-Xmx2g", "-Xmn1g", "-XX:+AlwaysPreTouch"})
public class Syscalls {
    static final int N = 100_000;
    static final Integer ONE = 1;

    @Param({"gort", "direct"})
    public String impl;

    int procs;
    boolean wrap;

    @Setup
    public void setup() {
        procs = Bench.procs();
        wrap = impl.equals("gort");
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void syscall() {
        Callable<Integer> trivial = () -> ONE;
        Rt.GORT.run(() -> ChanRows.parallel(Rt.GORT, procs, id -> {
            long sum = 0;
            try {
                for (int j = N / procs; j > 0; j--) {
                    sum += wrap ? Go.syscall(trivial) : trivial.call();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            Bench.check(sum == N / procs, "syscall loop sum");
        }));
    }
}
