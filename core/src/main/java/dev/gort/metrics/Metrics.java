package dev.gort.metrics;

import dev.gort.runtime.GStatus;
import dev.gort.runtime.Linkname;
import dev.gort.runtime.WaitReason;

import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scheduler's metrics, named as Go's {@code runtime/metrics} names them: Go's
 * {@code metrics.All} is {@link #all()}, {@code metrics.Read} is {@link #read()}.
 * <pre>{@code
 * long live = Metrics.read(Metrics.GOROUTINES).uint64();
 * Histogram lat = Metrics.read(Metrics.LATENCIES).histogram();   // seconds, runnable to running
 * }</pre>
 * <p>Counts of goroutines, threads and Ps are read when asked, at no cost to the scheduler. The
 * scheduling-latency histogram and the blocked time per wait reason are accumulated by the
 * scheduler only once something has asked for metrics (the first {@code read}, {@link #registerMBean},
 * the Micrometer binder, or {@code -Dgort.metrics=true} at start-up): they cover the time since
 * then, and cost about 40 ns per park and per run from then on. Goroutine counts by state come from
 * one pass over the live goroutines, not one instant, so under load their sum may differ from
 * {@link #GOROUTINES} by the goroutines that started or ended meanwhile.
 * <p>The same numbers are a JMX MBean, {@code dev.gort:type=Runtime} ({@link GortRuntimeMXBean}),
 * registered by {@link #registerMBean} or at start-up with {@code -Dgort.jmx=true}, and a Micrometer
 * {@code MeterBinder} in the optional module {@code gort-micrometer}.
 */
public final class Metrics {
    private Metrics() {}

    /** Live goroutines, as {@code Go.numGoroutine()}. */
    public static final String GOROUTINES = "/sched/goroutines:goroutines";
    /** Goroutines runnable: queued, or created and not yet started. */
    public static final String GOROUTINES_RUNNABLE = "/sched/goroutines/runnable:goroutines";
    /** Goroutines running on an M. */
    public static final String GOROUTINES_RUNNING = "/sched/goroutines/running:goroutines";
    /** Goroutines parked (channels, locks, sleep, JDK code). */
    public static final String GOROUTINES_WAITING = "/sched/goroutines/waiting:goroutines";
    /** Goroutines in {@code Go.syscall}. */
    public static final String GOROUTINES_NOT_IN_GO = "/sched/goroutines/not-in-go:goroutines";
    /** Goroutines created since start-up (cumulative). */
    public static final String GOROUTINES_CREATED = "/sched/goroutines-created:goroutines";
    /** Ms: the carrier threads gort has started (not every JVM thread). */
    public static final String THREADS = "/sched/threads/total:threads";
    /** GOMAXPROCS. */
    public static final String GOMAXPROCS = "/sched/gomaxprocs:threads";
    /** How long goroutines waited runnable before running, seconds (a histogram). */
    public static final String LATENCIES = "/sched/latencies:seconds";
    /** Prefix of the blocked-time metrics, one per wait reason: {@code /gort/sched/blocked/chan-receive:seconds}. */
    public static final String BLOCKED_PREFIX = "/gort/sched/blocked/";

    private static final List<Description> ALL;
    private static final double[] BUCKETS;

    static {
        List<Description> d = new ArrayList<>();
        d.add(new Description(GOROUTINES, "Count of live goroutines.", Kind.UINT64, false));
        d.add(new Description(GOROUTINES_CREATED, "Count of goroutines created since program start.", Kind.UINT64, true));
        d.add(new Description(GOROUTINES_NOT_IN_GO, "Approximate count of goroutines in a system call (Go.syscall).", Kind.UINT64, false));
        d.add(new Description(GOROUTINES_RUNNABLE, "Approximate count of goroutines ready to run but not running.", Kind.UINT64, false));
        d.add(new Description(GOROUTINES_RUNNING, "Approximate count of goroutines running.", Kind.UINT64, false));
        d.add(new Description(GOROUTINES_WAITING, "Approximate count of goroutines parked.", Kind.UINT64, false));
        d.add(new Description(GOMAXPROCS, "The current GOMAXPROCS setting: the number of Ps.", Kind.UINT64, false));
        d.add(new Description(LATENCIES, "Distribution of the time goroutines have spent runnable before running, "
                + "since metrics were first requested.", Kind.FLOAT64_HISTOGRAM, true));
        d.add(new Description(THREADS, "The number of Ms (carrier threads) gort has created.", Kind.UINT64, false));
        for (WaitReason r : WaitReason.values()) {
            if (r != WaitReason.JDK_PARK) {
                d.add(new Description(blockedName(r), "Time goroutines spent parked for wait reason \"" + r.goName
                        + "\", since metrics were first requested.", Kind.FLOAT64, true));
            }
        }
        ALL = Collections.unmodifiableList(d);
        BUCKETS = new double[Linkname.NBUCKETS + 1];
        for (int i = 0; i < Linkname.NBUCKETS; i++) {
            BUCKETS[i] = Linkname.bucketLowNanos(i) / 1e9;
        }
        BUCKETS[Linkname.NBUCKETS] = Double.POSITIVE_INFINITY;
    }

    /** The blocked-time metric of a wait reason, e.g. {@code /gort/sched/blocked/sync.Mutex.Lock:seconds}. */
    static String blockedName(WaitReason r) {
        return BLOCKED_PREFIX + r.goName.replace(' ', '-').replace("(", "").replace(")", "") + ":seconds";
    }

    /** Every metric gort has, in name order within each group; Go's {@code metrics.All}. */
    public static List<Description> all() {
        return ALL;
    }

    /** Every metric's current value, in {@link #all()}'s order. Turns the accumulating metrics on. */
    public static List<Sample> read() {
        Linkname.enableMetrics();
        long[] st = Linkname.goroutinesByStatus();
        List<Sample> out = new ArrayList<>(ALL.size());
        out.add(Sample.uint64(GOROUTINES, dev.gort.Go.numGoroutine()));
        out.add(Sample.uint64(GOROUTINES_CREATED, Linkname.goroutinesCreated()));
        out.add(Sample.uint64(GOROUTINES_NOT_IN_GO, st[GStatus.SYSCALL.ordinal()]));
        out.add(Sample.uint64(GOROUTINES_RUNNABLE, st[GStatus.RUNNABLE.ordinal()] + st[GStatus.IDLE.ordinal()]));
        out.add(Sample.uint64(GOROUTINES_RUNNING, st[GStatus.RUNNING.ordinal()]));
        out.add(Sample.uint64(GOROUTINES_WAITING, st[GStatus.WAITING.ordinal()]));
        out.add(Sample.uint64(GOMAXPROCS, Linkname.startedGomaxprocs()));
        out.add(new Sample(LATENCIES, Kind.FLOAT64_HISTOGRAM, 0, 0,
                new Histogram(Linkname.latencyCounts(), BUCKETS.clone())));
        out.add(Sample.uint64(THREADS, Linkname.threads()));
        for (WaitReason r : WaitReason.values()) {
            if (r != WaitReason.JDK_PARK) {
                out.add(Sample.float64(blockedName(r), Linkname.blockedNanos(r) / 1e9));
            }
        }
        return out;
    }

    /**
     * One metric's current value.
     * @throws IllegalArgumentException if gort has no metric of that name (see {@link #all()})
     */
    public static Sample read(String name) {
        for (Sample s : read()) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("metrics: no metric named \"" + name + "\" (Metrics.all() lists them)");
    }

    /** The scalar metrics by name (a histogram's value is its sample count), for dashboards and JMX. */
    public static Map<String, Double> readScalars() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (Sample s : read()) {
            m.put(s.name(), s.asDouble());
        }
        return m;
    }

    /** The MBean's name. */
    public static final String MBEAN_NAME = "dev.gort:type=Runtime";

    /**
     * Registers {@link GortRuntimeMXBean} as {@code dev.gort:type=Runtime} in the platform MBean
     * server (JConsole, JMC, VisualVM, jcmd and JMX exporters see it). Idempotent. Turns the
     * accumulating metrics on.
     * @throws IllegalStateException if the MBean server refuses it
     */
    public static ObjectName registerMBean() {
        Linkname.enableMetrics();
        try {
            ObjectName n = new ObjectName(MBEAN_NAME);
            var server = ManagementFactory.getPlatformMBeanServer();
            if (!server.isRegistered(n)) {
                try {
                    server.registerMBean(new GortRuntime(), n);
                } catch (InstanceAlreadyExistsException raced) {
                    // another thread registered it first
                }
            }
            return n;
        } catch (JMException e) {
            throw new IllegalStateException("metrics: cannot register " + MBEAN_NAME + ": " + e, e);
        }
    }
}
