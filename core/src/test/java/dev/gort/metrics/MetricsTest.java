package dev.gort.metrics;

import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.testing.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.TabularData;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** dev.gort.metrics against the runtime's own counts, under load, and through JMX. */
@Timeout(60)
class MetricsTest {
    static final int PARKED = 200, BUSY = 3;

    @Test
    void metricsAgreeWithNumGoroutineAndSchedtraceUnderLoad() throws Exception {
        Go.run(() -> {
            Chan<Integer> release = Chan.make();
            Chan<Integer> parked = Chan.make(PARKED);
            AtomicBoolean stop = new AtomicBoolean();
            Chan<Integer> busyDone = Chan.make(BUSY);
            for (int i = 0; i < PARKED; i++) {
                Go.go(() -> {
                    parked.send(1);
                    release.recv();
                });
            }
            for (int i = 0; i < PARKED; i++) {
                parked.recv();
            }
            for (int i = 0; i < BUSY; i++) { // the load: busy goroutines with safe points
                Go.go(() -> {
                    while (!stop.get()) {
                        Go.checkPreempt();
                    }
                    busyDone.send(1);
                });
            }
            Metrics.read(); // accounting on from here
            // A goroutine whose send went into the buffer is runnable until it parks in release.recv:
            // wait (bounded) until all of them are parked. Nothing wakes them before the release.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (byName(Metrics.read()).get(Metrics.GOROUTINES_WAITING).uint64() < PARKED) {
                assertTrue(System.nanoTime() < deadline, "the parked goroutines never all parked: " + Go.schedtrace(true));
                Go.gosched();
            }

            // no goroutine starts or ends while we compare: the population is fixed
            for (int round = 0; round < 20; round++) {
                String before = Go.schedtrace(false);
                Map<String, Sample> m = byName(Metrics.read());
                int live = Go.numGoroutine();
                String after = Go.schedtrace(false);
                assertEquals(live, m.get(Metrics.GOROUTINES).uint64());
                assertEquals(1 + PARKED + BUSY, live);
                long states = m.get(Metrics.GOROUTINES_RUNNABLE).uint64() + m.get(Metrics.GOROUTINES_RUNNING).uint64()
                        + m.get(Metrics.GOROUTINES_WAITING).uint64() + m.get(Metrics.GOROUTINES_NOT_IN_GO).uint64();
                assertEquals(live, states, m.toString());
                assertTrue(m.get(Metrics.GOROUTINES_WAITING).uint64() >= PARKED, m.toString());
                assertTrue(m.get(Metrics.GOROUTINES_RUNNING).uint64() >= 1, m.toString()); // this one
                assertTrue(m.get(Metrics.GOROUTINES_CREATED).uint64() >= live, m.toString());
                assertEquals(field(before, "gomaxprocs"), m.get(Metrics.GOMAXPROCS).uint64(), before);
                if (field(before, "threads") == field(after, "threads")) {
                    assertEquals(field(before, "threads"), m.get(Metrics.THREADS).uint64(), before + after);
                }
                Go.gosched();
            }
            stop.set(true);
            for (int i = 0; i < BUSY; i++) {
                busyDone.recv();
            }
            for (int i = 0; i < PARKED; i++) {
                release.send(1);
            }
        });
        Map<String, Sample> m = byName(Metrics.read());
        Histogram lat = m.get(Metrics.LATENCIES).histogram();
        assertTrue(lat.count() > 0, "no scheduling-latency samples: " + lat);
        assertTrue(lat.quantile(0.5) > 0 && lat.quantile(0.5) <= lat.quantile(0.99), lat.toString());
        double chanRecv = m.get(Metrics.BLOCKED_PREFIX + "chan-receive:seconds").float64();
        assertTrue(chanRecv > 0, "no blocked time on chan receive: " + m);
    }

    @Test
    void everyDescribedMetricIsReadAndUnknownNamesAreRefused() {
        List<Description> all = Metrics.all();
        List<Sample> read = Metrics.read();
        assertEquals(all.size(), read.size());
        for (int i = 0; i < all.size(); i++) {
            assertEquals(all.get(i).name(), read.get(i).name());
            assertEquals(all.get(i).kind(), read.get(i).kind());
        }
        assertTrue(all.stream().anyMatch(d -> d.name().equals("/gort/sched/blocked/sync.Mutex.Lock:seconds")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Metrics.read("/sched/nope:x"));
        assertTrue(e.getMessage().contains("/sched/nope:x"), e.getMessage());
    }

    /** -Dgort.jmx=true registers the MBean as the runtime starts, found as a service (design.md, "The house"). */
    @Test
    void jmxPropertyRegistersTheMBeanAtStartUp() throws Exception {
        // the child runs on the class path (ChildJvm); on the module path ModulePathTest checks the service
        assumeFalse(Boolean.getBoolean("gort.modulePath"), "the module-path execution");
        ChildJvm.Result on = ChildJvm.run(true, List.of("-Dgort.jmx=true"), JmxAtStartProg.class.getName());
        assertEquals(0, on.exit(), on.toString());
        assertEquals("before start: false\nrunning: true, goroutines 1\n", on.stdout(), on.toString());
        assertFalse(on.stderr().contains("gort.jmx"), on.toString());
        ChildJvm.Result off = ChildJvm.run(true, List.of(), JmxAtStartProg.class.getName());
        assertEquals(0, off.exit(), off.toString());
        assertEquals("before start: false\nrunning: false\n", off.stdout(), off.toString());
    }

    @Test
    void theMBeanShowsTheSameNumbers() throws Exception {
        ObjectName n = Metrics.registerMBean();
        assertEquals(n, Metrics.registerMBean()); // idempotent
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        assertEquals(new ObjectName("dev.gort:type=Runtime"), n);
        Go.run(() -> {
            Chan<Integer> c = Chan.make();
            for (int i = 0; i < 10; i++) {
                Go.go(c::recv);
            }
            // started goroutines are runnable until they park in recv (at GOMAXPROCS 1, until main yields)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Go.stack(true).contains("[chan receive]")) {
                assertTrue(System.nanoTime() < deadline, "no goroutine parked in recv");
                Go.gosched();
            }
            try {
                assertEquals((long) Go.numGoroutine(), server.getAttribute(n, "Goroutines"));
                assertEquals(Go.gomaxprocs(0), server.getAttribute(n, "Gomaxprocs"));
                TabularData all = (TabularData) server.getAttribute(n, "Metrics");
                assertFalse(all.isEmpty());
                String dump = (String) server.invoke(n, "goroutineDump", null, null);
                assertTrue(dump.contains("[chan receive]"), dump);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            for (int i = 0; i < 10; i++) {
                c.send(i);
            }
        });
    }

    private static Map<String, Sample> byName(List<Sample> ss) {
        Map<String, Sample> m = new HashMap<>();
        ss.forEach(s -> m.put(s.name(), s));
        return m;
    }

    private static long field(String schedtrace, String name) {
        Matcher mt = Pattern.compile(" " + name + "=(\\d+)").matcher(schedtrace);
        assertTrue(mt.find(), name + " not in " + schedtrace);
        return Long.parseLong(mt.group(1));
    }
}
