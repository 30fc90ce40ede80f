package dev.gort.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The rows {@link Alternate} runs, one copy per side: {@code Alternate} loads this class once in
 * each side's class loader, so each side's call sites stay monomorphic, as in a JMH fork that runs
 * one side only. The rows are the JMH rows' own code (Goroutines, ChanRows).
 */
public final class AltRows {
    private AltRows() {}

    static final int N = 10_000;
    static final int SPAWN_N = 100_000;
    static final int SKYNET_N = Skynet.SIZE;

    /**
     * One invocation of a row for a side, and its operations per invocation: {runnable, Integer}.
     * Sides: "gort", "jdk", "floor" (P=1 only); the channel rows take "gort" (gort's Chan) or "sq"
     * (SynchronousQueue on JDK virtual threads), or "CHAN/SCHED" (channel CHAN on scheduler SCHED, as
     * "lock/floor": {@link LockChan} on the floor; see {@link Rt#of}); the channel rows, spawn and skynet also take "kotlin"
     * (kotlinx.coroutines on Dispatchers.Default limited to P threads, as in Chans, SpawnJoin and Skynet). skynet is Skynet's tree
     * (1,000,000 goroutines, the sum checked), per goroutine.
     *
     * @throws IllegalArgumentException for an unknown row
     */
    public static Object[] row(String row, String impl) {
        Goroutines g = new Goroutines();
        g.impl = impl.equals("sq") ? "jdk" : impl;
        g.setup();
        Rt rt = g.rt;
        BChan.Maker mk = impl.contains("/") || impl.equals("gort") ? BChan.maker(impl) : BChan.maker("sq");
        int procs = g.procs;
        boolean kotlin = impl.equals("kotlin");
        return switch (row) {
            case "baton" -> new Object[] {(Runnable) g::batonPingPong, N};
            case "yield" -> new Object[] {(Runnable) g::yieldPingPong, N};
            case "hog" -> new Object[] {(Runnable) g::pingPongHog, Goroutines.HOG_N};
            case "create" -> new Object[] {(Runnable) g::createGoroutines, N};
            case "createParallel" -> new Object[] {(Runnable) g::createGoroutinesParallel, N};
            case "chanPingPong" -> kotlin
                    ? new Object[] {(Runnable) () -> dev.gort.bench.kt.KChanRows.pingPong(procs, N), N}
                    : new Object[] {(Runnable) () -> rt.run(() -> ChanRows.pingPong(rt, mk, N)), N};
            case "chanSync" -> kotlin
                    ? new Object[] {(Runnable) () -> dev.gort.bench.kt.KChanRows.chanSync(procs, N), N}
                    : new Object[] {(Runnable) () -> rt.run(() -> ChanRows.chanSync(rt, mk, N)), N};
            case "prodCons0" -> kotlin
                    ? new Object[] {(Runnable) () -> dev.gort.bench.kt.KChanRows.prodCons(procs, 0, N), N}
                    : new Object[] {(Runnable) () -> rt.run(() -> ChanRows.prodCons(rt, mk, 0, procs, N)), N};
            case "spawn" -> impl.equals("kotlin")
                    ? new Object[] {(Runnable) () -> Bench.check(dev.gort.bench.kt.KGoroutines.spawnJoin(procs, SPAWN_N) == SPAWN_N,
                            "kotlin spawn count"), SPAWN_N}
                    : new Object[] {(Runnable) () -> rt.run(() -> spawnJoin(rt, SPAWN_N)), SPAWN_N};
            case "skynet" -> new Object[] {(Runnable) () -> skynet(impl, rt, mk, procs), SKYNET_N};
            default -> throw new IllegalArgumentException("unknown row " + row
                    + " (baton, yield, hog, create, createParallel, chanPingPong, chanSync, prodCons0, spawn, skynet)");
        };
    }

    /**
     * gort's scheduler counters, read by reflection (they are the runtime's internals): {goroutines
     * run, goroutines stolen from another P} summed over its Ps, and the times its Ms' threads
     * waited (ThreadMXBean's waited count: every LockSupport.park of an M, in stopm, the timer
     * sleeper or stoplockedm, so about one per wake-up that startm sent). Zeros when this loader's
     * gort runtime never started (the peers' sides).
     */
    public static long[] counters() {
        long runs = 0, steals = 0, mparks = 0;
        try {
            Class<?> proc = Class.forName("dev.gort.runtime.Proc");
            java.lang.reflect.Field allp = proc.getDeclaredField("allp");
            allp.setAccessible(true);
            Class<?> pc = Class.forName("dev.gort.runtime.P");
            java.lang.reflect.Field fr = pc.getDeclaredField("runs");
            java.lang.reflect.Field fs = pc.getDeclaredField("steals");
            fr.setAccessible(true);
            fs.setAccessible(true);
            for (Object p : (Object[]) allp.get(null)) {
                runs += fr.getLong(p);
                steals += fs.getLong(p);
            }
            java.lang.reflect.Field allm = proc.getDeclaredField("allm");
            allm.setAccessible(true);
            Object[] ms = (Object[]) allm.get(null);
            long[] ids = new long[ms.length];
            for (int i = 0; i < ms.length; i++) {
                ids[i] = ((Thread) ms[i]).threadId();
            }
            for (java.lang.management.ThreadInfo ti : java.lang.management.ManagementFactory.getThreadMXBean().getThreadInfo(ids)) {
                if (ti != null) {
                    mparks += ti.getWaitedCount();
                }
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read gort's counters", e);
        }
        return new long[] {runs, steals, mparks};
    }

    /** Skynet's row for a side: kotlin's own tree, else the tree over mk's channels on rt. */
    private static void skynet(String impl, Rt rt, BChan.Maker mk, int procs) {
        long[] sum = new long[1];
        if (impl.equals("kotlin")) {
            sum[0] = dev.gort.bench.kt.KChanRows.skynet(procs, SKYNET_N);
        } else {
            rt.run(() -> {
                BChan out = mk.make(0);
                rt.go(() -> ChanRows.skynet(rt, mk, out, 0, SKYNET_N));
                sum[0] = (Long) out.recv();
            });
        }
        Bench.check(sum[0] == Skynet.ANSWER, "skynet sum " + sum[0] + " != " + Skynet.ANSWER);
    }

    /** SpawnJoin's shape with n goroutines. */
    private static void spawnJoin(Rt rt, int n) {
        AtomicInteger left = new AtomicInteger(n);
        CountDownLatch done = new CountDownLatch(1);
        Runnable body = () -> {
            if (left.decrementAndGet() == 0) {
                done.countDown();
            }
        };
        for (int i = 0; i < n; i++) {
            rt.go(body);
        }
        Bench.await(done);
    }
}
