package dev.gort.micrometer;

import dev.gort.Go;
import dev.gort.chan.Chan;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(60)
class GortMetricsTest {
    @Test
    void metersFollowTheRuntime() throws Exception {
        MeterRegistry reg = new SimpleMeterRegistry();
        new GortMetrics().bindTo(reg);
        Go.run(() -> {
            Chan<Integer> c = Chan.make(), started = Chan.make(20);
            for (int i = 0; i < 20; i++) {
                Go.go(() -> {
                    started.send(1);
                    c.recv();
                });
            }
            for (int i = 0; i < 20; i++) {
                started.recv();
            }
            // each started goroutine parks in c.recv() some time after its send: read the gauges
            // (past the binder's 100 ms snapshot each time) until all 20 show as waiting
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            double waiting;
            do {
                try {
                    Thread.sleep(150);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                waiting = reg.get("gort.sched.goroutines.state").tag("state", "waiting").gauge().value();
            } while (waiting < 20 && System.nanoTime() < deadline);
            assertTrue(waiting >= 20, "goroutines waiting: " + waiting);
            assertEquals(Go.numGoroutine(), reg.get("gort.sched.goroutines").gauge().value());
            assertEquals(Go.gomaxprocs(0), reg.get("gort.sched.gomaxprocs").gauge().value());
            for (int i = 0; i < 20; i++) {
                c.send(i);
            }
        });
        Thread.sleep(150);
        assertTrue(reg.get("gort.sched.goroutines.created").functionCounter().count() >= 21);
        assertTrue(reg.get("gort.sched.blocked").tag("reason", "chan receive").functionCounter().count() > 0);
        assertTrue(reg.get("gort.sched.latency.count").functionCounter().count() > 0);
        assertTrue(reg.get("gort.sched.latency").tag("quantile", "0.99").timeGauge().value(TimeUnit.SECONDS) > 0);
        assertEquals("chan receive", GortMetrics.reasonOf("/gort/sched/blocked/chan-receive:seconds"));
    }
}
