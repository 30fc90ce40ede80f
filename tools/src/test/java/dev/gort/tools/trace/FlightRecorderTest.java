package dev.gort.tools.trace;

import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.context.Context;
import dev.gort.trace.FlightRecorder;
import dev.gort.testprog.FlightRecorderDeadlockProg;
import dev.gort.trace.Trace;
import dev.gort.trace.format.TraceFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The flight recorder (Go 1.25's trace.FlightRecorder) and its snapshot on a deadlock. */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FlightRecorderTest {
    @Test
    void aDeadlockLeavesATraceWhoseLastEventsShowTheGoroutinesParking(@TempDir Path dir) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Dgort.flightrecorder=" + dir,
                "-cp", System.getProperty("java.class.path"), FlightRecorderDeadlockProg.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains("fatal error: all goroutines are asleep - deadlock!"), out);
        Path trace;
        try (Stream<Path> fs = Files.list(dir)) {
            trace = fs.filter(f -> f.getFileName().toString().matches("gort-\\d+-deadlock-1\\.trace")).findFirst()
                    .orElseThrow(() -> new AssertionError("no snapshot in " + dir + ": " + out));
        }
        assertTrue(out.contains("gort: flight recorder trace written to " + trace), out);

        TraceFile f = TraceFile.read(trace);
        TraceModel m = TraceModel.of(f);
        assertEquals(List.of(), m.problems());
        // each goroutine's last event: main parked in WaitGroup.await, the three workers in stuck()
        Map<Long, Integer> last = new HashMap<>();
        for (int i = 0; i < f.size(); i++) {
            if (f.type()[i] != TraceFile.GOMAXPROCS && f.type()[i] != TraceFile.PROC_START
                    && f.type()[i] != TraceFile.PROC_STOP && f.type()[i] != TraceFile.STEAL) {
                last.put(f.a()[i], i);
            }
        }
        int workers = 0, mains = 0;
        for (TraceModel.Goroutine g : m.goroutines().values()) {
            if (g.ended >= 0) {
                continue;
            }
            int i = last.get(g.goid);
            assertEquals(TraceFile.GO_BLOCK, f.type()[i], "G" + g.goid + "'s last event: " + f.describe(i));
            String reason = f.reasons().get(f.extra()[i]);
            String stack = m.string((int) f.b()[i] - 1);
            assertNotNull(stack, "G" + g.goid + "'s park has no stack: " + f.describe(i));
            if (reason.equals("chan receive")) {
                assertTrue(stack.startsWith(FlightRecorderDeadlockProg.class.getName() + ".stuck("), stack);
                assertTrue(g.label.contains("FlightRecorderDeadlockProg.lambda$main$") && g.label.contains("via WaitGroup.go"), g.label);
                workers++;
            } else {
                assertEquals("sync.WaitGroup.Wait", reason, f.describe(i));
                assertTrue(stack.contains("dev.gort.sync.WaitGroup.await("), stack);
                mains++;
            }
        }
        assertEquals(3, workers);
        assertEquals(1, mains);
    }

    @Test
    void aPanicThatEndsARunLeavesATrace(@TempDir Path dir) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Dgort.flightrecorder=" + dir,
                "-cp", System.getProperty("java.class.path"), FlightRecorderDeadlockProg.class.getName(), "panic")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(3, p.exitValue(), out);
        assertTrue(out.contains("panic: java.lang.IllegalStateException: boom"), out);
        Path trace;
        try (Stream<Path> fs = Files.list(dir)) {
            trace = fs.filter(f -> f.getFileName().toString().matches("gort-\\d+-panic-1\\.trace")).findFirst()
                    .orElseThrow(() -> new AssertionError("no snapshot in " + dir + ": " + out));
        }
        assertTrue(out.contains("gort: flight recorder trace written to " + trace), out);
        TraceModel m = TraceFiles.read(trace);
        assertEquals(List.of(), m.problems());
        assertTrue(m.goroutines().size() >= 2, m.goroutines().keySet().toString());
    }

    @Test
    void writeToSnapshotsTheRingWhileItRuns(@TempDir Path dir) throws Exception {
        FlightRecorder fr = new FlightRecorder(Duration.ofSeconds(5), 8 << 20);
        fr.start();
        try {
            assertTrue(fr.enabled());
            assertThrows(IllegalStateException.class, () -> Go.startTrace(dir.resolve("x.trace")));
            assertThrows(IllegalStateException.class, fr::start);
            Go.run(() -> {
                try (Trace.Task t = Trace.task(Context.background(), "batch")) {
                    Chan<Integer> c = Chan.make();
                    Go.go(() -> {
                        try (Trace.Region r = Trace.region(t.context(), "produce")) {
                            c.send(1);
                        }
                    });
                    Trace.log(t.context(), "got", Integer.toString(c.recv()));
                }
            });
            Path one = fr.writeTo(dir.resolve("one.trace"));
            Go.run(() -> Go.go(() -> { }));
            Path two = fr.writeTo(dir.resolve("two.trace"));
            TraceModel m1 = TraceFiles.read(one), m2 = TraceFiles.read(two);
            assertEquals(List.of(), m1.problems());
            assertEquals(List.of(), m2.problems());
            assertTrue(m2.file().size() > m1.file().size(), "the ring kept recording after the first snapshot");
            assertEquals("batch", m1.tasks().values().iterator().next().name());
            assertTrue(m1.regions().stream().anyMatch(r -> r.name().equals("produce") && r.task() != 0), m1.regions().toString());
            assertTrue(m1.logs().stream().anyMatch(l -> l.category().equals("got") && l.message().equals("1")), m1.logs().toString());
        } finally {
            fr.stop();
        }
        assertFalse(fr.enabled());
        assertThrows(IllegalStateException.class, () -> fr.writeTo(dir.resolve("off.trace")));
    }

    @Test
    void theRingKeepsTheNewestEventsWithinItsBudget(@TempDir Path dir) throws Exception {
        FlightRecorder fr = new FlightRecorder(Duration.ofMillis(1), 1); // the smallest ring: 2 chunks a buffer
        fr.start();
        try {
            Go.run(() -> {
                Chan<Integer> c = Chan.make();
                Go.go(() -> {
                    for (int i = 0; i < 20_000; i++) {
                        c.send(i);
                    }
                    c.close();
                });
                for (int v : c) {
                    assertTrue(v >= 0);
                }
            });
            TraceModel m = TraceFiles.read(fr.writeTo(dir.resolve("ring.trace")));
            assertTrue(m.file().size() < 20_000, "the ring dropped old events: " + m.file().size());
            assertTrue(m.file().size() > 100, "the ring kept the newest events: " + m.file().size());
            assertEquals(List.of(), m.problems());
        } finally {
            fr.stop();
        }
    }
}
