package dev.gort.tools;

import dev.gort.Go;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.*;

/** {@code gort trace FILE [-o OUT.html] [--chrome OUT.json]}. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TraceCommandTest {
    @Test
    void writesTheViewerAndTheChromeJson(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("t.trace");
        Go.startTrace(trace);
        Go.run(() -> {
            CountDownLatch l = new CountDownLatch(1);
            Go.go(l::countDown);
            try {
                l.await();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        assertEquals(trace, Go.stopTrace());
        Path html = dir.resolve("out/v.html");
        Path json = dir.resolve("v.json");
        int rc = new CommandLine(new GortCli()).execute("trace", trace.toString(), "-o", html.toString(), "--chrome", json.toString());
        assertEquals(0, rc);
        assertTrue(Files.readString(html).contains("gort-trace-data"));
        assertTrue(Files.readString(json).startsWith("{\"displayTimeUnit\""));
    }

    @Test
    void systemPropertyTracesTheWholeRunAndWritesAtExit(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("exit.trace");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Dgort.trace=" + trace,
                "-cp", System.getProperty("java.class.path"), "dev.gort.tools.trace.TraceAtExitProg")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("gort: trace written to " + trace), out);
        dev.gort.tools.trace.TraceModel m = dev.gort.tools.trace.TraceFiles.read(trace);
        assertEquals(java.util.List.of(), m.problems());
        assertTrue(m.goroutines().size() > 10, "the workload's goroutines: " + m.goroutines().size());
    }

    @Test
    void defaultOutputAndErrors(@TempDir Path dir) throws Exception {
        Path bogus = dir.resolve("bogus.trace");
        Files.writeString(bogus, "not a trace");
        CommandLine cli = new CommandLine(new GortCli());
        assertNotEquals(0, cli.execute("trace", bogus.toString()));
        assertEquals(1, cli.execute("trace", dir.resolve("missing.trace").toString()));
        assertThrows(IllegalStateException.class, Go::stopTrace, "stopTrace without a trace");
        Path t = dir.resolve("x.trace");
        Go.startTrace(t);
        try {
            assertThrows(IllegalStateException.class, () -> Go.startTrace(dir.resolve("y.trace")), "a second trace");
        } finally {
            Go.stopTrace();
        }
        assertEquals(0, cli.execute("trace", t.toString()));
        assertTrue(Files.exists(dir.resolve("x.trace.html")));
    }
}
