package dev.gort.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs benchmark rows A/B on a small noisy machine and prints the ratio table.
 *
 * <p>Design: on 2 shared cores one JMH fork's error bars are wider than the differences we look
 * for, and load drifts over minutes. So the runner makes {@code rounds} passes; each pass runs every
 * selected benchmark once (one fork each) at every parallelism, with gort and its peers in adjacent
 * forks. Samples (measurement iterations) are pooled per (row, parallelism, side) over all passes,
 * and the table gives the median with min and max, and the ratio of medians gort/peer. A ratio
 * below 1 means gort is faster (all scores are times per operation).
 *
 * <pre>
 * usage: BenchRunner [--procs 1,2] [--rounds 3] [--quick] [--out FILE] [--log FILE] [--param K=V1,V2] [REGEX...]
 * </pre>
 * {@code --param impl=gort,jdk} restricts the sides run (as JMH's {@code -p}).
 * REGEX selects benchmarks as JMH's include does (default: all). {@code --quick} is a smoke run
 * (one short iteration) that checks the rows work; its figures mean nothing.
 */
public final class BenchRunner {
    private BenchRunner() {}

    /** Samples of one (row, P, side). */
    private record Key(String row, int procs, String impl) {}

    /**
     * Rows whose table also shows gort's figure for a companion row of the same shape (same P, same
     * run): the channel ping-pong beside the bare park/unpark switch, so that the table says how much
     * of a round trip is the switch and how much the channel.
     */
    private static final Map<String, String> COMPANION = Map.of("Chans.pingPong", "Goroutines.batonPingPong");

    public static void main(String[] args) throws RunnerException, IOException {
        // Other JMH runs on this machine (other checkouts) hold /tmp/jmh.lock; a pass must not die of it.
        System.setProperty("jmh.ignoreLock", "true");
        List<Integer> procs = List.of(1, 2);
        int rounds = 3;
        boolean quick = false;
        Path out = null;
        Path log = null;
        List<String> includes = new ArrayList<>();
        Map<String, String[]> params = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--procs" -> procs = Arrays.stream(args[++i].split(",")).map(Integer::valueOf).toList();
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--quick" -> quick = true;
                case "--out" -> out = Path.of(args[++i]);
                case "--log" -> log = Path.of(args[++i]);
                case "--param" -> {
                    String[] kv = args[++i].split("=", 2);
                    params.put(kv[0], kv[1].split(","));
                }
                case "-h", "--help" -> {
                    System.out.println("usage: run-bench [--procs 1,2] [--rounds 3] [--quick] [--out FILE] [--log FILE] [--param K=V1,V2] [REGEX...]");
                    return;
                }
                default -> {
                    if (args[i].startsWith("-")) {
                        throw new IllegalArgumentException("unknown option " + args[i]);
                    }
                    includes.add(args[i]);
                }
            }
        }
        if (includes.isEmpty()) {
            includes.add("dev\\.gort\\.bench\\..*");
        }
        if (log == null) {
            log = Path.of("bench-jmh.log");
        }
        Map<Key, List<Double>> samples = new TreeMap<>((a, b) -> {
            int c = a.row.compareTo(b.row);
            if (c == 0) c = Integer.compare(a.procs, b.procs);
            if (c == 0) c = sideOrder(a.impl) - sideOrder(b.impl);
            return c != 0 ? c : a.impl.compareTo(b.impl);
        });
        Map<String, String> units = new LinkedHashMap<>();
        String started = Instant.now().toString();
        for (int r = 0; r < rounds; r++) {
            // Alternate the order of the parallelism settings between passes.
            List<Integer> order = new ArrayList<>(procs);
            if (r % 2 == 1) {
                java.util.Collections.reverse(order);
            }
            for (int p : order) {
                System.err.printf(Locale.ROOT, "run-bench: pass %d/%d, parallelism %d (%s)%n", r + 1, rounds, p, Instant.now());
                ChainedOptionsBuilder ob = new OptionsBuilder()
                        .forks(1)
                        .jvmArgsAppend(concat(Bench.JVM_ARGS, Bench.procsArgs(p)))
                        .output(log.toString() + "." + (r + 1) + "-p" + p)
                        .timeout(TimeValue.seconds(90))
                        // A row that fails or hangs (interrupted after the timeout) loses its samples
                        // but does not stop the other rows; the JMH log names it.
                        .shouldFailOnError(false);
                for (String inc : includes) {
                    ob.include(inc);
                }
                params.forEach(ob::param);
                if (quick) {
                    ob.warmupIterations(1).warmupTime(TimeValue.seconds(1))
                            .measurementIterations(1).measurementTime(TimeValue.seconds(1));
                }
                Collection<RunResult> results = new Runner(ob.build()).run();
                for (RunResult rr : results) {
                    String impl = rr.getParams().getParam("impl");
                    String row = rowName(rr);
                    units.put(row, rr.getPrimaryResult().getScoreUnit());
                    List<Double> s = samples.computeIfAbsent(new Key(row, p, impl == null ? "-" : impl), k -> new ArrayList<>());
                    for (BenchmarkResult br : rr.getBenchmarkResults()) {
                        for (IterationResult ir : br.getIterationResults()) {
                            s.add(ir.getPrimaryResult().getScore());
                        }
                    }
                }
                if (out != null) {
                    // The table so far, after every pass: a run cut short still leaves its figures.
                    Files.writeString(out, table(samples, units, started, r + 1, quick));
                }
            }
        }
        System.out.print(table(samples, units, started, rounds, quick));
    }

    private static String[] concat(String[] a, String[] b) {
        String[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** "Class.method" plus any parameter other than impl. */
    private static String rowName(RunResult rr) {
        String full = rr.getParams().getBenchmark();
        String[] parts = full.split("\\.");
        StringBuilder sb = new StringBuilder(parts[parts.length - 2]).append('.').append(parts[parts.length - 1]);
        for (String k : rr.getParams().getParamsKeys()) {
            if (!k.equals("impl")) {
                sb.append(' ').append(k).append('=').append(rr.getParams().getParam(k));
            }
        }
        return sb.toString();
    }

    private static int sideOrder(String impl) {
        return impl.equals("gort") ? 0 : 1;
    }

    private static double median(List<Double> xs) {
        double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    static String fmt(double v) {
        if (v >= 100) return String.format(Locale.ROOT, "%,.0f", v);
        if (v >= 10) return String.format(Locale.ROOT, "%.1f", v);
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String table(Map<Key, List<Double>> samples, Map<String, String> units, String started, int rounds, boolean quick) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%n<!-- run-bench: started %s, %d pass(es)%s; cells: median [min-max] of pooled samples;"
                + " gort/X = gort's median / X's median, below 1 = gort faster -->%n",
                started, rounds, quick ? ", QUICK SMOKE RUN: figures are not measurements" : ""));
        // class -> row -> P -> impl -> samples
        Map<String, Map<String, Map<Integer, Map<String, List<Double>>>>> byClass = new LinkedHashMap<>();
        samples.forEach((k, v) -> byClass.computeIfAbsent(k.row.substring(0, k.row.indexOf('.')), x -> new LinkedHashMap<>())
                .computeIfAbsent(k.row, x -> new TreeMap<>())
                .computeIfAbsent(k.procs, x -> new LinkedHashMap<>()).put(k.impl, v));
        byClass.forEach((cls, rows) -> {
            List<String> impls = new ArrayList<>();
            rows.values().forEach(perP -> perP.values().forEach(sides -> sides.keySet().forEach(i -> {
                if (!impls.contains(i)) {
                    impls.add(i);
                }
            })));
            impls.sort((a, b) -> sideOrder(a) - sideOrder(b));
            boolean hasGort = impls.contains("gort");
            boolean companion = hasGort && rows.keySet().stream().anyMatch(r -> COMPANION.containsKey(r)
                    && samples.keySet().stream().anyMatch(k -> k.row.equals(COMPANION.get(r)) && k.impl.equals("gort")));
            sb.append("\n| ").append(cls).append(" | P | unit |");
            StringBuilder rule = new StringBuilder("|---|---|---|");
            for (String i : impls) {
                sb.append(' ').append(i).append(" |");
                rule.append("---|");
                if (hasGort && !i.equals("gort")) {
                    sb.append(" gort/").append(i).append(" |");
                    rule.append("---|");
                }
            }
            if (companion) {
                sb.append(" gort's switch (").append(COMPANION.values().iterator().next().replaceAll(".*\\.", ""))
                        .append(") | gort/switch |");
                rule.append("---|---|");
            }
            sb.append('\n').append(rule).append('\n');
            rows.forEach((row, perP) -> perP.forEach((p, sides) -> {
                sb.append("| ").append(row.substring(cls.length() + 1)).append(" | ").append(p).append(" | ")
                        .append(units.get(row)).append(" |");
                List<Double> g = sides.get("gort");
                for (String i : impls) {
                    List<Double> s = sides.get(i);
                    sb.append(' ').append(s == null ? "–" : cell(s)).append(" |");
                    if (hasGort && !i.equals("gort")) {
                        sb.append(' ').append(g == null || s == null ? "–"
                                : String.format(Locale.ROOT, "**%.2f**", median(g) / median(s))).append(" |");
                    }
                }
                if (companion) {
                    String comp = COMPANION.get(row);
                    List<Double> s = comp == null ? null : samples.get(new Key(comp, p, "gort"));
                    sb.append(' ').append(s == null ? "–" : cell(s)).append(" | ")
                            .append(g == null || s == null ? "–" : String.format(Locale.ROOT, "**%.2f**", median(g) / median(s)))
                            .append(" |");
                }
                sb.append('\n');
            }));
        });
        return sb.toString();
    }

    private static String cell(List<Double> xs) {
        return fmt(median(xs)) + " [" + fmt(xs.stream().mapToDouble(d -> d).min().orElse(0)) + "–"
                + fmt(xs.stream().mapToDouble(d -> d).max().orElse(0)) + "]";
    }
}
