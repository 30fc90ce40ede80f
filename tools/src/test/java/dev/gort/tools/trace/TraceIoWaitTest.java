package dev.gort.tools.trace;

import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.time.Time;
import dev.gort.trace.format.TraceFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A goroutine blocked reading a socket is traced as Go's dumps show it, in "IO wait" (not
 * "jdk park"), and the viewer's model counts its blocked time under that reason.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TraceIoWaitTest {
    @Test
    void aGoroutineBlockedReadingASocketIsTracedInIoWait(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("io.trace");
        Go.startTrace(file);
        long reader;
        try {
            reader = readerBlockedOnASocket(() -> { });
        } finally {
            Go.stopTrace();
        }
        TraceFile f = TraceFile.read(file);
        List<String> blocks = blocks(f, reader);
        assertTrue(blocks.contains("IO wait"), "the reader's blocks: " + blocks); // woken by the poller
        assertFalse(blocks.contains("jdk park"), "the reader's blocks: " + blocks);

        TraceModel m = TraceModel.of(f);
        assertEquals(List.of(), m.problems());
        TraceModel.Goroutine g = m.goroutines().get(reader);
        assertNotNull(g, "the reader is not in the model");
        assertTrue(g.blocked.getOrDefault("IO wait", 0L) > 0, "the reader's blocked time: " + g.blocked);
    }

    /**
     * Runs a program whose second goroutine reads a loopback socket; once it waits (its read's
     * park in the JDK's poller is its only wait), runs whileBlocked and then sends it a byte.
     * Returns the reader's goid.
     */
    private static long readerBlockedOnASocket(Runnable whileBlocked) {
        AtomicLong reader = new AtomicLong(-1);
        AtomicReference<Thread> readerThread = new AtomicReference<>();
        AtomicInteger got = new AtomicInteger(-2);
        Go.run(() -> {
            try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                 Socket client = new Socket(InetAddress.getLoopbackAddress(), ss.getLocalPort());
                 Socket server = ss.accept()) {
                Chan<Boolean> done = Chan.make();
                Go.go(() -> {
                    reader.set(Go.goid());
                    readerThread.set(Thread.currentThread());
                    try {
                        got.set(server.getInputStream().read()); // nothing sent yet: parks in the JDK's poller
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    done.send(true);
                });
                // Thread.getState, not a dump: reading a runnable goroutine's stack makes the JDK
                // resubmit it, which the trace would show.
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (readerThread.get() == null || readerThread.get().getState() != Thread.State.WAITING) {
                    assertTrue(System.nanoTime() < deadline, "the reader never parked:\n" + Go.stack(true));
                    Time.sleep(Duration.ofMillis(1));
                }
                whileBlocked.run();
                client.getOutputStream().write(42);
                done.recv();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertEquals(42, got.get());
        return reader.get();
    }

    /** The wait reasons of goroutine g's GO_BLOCK events, in order. */
    private static List<String> blocks(TraceFile f, long g) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < f.size(); i++) {
            if (f.type()[i] == TraceFile.GO_BLOCK && f.a()[i] == g) {
                out.add(f.reasons().get(f.extra()[i]));
            }
        }
        return out;
    }
}
