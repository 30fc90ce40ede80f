package dev.gort.bench;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A/B in one JVM, for a machine too loaded for fork-by-fork comparisons: every side runs in turn,
 * a few tens of milliseconds each, round after round, so that load that comes and goes hits every
 * side alike. Sides can be gort builds of different commits: each side gets its own class loader
 * with its own core jar, hence its own runtime (Ms, Ps, sysmon; idle while another side runs) and
 * its own copy of the row code ({@link AltRows}), so every call site stays monomorphic, as in a fork
 * of one side.
 *
 * <pre>
 * java --add-opens java.base/java.lang=ALL-UNNAMED -Xms2g -Xmx2g -Xmn1g -XX:+AlwaysPreTouch \
 *   -Dgort.maxprocs=P -Djdk.virtualThreadScheduler.parallelism=P -Djdk.virtualThreadScheduler.maxPoolSize=P \
 *   -cp bench/target/benchmarks.jar dev.gort.bench.Alternate \
 *   [--rounds 30] [--warmup 8] [--turn-ms 40] --rows baton,chanPingPong \
 *   --sides gort@before=core-before.jar,gort@after=core/target/gort-core-*.jar,jdk,floor,sq
 * </pre>
 *
 * A side is {@code impl} or {@code impl@label=core.jar}; a side without a jar uses the core classes
 * in the benchmarks jar. A side prefixed with another row's name ({@code baton:gort}) runs that row
 * instead, in this row's rounds: {@code --rows chanPingPong --sides baton:gort,gort} gives, per
 * round, gort's channel round trip against its own bare switch, measured seconds apart (rows
 * listed in --rows run one after another, minutes apart on a long run). Prints, per row, each side's median [min–max] over the rounds of wall time
 * and of CPU time per operation (summed over the JVM's platform threads), and against the first side the median of the per-round
 * ratios (each round's turns were at most seconds apart). On a machine with more runnable threads
 * than cores, wall time counts the time a carrier waited for a core; CPU time does not, so at P=1
 * (one busy carrier) CPU time per op is the steadier measure of a side's own cost. At P=2 CPU time
 * also counts what idle Ms burn spinning, which is a cost too, but not latency. For gort sides it
 * also gives the scheduler's own counts per operation, which load does not blur: goroutines run
 * (P.runs), goroutines stolen from another P (P.steals), and parks of its Ms' threads (each one a
 * sleep that some startm or timer had to end with a futex wake). The last columns are the whole
 * process's CPU time (GC and JIT threads included, in 10 ms ticks): the measure for rows whose
 * turns last seconds and whose cost is largely garbage collection (skynet); and the bytes the
 * JVM's threads allocated per operation (the carriers' TLABs count the virtual threads'
 * allocations: JMH's -prof gc figure, without JMH).
 */
public final class Alternate {
    private Alternate() {}

    private record Side(String name, String impl, Runnable inv, int ops, List<Double> nsPerOp, List<Double> cpuPerOp,
            List<Double> procPerOp, List<Double> bytesPerOp, java.util.function.Supplier<long[]> counters, long[] totals) {}

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    /**
     * CPU time of every live platform Java thread (gort's Ms and sysmon, the floor's carrier, the
     * JDK's carriers; the JVM's JIT and GC threads are not Java threads and are left out), in ns. Not OperatingSystemMXBean.getProcessCpuTime: on Linux that counts clock
     * ticks (10 ms here); thread CPU clocks are precise.
     */
    private static long cpuNow() {
        long sum = 0;
        for (long t : THREADS.getThreadCpuTime(THREADS.getAllThreadIds())) {
            sum += Math.max(0, t);
        }
        return sum;
    }

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    /**
     * CPU time of the whole process, GC and JIT threads included, in ns; on Linux it moves in clock
     * ticks (10 ms), so it means something only for turns much longer than that (skynet's).
     */
    private static long processCpuNow() {
        return OS.getProcessCpuTime();
    }

    public static void main(String[] args) throws Exception {
        int rounds = 30;
        int warmup = 8;
        long turnNs = 40_000_000L;
        List<String> rows = List.of("baton");
        List<String> sides = List.of("gort", "jdk");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--turn-ms" -> turnNs = Long.parseLong(args[++i]) * 1_000_000L;
                case "--rows" -> rows = Arrays.asList(args[++i].split(","));
                case "--sides" -> sides = Arrays.asList(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        int procs = Bench.procs();
        URL benchJar = Alternate.class.getProtectionDomain().getCodeSource().getLocation();
        System.out.printf(Locale.ROOT, "<!-- Alternate: started %s, P=%d, %d rounds after %d warm-up, turns of %d ms; sides %s -->%n",
                Instant.now(), procs, rounds, warmup, turnNs / 1_000_000, sides);
        for (String row : rows) {
            List<Side> ss = new ArrayList<>();
            for (String sideSpec : sides) {
                // "baton:gort@x=jar" runs row baton in this row's rounds (see the class comment)
                int colon = sideSpec.indexOf(':');
                boolean otherRow = colon > 0 && sideSpec.substring(0, colon).matches("[A-Za-z0-9]+");
                String sideRow = otherRow ? sideSpec.substring(0, colon) : row;
                String spec = otherRow ? sideSpec.substring(colon + 1) : sideSpec;
                String impl = spec.contains("@") ? spec.substring(0, spec.indexOf('@')) : spec;
                if (impl.endsWith("floor") && procs != 1) {
                    continue;
                }
                String name = (otherRow ? sideRow + ":" : "") + (spec.contains("=") ? spec.substring(0, spec.indexOf('=')) : spec);
                List<URL> urls = new ArrayList<>();
                if (spec.contains("=")) {
                    urls.add(Path.of(spec.substring(spec.indexOf('=') + 1)).toUri().toURL());
                }
                urls.add(benchJar);
                ClassLoader cl = new URLClassLoader(name, urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
                Class<?> rowsClass = cl.loadClass(AltRows.class.getName());
                Object[] r = (Object[]) rowsClass.getMethod("row", String.class, String.class).invoke(null, sideRow, impl);
                java.lang.reflect.Method cm = rowsClass.getMethod("counters");
                java.util.function.Supplier<long[]> counters = () -> {
                    try {
                        return (long[]) cm.invoke(null);
                    } catch (ReflectiveOperationException e) {
                        throw new IllegalStateException(e);
                    }
                };
                // totals: ops measured, then gort's runs, steals and M parks during the measured rounds
                ss.add(new Side(name, impl, (Runnable) r[0], (Integer) r[1], new ArrayList<>(), new ArrayList<>(),
                        new ArrayList<>(), new ArrayList<>(), counters, new long[4]));
            }
            // Warm-up rounds also size each side's turn: reps invocations of about turnNs.
            int[] reps = new int[ss.size()];
            Arrays.fill(reps, 1);
            for (int w = 0; w < warmup; w++) {
                for (int k = 0; k < ss.size(); k++) {
                    double ns = turn(ss.get(k), reps[k], false);
                    reps[k] = (int) Math.max(1, Math.min(10_000, turnNs / Math.max(1, ns * ss.get(k).ops)));
                }
            }
            for (int rd = 0; rd < rounds; rd++) {
                for (int j = 0; j < ss.size(); j++) {
                    int k = (j + rd) % ss.size(); // rotate the order, so no side always follows another
                    Side s = ss.get(k);
                    long[] c0 = s.impl.equals("gort") ? s.counters.get() : null;
                    turn(s, reps[k], true);
                    s.totals[0] += (long) reps[k] * s.ops;
                    if (c0 != null) {
                        long[] c1 = s.counters.get();
                        s.totals[1] += c1[0] - c0[0];
                        s.totals[2] += c1[1] - c0[1];
                        s.totals[3] += c1[2] - c0[2];
                    }
                }
            }
            System.out.print(table(row, procs, ss));
            System.out.flush();
        }
        System.out.printf(Locale.ROOT, "<!-- Alternate: finished %s -->%n", Instant.now());
        System.exit(0); // the sides' runtimes keep daemon threads only, but be sure
    }

    /** Runs reps invocations; returns wall ns per operation, and with record keeps wall and CPU time. */
    private static double turn(Side s, int reps, boolean record) {
        long b0 = THREADS.getTotalThreadAllocatedBytes();
        long p0 = processCpuNow();
        long c0 = cpuNow();
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            s.inv.run();
        }
        long t1 = System.nanoTime();
        long c1 = cpuNow();
        long p1 = processCpuNow();
        long b1 = THREADS.getTotalThreadAllocatedBytes();
        double ops = (double) reps * s.ops;
        if (record) {
            s.nsPerOp.add((t1 - t0) / ops);
            s.cpuPerOp.add((c1 - c0) / ops);
            s.procPerOp.add((p1 - p0) / ops);
            s.bytesPerOp.add((b1 - b0) / ops);
        }
        return (t1 - t0) / ops;
    }

    private static String table(String row, int procs, List<Side> ss) {
        StringBuilder sb = new StringBuilder();
        Side base = ss.get(0);
        sb.append(String.format(Locale.ROOT, "%n| %s, P=%d | wall ns/op median [min–max] | threads' CPU ns/op median [min–max] |"
                + " X/%s wall (median of per-round ratios) | X/%s CPU (median of per-round ratios) | gort: Gs run / op | gort: Gs stolen / op |"
                + " gort: M parks / op | process CPU ns/op, GC and JIT included (10 ms ticks) | X/%s process CPU | bytes allocated / op |%n"
                + "|---|---|---|---|---|---|---|---|---|---|---|%n",
                row, procs, base.name, base.name, base.name));
        for (Side s : ss) {
            boolean g = s.impl.equals("gort");
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %.2f | %.2f | %s | %s | %s | %s | %.2f | %.1f |%n", s.name, cell(s.nsPerOp),
                    cell(s.cpuPerOp), pairedMedian(s.nsPerOp, base.nsPerOp), pairedMedian(s.cpuPerOp, base.cpuPerOp),
                    g ? String.format(Locale.ROOT, "%.3f", (double) s.totals[1] / s.totals[0]) : "–",
                    g ? String.format(Locale.ROOT, "%.4f", (double) s.totals[2] / s.totals[0]) : "–",
                    g ? String.format(Locale.ROOT, "%.3f", (double) s.totals[3] / s.totals[0]) : "–",
                    cell(s.procPerOp), pairedMedian(s.procPerOp, base.procPerOp), median(s.bytesPerOp)));
        }
        return sb.toString();
    }

    private static String cell(List<Double> xs) {
        return BenchRunner.fmt(median(xs)) + " [" + BenchRunner.fmt(min(xs)) + "–" + BenchRunner.fmt(max(xs)) + "]";
    }

    private static double pairedMedian(List<Double> a, List<Double> b) {
        double[] r = new double[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i) / b.get(i);
        }
        return median(r);
    }

    private static double median(List<Double> xs) {
        return median(xs.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static double min(List<Double> xs) {
        return xs.stream().mapToDouble(d -> d).min().orElse(0);
    }

    private static double max(List<Double> xs) {
        return xs.stream().mapToDouble(d -> d).max().orElse(0);
    }
}
