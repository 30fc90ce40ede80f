package dev.gort.micrometer;

import dev.gort.metrics.Histogram;
import dev.gort.metrics.Metrics;
import dev.gort.metrics.Sample;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * gort's scheduler metrics ({@link Metrics}) as Micrometer meters:
 * <pre>{@code
 * new GortMetrics().bindTo(registry);
 * }</pre>
 * <table>
 * <caption>Meters</caption>
 * <tr><th>meter</th><th>type</th><th>Go's metric</th></tr>
 * <tr><td>{@code gort.sched.goroutines}</td><td>gauge</td><td>/sched/goroutines:goroutines</td></tr>
 * <tr><td>{@code gort.sched.goroutines.state{state=runnable|running|waiting|not-in-go}}</td><td>gauge</td><td>/sched/goroutines/STATE:goroutines</td></tr>
 * <tr><td>{@code gort.sched.goroutines.created}</td><td>function counter</td><td>/sched/goroutines-created:goroutines</td></tr>
 * <tr><td>{@code gort.sched.threads}</td><td>gauge</td><td>/sched/threads/total:threads</td></tr>
 * <tr><td>{@code gort.sched.gomaxprocs}</td><td>gauge</td><td>/sched/gomaxprocs:threads</td></tr>
 * <tr><td>{@code gort.sched.latency{quantile=0.5|0.99}}</td><td>time gauge</td><td>/sched/latencies:seconds (upper bounds of the quantiles)</td></tr>
 * <tr><td>{@code gort.sched.latency.count}</td><td>function counter</td><td>/sched/latencies:seconds (samples)</td></tr>
 * <tr><td>{@code gort.sched.blocked{reason=chan receive|...}}</td><td>function counter, seconds</td><td>/gort/sched/blocked/REASON:seconds</td></tr>
 * </table>
 * One scrape reads the runtime once: meters share a snapshot at most 100 ms old. Binding turns
 * the runtime's latency and blocked-time accounting on (see {@link Metrics}).
 */
public final class GortMetrics implements MeterBinder {
    private static final long MAX_AGE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private final Iterable<Tag> tags;
    private Map<String, Sample> snapshot = Map.of();
    private long snapshotAt;

    /** A binder with no extra tags. */
    public GortMetrics() {
        this(Tags.empty());
    }

    /** A binder that adds tags to every meter. */
    public GortMetrics(Iterable<Tag> tags) {
        this.tags = tags;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Metrics.read(); // accounting on
        gauge(registry, "gort.sched.goroutines", Metrics.GOROUTINES, Tags.empty(), "Live goroutines");
        gauge(registry, "gort.sched.goroutines.state", Metrics.GOROUTINES_RUNNABLE, Tags.of("state", "runnable"), "Goroutines runnable");
        gauge(registry, "gort.sched.goroutines.state", Metrics.GOROUTINES_RUNNING, Tags.of("state", "running"), "Goroutines running");
        gauge(registry, "gort.sched.goroutines.state", Metrics.GOROUTINES_WAITING, Tags.of("state", "waiting"), "Goroutines parked");
        gauge(registry, "gort.sched.goroutines.state", Metrics.GOROUTINES_NOT_IN_GO, Tags.of("state", "not-in-go"), "Goroutines in Go.syscall");
        gauge(registry, "gort.sched.threads", Metrics.THREADS, Tags.empty(), "Ms (carrier threads) created");
        gauge(registry, "gort.sched.gomaxprocs", Metrics.GOMAXPROCS, Tags.empty(), "GOMAXPROCS");
        FunctionCounter.builder("gort.sched.goroutines.created", this, b -> b.value(Metrics.GOROUTINES_CREATED))
                .tags(tags).description("Goroutines created since start-up").register(registry);
        for (double q : new double[] {0.5, 0.99}) {
            TimeGauge.builder("gort.sched.latency", this, TimeUnit.SECONDS, b -> b.histogram().quantile(q))
                    .tags(tags).tag("quantile", Double.toString(q))
                    .description("Time goroutines waited runnable before running (upper bound of the quantile)")
                    .register(registry);
        }
        FunctionCounter.builder("gort.sched.latency.count", this, b -> b.histogram().count())
                .tags(tags).description("Scheduling-latency samples").register(registry);
        for (Sample s : Metrics.read()) {
            if (s.name().startsWith(Metrics.BLOCKED_PREFIX)) {
                String reason = reasonOf(s.name());
                FunctionCounter.builder("gort.sched.blocked", this, b -> b.value(s.name()))
                        .tags(tags).tag("reason", reason).baseUnit("seconds")
                        .description("Time goroutines spent parked, by Go's wait reason").register(registry);
            }
        }
    }

    private void gauge(MeterRegistry registry, String meter, String metric, Tags extra, String description) {
        Gauge.builder(meter, this, b -> b.value(metric)).tags(tags).tags(extra).description(description)
                .register(registry);
    }

    /** "/gort/sched/blocked/chan-receive:seconds" -> "chan receive". */
    static String reasonOf(String name) {
        return name.substring(Metrics.BLOCKED_PREFIX.length(), name.lastIndexOf(':')).replace('-', ' ');
    }

    private synchronized Map<String, Sample> read() {
        long now = System.nanoTime();
        if (snapshot.isEmpty() || now - snapshotAt > MAX_AGE_NANOS) {
            List<Sample> ss = Metrics.read();
            Map<String, Sample> m = new HashMap<>();
            ss.forEach(s -> m.put(s.name(), s));
            snapshot = m;
            snapshotAt = now;
        }
        return snapshot;
    }

    private double value(String metric) {
        return read().get(metric).asDouble();
    }

    private Histogram histogram() {
        return read().get(Metrics.LATENCIES).histogram();
    }
}
