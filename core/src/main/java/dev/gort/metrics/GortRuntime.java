package dev.gort.metrics;

import dev.gort.Go;
import dev.gort.runtime.Linkname;
import dev.gort.runtime.WaitReason;

import java.util.LinkedHashMap;
import java.util.Map;

/** The MXBean behind {@code dev.gort:type=Runtime}. */
final class GortRuntime implements GortRuntimeMXBean {
    /**
     * -Dgort.jmx=true: the runtime registers the MBean as it starts through this service
     * (module-info's provides; META-INF/services on the class path), as it may not import this
     * package. Public, as ServiceLoader instantiates it; nested in a package-private class, so
     * that it is not API.
     */
    public static final class AtStart implements Linkname.JmxHook {
        /** Made by ServiceLoader. */
        public AtStart() {}

        @Override
        public void registerMBean() {
            Metrics.registerMBean();
        }
    }

    private static long uint(String name) {
        return Metrics.read(name).uint64();
    }

    @Override
    public long getGoroutines() {
        return Go.numGoroutine();
    }

    @Override
    public long getGoroutinesRunnable() {
        return uint(Metrics.GOROUTINES_RUNNABLE);
    }

    @Override
    public long getGoroutinesRunning() {
        return uint(Metrics.GOROUTINES_RUNNING);
    }

    @Override
    public long getGoroutinesWaiting() {
        return uint(Metrics.GOROUTINES_WAITING);
    }

    @Override
    public long getGoroutinesInSyscall() {
        return uint(Metrics.GOROUTINES_NOT_IN_GO);
    }

    @Override
    public long getGoroutinesCreated() {
        return Linkname.goroutinesCreated();
    }

    @Override
    public long getThreads() {
        return Linkname.threads();
    }

    @Override
    public int getGomaxprocs() {
        return Go.gomaxprocs(0);
    }

    @Override
    public void setGomaxprocs(int n) {
        if (n >= 1) {
            Go.gomaxprocs(n);
        }
    }

    @Override
    public double getSchedLatencyP50Seconds() {
        return Metrics.read(Metrics.LATENCIES).histogram().quantile(0.5);
    }

    @Override
    public double getSchedLatencyP99Seconds() {
        return Metrics.read(Metrics.LATENCIES).histogram().quantile(0.99);
    }

    @Override
    public Map<String, Double> getBlockedSeconds() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (WaitReason r : WaitReason.values()) {
            if (r != WaitReason.JDK_PARK) {
                m.put(r.goName, Linkname.blockedNanos(r) / 1e9);
            }
        }
        return m;
    }

    @Override
    public Map<String, Double> getMetrics() {
        return Metrics.readScalars();
    }

    @Override
    public String goroutineDump() {
        return Go.stack(true);
    }
}
