package dev.gort.metrics;

import dev.gort.Go;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;

/**
 * For MetricsTest: whether dev.gort:type=Runtime is registered before the runtime starts and once
 * it has (this program never touches dev.gort.metrics itself, so only -Dgort.jmx=true can have
 * registered it).
 */
public final class JmxAtStartProg {
    public static void main(String[] args) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName n = new ObjectName("dev.gort:type=Runtime");
        System.out.println("before start: " + server.isRegistered(n));
        Go.run(() -> {
            try {
                System.out.println("running: " + server.isRegistered(n)
                        + (server.isRegistered(n) ? ", goroutines " + server.getAttribute(n, "Goroutines") : ""));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }
}
