package dev.gort.bench;

import dev.gort.Go;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
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
 * Issue 2: the scheduler itself, gort's GMP scheduler against the JDK's default virtual-thread
 * scheduler, and at P=1 against {@link Floor}, the cheapest scheduler a virtual thread can have (its
 * forks at P=2 fail at set-up by design, leaving those cells empty). Every side runs the same code
 * ({@link Rt}); only the scheduler differs. Each invocation runs a fresh main goroutine
 * ({@code Go.run} / a joined virtual thread).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 700, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Xms2g", "-Xmx2g", "-Xmn1g", "-XX:+AlwaysPreTouch"})
public class Goroutines {
    static final int N = 10_000;
    static final int HOG_N = 100_000;
    /** The time slice after which the hog yields: Go's sysmon preempts after 10ms. */
    static final long SLICE_NS = TimeUnit.MILLISECONDS.toNanos(10);

    @Param({"gort", "jdk", "floor"})
    public String impl;

    Rt rt;
    int procs;

    @Setup
    public void setup() {
        rt = Rt.of(impl);
        procs = Bench.procs();
    }

    /** Go's BenchmarkCreateGoroutines: P chains in which each goroutine starts the next and exits. Per goroutine. */
    @Benchmark
    @OperationsPerInvocation(N)
    public void createGoroutines() {
        rt.run(() -> {
            CountDownLatch done = new CountDownLatch(procs);
            for (int i = 0; i < procs; i++) {
                int n = N / procs;
                rt.go(() -> chain(rt, n, done));
            }
            Bench.await(done);
        });
    }

    private static void chain(Rt rt, int n, CountDownLatch done) {
        if (n == 0) {
            done.countDown();
        } else {
            rt.go(() -> chain(rt, n - 1, done));
        }
    }

    /**
     * Go's BenchmarkCreateGoroutinesParallel: P goroutines each start empty goroutines as fast as
     * they can. As in Go, the empty goroutines are not joined. Per goroutine started.
     */
    @Benchmark
    @OperationsPerInvocation(N)
    public void createGoroutinesParallel() {
        rt.run(() -> {
            CountDownLatch done = new CountDownLatch(procs);
            Runnable empty = () -> {};
            for (int i = 0; i < procs; i++) {
                rt.go(() -> {
                    for (int j = N / procs; j > 0; j--) {
                        rt.go(empty);
                    }
                    done.countDown();
                });
            }
            Bench.await(done);
        });
    }

    /**
     * Go's BenchmarkPingPongHog: two goroutines ping-pong while a third spins. Neither JVM can
     * preempt the spinner, so on both sides it yields after each 10ms slice (Go's sysmon slice);
     * gort's hog also calls {@link Go#checkPreempt()}, gort's safe point for hot loops. The hand-off is
     * {@link Baton} (park/unpark), identical on both sides. Per round trip, so a side that gives the
     * hog more of the CPU measures slower; {@link HogShare} says how the time was shared.
     */
    @Benchmark
    @OperationsPerInvocation(HOG_N)
    public void pingPongHog() {
        rt.run(() -> {
            boolean gort = rt == Rt.GORT;
            var stopFlag = new java.util.concurrent.atomic.AtomicBoolean();
            CountDownLatch done = new CountDownLatch(3);
            rt.go(() -> {
                long sliceEnd = System.nanoTime() + SLICE_NS;
                int i = 0;
                while (!stopFlag.get()) {
                    if (gort) {
                        Go.checkPreempt();
                    }
                    if ((++i & 1023) == 0 && System.nanoTime() > sliceEnd) {
                        Thread.yield();
                        sliceEnd = System.nanoTime() + SLICE_NS;
                    }
                }
                done.countDown();
            });
            Baton ping = hogPair(rt, HOG_N, stopFlag, done);
            Bench.await(done);
            Bench.check(ping.take() == Boolean.TRUE, "ping-pong lost its ball");
        });
    }

    /**
     * pingPongHog's pair: starts two goroutines that pass a ball n times each way over two
     * batons, the first of which sets stop when it is done; each counts done down. Returns the
     * baton that holds the ball at the end.
     */
    static Baton hogPair(Rt rt, int n, java.util.concurrent.atomic.AtomicBoolean stop, CountDownLatch done) {
        Baton ping = new Baton();
        Baton pong = new Baton();
        rt.go(() -> {
            for (int j = 0; j < n; j++) {
                pong.put(ping.take());
            }
            stop.set(true);
            done.countDown();
        });
        rt.go(() -> {
            for (int j = 0; j < n; j++) {
                ping.put(pong.take());
            }
            done.countDown();
        });
        ping.put(Boolean.TRUE);
        return ping;
    }

    /**
     * The bare switch: main and a partner goroutine pass a ball back and forth through two
     * {@link Baton}s (park/unpark, no channel), in the shape of {@code Chans.pingPong}, so that
     * gort's channel ping-pong minus this row is what the channel costs above the switch. Per
     * round trip (two switches).
     */
    @Benchmark
    @OperationsPerInvocation(N)
    public void batonPingPong() {
        rt.run(() -> {
            Baton ping = new Baton();
            Baton pong = new Baton();
            CountDownLatch done = new CountDownLatch(1);
            rt.go(() -> {
                for (int j = 0; j < N; j++) {
                    pong.put(ping.take());
                }
                done.countDown();
            });
            Object ball = Boolean.TRUE;
            for (int j = 0; j < N; j++) {
                ping.put(ball);
                ball = pong.take();
            }
            Bench.check(ball == Boolean.TRUE, "ping-pong lost its ball");
            Bench.await(done);
        });
    }

    /**
     * Two goroutines take turns on a shared volatile flag, waiting with {@code Thread.yield()}
     * ({@code runtime.Gosched}). Per round trip.
     */
    @Benchmark
    @OperationsPerInvocation(N)
    public void yieldPingPong() {
        rt.run(() -> {
            YieldTurn turn = new YieldTurn();
            CountDownLatch done = new CountDownLatch(2);
            for (int me = 0; me < 2; me++) {
                int self = me;
                rt.go(() -> {
                    for (int j = 0; j < N; j++) {
                        while (turn.turn != self) {
                            Thread.yield();
                        }
                        turn.turn = 1 - self;
                    }
                    done.countDown();
                });
            }
            Bench.await(done);
        });
    }

    static final class YieldTurn {
        volatile int turn;
    }

    /** Ping-pong over two {@code SynchronousQueue}s (the JDK's spin trap on custom schedulers). Per round trip. */
    @Benchmark
    @OperationsPerInvocation(N)
    public void syncQueuePingPong() {
        rt.run(() -> {
            SynchronousQueue<Object> ping = new SynchronousQueue<>();
            SynchronousQueue<Object> pong = new SynchronousQueue<>();
            CountDownLatch done = new CountDownLatch(1);
            rt.go(() -> {
                try {
                    for (int j = 0; j < N; j++) {
                        pong.put(ping.take());
                    }
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                done.countDown();
            });
            try {
                Object ball = Boolean.TRUE;
                for (int j = 0; j < N; j++) {
                    ping.put(ball);
                    ball = pong.take();
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            Bench.await(done);
        });
    }
}
