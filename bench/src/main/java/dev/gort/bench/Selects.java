package dev.gort.bench;

import com.softwaremill.jox.Channel;
import com.softwaremill.jox.ChannelClosed;
import com.softwaremill.jox.Select;
import com.softwaremill.jox.SelectClause;
import dev.gort.bench.kt.KChanRows;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Issue 3: the blocking select rows of Go's {@code runtime/chan_test.go}: gort's {@code Select}
 * against jox's {@code Select} (on JDK virtual threads) and kotlinx.coroutines' {@code select}.
 * {@code java.util.concurrent} has no select. (SelectNonblock is in {@link Chans}: one case plus a
 * default is a non-blocking operation, which every peer has.) Go's SelectProdCons selects on a
 * {@code time.After(1h)} channel that never fires; here a channel nobody sends on stands in.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 700, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Xms2g", "-Xmx2g", "-Xmn1g", "-XX:+AlwaysPreTouch"})
public class Selects {
    static final int N = 10_000;
    static final Integer ONE = 1;
    static final Integer ZERO = 0;

    @Param({"gort", "jox", "kotlin"})
    public String impl;

    Rt rt;
    int procs;

    @Setup
    public void setup() {
        rt = Rt.of(impl);
        procs = Bench.procs();
    }

    /** SelectUncontended: each of P goroutines moves one value between its own two buffered channels by select. Per select. */
    @Benchmark
    @OperationsPerInvocation(N)
    public void selectUncontended() {
        switch (impl) {
            case "kotlin" -> KChanRows.selectUncontended(procs, N);
            case "gort" -> rt.run(() -> GortSelects.selectUncontended(procs, N));
            case "jox" -> rt.run(() -> ChanRows.parallel(rt, procs, id -> {
                Channel<Object> c1 = Channel.newBufferedChannel(1);
                Channel<Object> c2 = Channel.newBufferedChannel(1);
                SelectClause<Integer> r1 = c1.receiveClause(v -> 1);
                SelectClause<Integer> r2 = c2.receiveClause(v -> 2);
                try {
                    c1.send(ZERO);
                    for (int j = N / procs; j > 0; j--) {
                        if (Select.select(r1, r2) == 1) {
                            c2.send(ZERO);
                        } else {
                            c1.send(ZERO);
                        }
                    }
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }));
            default -> throw new IllegalArgumentException(impl);
        }
    }

    /**
     * SelectSyncContended: P receivers each select over three shared unbuffered channels, fed by P
     * senders that select over sending to all three or receiving from a done channel. Per receive.
     */
    @Benchmark
    @OperationsPerInvocation(N)
    public void selectSyncContended() {
        switch (impl) {
            case "kotlin" -> KChanRows.selectSyncContended(procs, N);
            case "gort" -> rt.run(() -> GortSelects.selectSyncContended(procs, N));
            case "jox" -> rt.run(() -> {
                Channel<Object> c1 = Channel.newRendezvousChannel();
                Channel<Object> c2 = Channel.newRendezvousChannel();
                Channel<Object> c3 = Channel.newRendezvousChannel();
                Channel<Object> done = Channel.newRendezvousChannel();
                CountDownLatch senders = new CountDownLatch(procs);
                for (int i = 0; i < procs; i++) {
                    rt.go(() -> {
                        SelectClause<Void> s1 = c1.sendClause(ZERO);
                        SelectClause<Void> s2 = c2.sendClause(ZERO);
                        SelectClause<Void> s3 = c3.sendClause(ZERO);
                        SelectClause<Object> d = done.receiveClause();
                        try {
                            while (!(Select.selectOrClosed(s1, s2, s3, d) instanceof ChannelClosed)) {
                                // sent one
                            }
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                        senders.countDown();
                    });
                }
                ChanRows.parallel(rt, procs, id -> {
                    SelectClause<Object> r1 = c1.receiveClause();
                    SelectClause<Object> r2 = c2.receiveClause();
                    SelectClause<Object> r3 = c3.receiveClause();
                    try {
                        for (int j = N / procs; j > 0; j--) {
                            Select.select(r1, r2, r3);
                        }
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                done.done();
                Bench.await(senders);
            });
            default -> throw new IllegalArgumentException(impl);
        }
    }

    /**
     * SelectProdCons: P producers and P consumers over a channel of capacity 128, every send and
     * receive a three-case select (the channel, a never-ready channel, a never-closed channel),
     * with Go's local work of 100 steps around each (JMH CPU tokens). Per element.
     */
    @Benchmark
    @OperationsPerInvocation(N)
    public void selectProdCons() {
        switch (impl) {
            case "kotlin" -> KChanRows.selectProdCons(procs, N);
            case "gort" -> rt.run(() -> GortSelects.selectProdCons(procs, N));
            case "jox" -> rt.run(() -> {
                Channel<Object> c = Channel.newBufferedChannel(128);
                Channel<Object> never = Channel.newRendezvousChannel();
                Channel<Object> myclose = Channel.newRendezvousChannel();
                AtomicInteger batches = new AtomicInteger(N / ChanRows.BATCH);
                ChanRows.parallel(rt, 2 * procs, id -> {
                    try {
                        if (id % 2 == 0) {
                            SelectClause<Void> send = c.sendClause(ONE);
                            SelectClause<Object> n1 = never.receiveClause();
                            SelectClause<Object> n2 = myclose.receiveClause();
                            while (batches.getAndDecrement() > 0) {
                                for (int g = 0; g < ChanRows.BATCH; g++) {
                                    Blackhole.consumeCPU(KChanRows.WORK);
                                    Select.select(send, n1, n2);
                                }
                            }
                            c.send(ZERO);
                        } else {
                            SelectClause<Object> recv = c.receiveClause();
                            SelectClause<Object> n1 = never.receiveClause();
                            SelectClause<Object> n2 = myclose.receiveClause();
                            while (Select.select(recv, n1, n2) != ZERO) {
                                Blackhole.consumeCPU(KChanRows.WORK);
                            }
                        }
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
            });
            default -> throw new IllegalArgumentException(impl);
        }
    }
}
