package gortfixture.bench;

import dev.gort.Go;

import java.util.Arrays;

/**
 * CPU-bound loops for measuring the agent's overhead (preempt and race modes): run it with and
 * without -javaagent and compare the medians. Runs in the main goroutine. Prints one line per
 * workload: "NAME median-ms=X" over ROUNDS rounds after WARMUP rounds, and the peak used heap.
 *
 * <pre>java --add-opens java.base/java.lang=ALL-UNNAMED [-javaagent:gort-agent.jar=preempt,include=gortfixture.*]
 *      -cp agent/target/test-classes:core/target/classes gortfixture.bench.CpuLoop [ROUNDS] [SCALE]</pre>
 */
public final class CpuLoop {
    static long sink;

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int scale = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        Go.run(() -> {
            report("lcg", rounds, () -> sink += lcg(20_000_000 * scale));
            int[] data = new int[1 << 20];
            Arrays.setAll(data, i -> i * 31);
            report("fnv", rounds, () -> sink += fnv(data, 8 * scale));
            report("sieve", rounds, () -> sink += sieve(2_000_000 * scale));
            report("calls", rounds, () -> sink += calls(10_000_000 * scale));
        });
        System.out.println("peak-heap-mb=" + peakHeapMb + " sink=" + (sink & 1));
    }

    static long peakHeapMb;

    private static void report(String name, int rounds, Runnable r) {
        for (int i = 0; i < 5; i++) {
            r.run();
        }
        double[] ms = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            long t0 = System.nanoTime();
            r.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
            Runtime rt = Runtime.getRuntime();
            peakHeapMb = Math.max(peakHeapMb, (rt.totalMemory() - rt.freeMemory()) >> 20);
        }
        Arrays.sort(ms);
        System.out.printf("%s median-ms=%.2f min-ms=%.2f%n", name, ms[rounds / 2], ms[0]);
    }

    /** The worst case: a loop whose body C2 unrolls to almost nothing (well under 0.1 ns an iteration). */
    static long lcg(int n) {
        long x = 1;
        for (int i = 0; i < n; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
        }
        return x;
    }

    /** FNV-1a over an int array, reps times: a load, a xor and a multiply per iteration, serially dependent. */
    static long fnv(int[] a, int reps) {
        long h = 0xcbf29ce484222325L;
        for (int r = 0; r < reps; r++) {
            for (int i = 0; i < a.length; i++) {
                h = (h ^ a[i]) * 0x100000001b3L;
            }
        }
        return h;
    }

    /** Nested loops over an array (Eratosthenes). */
    static int sieve(int n) {
        boolean[] composite = new boolean[n + 1];
        int count = 0;
        for (int i = 2; i <= n; i++) {
            if (!composite[i]) {
                count++;
                for (long j = (long) i * i; j <= n; j += i) {
                    composite[(int) j] = true;
                }
            }
        }
        return count;
    }

    /** A small method called in a loop: the entry safe point, inlined by the JIT. */
    static long calls(int n) {
        long s = 0;
        for (int i = 0; i < n; i++) {
            s += mix(i, s);
        }
        return s;
    }

    private static long mix(int i, long s) {
        return (s >>> 3) ^ (i * 0x9E3779B97F4A7C15L);
    }
}
