package dev.gort;

import dev.gort.chan.Chan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.util.concurrent.TimeUnit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/** A goroutine's virtual thread is named goroutine-N (plus its label), in code and in thread dumps. */
@Timeout(60)
class ThreadNamesTest {
    @Test
    void goroutinesAreNamedByGoidAndLabel(@TempDir Path dir) throws Exception {
        AtomicReference<String> plain = new AtomicReference<>(), labelled = new AtomicReference<>(),
                relabelled = new AtomicReference<>();
        AtomicReference<Long> workerGoid = new AtomicReference<>();
        Go.run(() -> {
            plain.set(Thread.currentThread().getName() + " " + Go.goid());
            Chan<Integer> hold = Chan.make(), ready = Chan.make();
            Go.go("order-worker", () -> {
                labelled.set(Thread.currentThread().getName() + "|" + Go.label());
                workerGoid.set(Go.goid());
                ready.send(1);
                hold.recv();
            });
            ready.recv();
            try { // the JDK's own tool: jcmd PID Thread.dump_to_file FILE
                Path dump = dir.resolve("threads.txt");
                Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                        Long.toString(ProcessHandle.current().pid()), "Thread.dump_to_file", dump.toString())
                        .redirectErrorStream(true).start();
                assertTrue(jcmd.waitFor(30, TimeUnit.SECONDS), "jcmd did not finish");
                String out = new String(jcmd.getInputStream().readAllBytes());
                assertEquals(0, jcmd.exitValue(), out);
                String text = Files.readString(dump);
                assertTrue(text.contains("\"goroutine-" + workerGoid.get() + " order-worker\""), text);
                assertTrue(text.contains("\"goroutine-" + Go.goid() + "\""), text);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            hold.send(1);
            Go.setLabel("main-loop");
            relabelled.set(Thread.currentThread().getName());
            Go.setLabel(null);
        });
        String[] p = plain.get().split(" ");
        assertEquals("goroutine-" + p[1], p[0]);
        assertEquals("goroutine-" + workerGoid.get() + " order-worker|order-worker", labelled.get());
        assertEquals("goroutine-" + p[1] + " main-loop", relabelled.get());
        assertThrows(IllegalStateException.class, () -> Go.setLabel("x"));
        assertThrows(NullPointerException.class, () -> Go.go(null, () -> { }));
        assertNull(Go.label());
    }

    /**
     * Goroutines start in gort's own thread container (VThreads' essay), which the JDK's thread
     * dumper lists: each goroutine appears once, under the container "gort", not the root's.
     */
    @Test
    void goroutinesAreDumpedInGortsContainer(@TempDir Path dir) throws Exception {
        AtomicReference<String> json = new AtomicReference<>();
        AtomicReference<Long> workerGoid = new AtomicReference<>();
        Go.run(() -> {
            Chan<Integer> hold = Chan.make(), ready = Chan.make();
            Go.go("container-worker", () -> {
                workerGoid.set(Go.goid());
                ready.send(1);
                hold.recv();
            });
            ready.recv();
            try { // jcmd PID Thread.dump_to_file -format=json FILE
                Path dump = dir.resolve("threads.json");
                Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                        Long.toString(ProcessHandle.current().pid()), "Thread.dump_to_file", "-format=json", dump.toString())
                        .redirectErrorStream(true).start();
                assertTrue(jcmd.waitFor(30, TimeUnit.SECONDS), "jcmd did not finish");
                String out = new String(jcmd.getInputStream().readAllBytes());
                assertEquals(0, jcmd.exitValue(), out);
                json.set(Files.readString(dump));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            hold.send(1);
        });
        String d = json.get();
        String name = "\"goroutine-" + workerGoid.get() + " container-worker\"";
        int at = d.indexOf(name);
        assertTrue(at >= 0 && d.indexOf(name, at + 1) < 0, "the goroutine should be dumped once:\n" + d);
        java.util.regex.Matcher c = java.util.regex.Pattern.compile("\"container\": ?\"([^\"]*)\"").matcher(d);
        String owner = null;
        while (c.find() && c.start() < at) {
            owner = c.group(1);
        }
        assertNotNull(owner, d);
        assertTrue(owner.startsWith("gort"), "dumped in container " + owner + ", not gort's:\n" + d);
    }
}
