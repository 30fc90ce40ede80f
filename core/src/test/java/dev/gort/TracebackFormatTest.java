package dev.gort;

import dev.gort.runtime.GStatus;
import dev.gort.runtime.TestChan;
import dev.gort.runtime.WaitReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Go.stack and panic reports against Go's traceback grammar (see Traceback's essay). */
@Timeout(30)
class TracebackFormatTest {
    /** Every state a header may show: Go's status names and wait reasons. */
    private static final String STATE = Stream.concat(Arrays.stream(GStatus.values()).map(s -> s.goName),
                    Arrays.stream(WaitReason.values()).map(r -> r.goName))
            .map(Pattern::quote).collect(Collectors.joining("|", "(?:", ")"));
    private static final String FRAME = "[^\\s(]+\\(\\.\\.\\.\\)\n\t[^\\s:]+:-?\\d+\n";
    private static final String BLOCK = "goroutine (\\d+) \\[(" + STATE + ")(?:, \\d+ minutes)?(?:, locked to thread)?\\]:\n"
            + "(?:" + FRAME + "|\\.\\.\\.\\d+ frames elided\\.\\.\\.\n)*"
            + "(?:created by [^\\s(]+(?: in goroutine \\d+)?\n\t[^\\s:]+:-?\\d+\n)?";
    /** Go's grammar for a whole runtime.Stack(all) dump: blocks separated by blank lines. */
    static final Pattern DUMP = Pattern.compile(BLOCK + "(?:\n" + BLOCK + ")*");

    /** Go's header for a goroutine locked to its thread: "[chan receive, locked to thread]". */
    @Test
    void aGoroutineLockedToItsThreadSaysSo() {
        AtomicReference<String> dump = new AtomicReference<>();
        Go.run(() -> {
            Go.lockOSThread();
            TestChan parked = new TestChan(), ready = new TestChan();
            Go.go(() -> {
                Go.lockOSThread();
                ready.send();
                parked.recv();
            });
            ready.recv();
            String d = Go.stack(true);
            for (long until = System.nanoTime() + 20_000_000_000L; !d.contains("[chan receive, locked to thread]") && System.nanoTime() < until; ) {
                Go.gosched(); // it may not have parked yet
                d = Go.stack(true);
            }
            dump.set(d);
            parked.send();
            Go.unlockOSThread();
        });
        String d = dump.get();
        assertTrue(DUMP.matcher(d).matches(), "not Go's grammar:\n" + d);
        assertTrue(d.matches("(?s)goroutine \\d+ \\[running, locked to thread\\]:\n.*"), d);
        assertTrue(d.contains("[chan receive, locked to thread]:\n"), d);
    }

    @Test
    void fullDumpFollowsGoGrammar() throws Exception {
        AtomicReference<String> dump = new AtomicReference<>();
        AtomicReference<Long> mainId = new AtomicReference<>();
        Go.run(() -> {
            mainId.set(Go.goid());
            TestChan c = new TestChan(), ready = new TestChan();
            CountDownLatch latch = new CountDownLatch(1);
            Go.go(() -> { ready.send(); c.recv(); });
            Go.go(() -> {
                ready.send();
                try {
                    latch.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            ready.recv();
            ready.recv();
            String d = Go.stack(true);
            for (long until = System.nanoTime() + 20_000_000_000L; !(d.contains("[chan receive]") && d.contains("[jdk park]")) && System.nanoTime() < until; ) {
                Go.gosched(); // the two may not have parked yet
                d = Go.stack(true);
            }
            dump.set(d);
            c.send();
            latch.countDown();
        });
        String d = dump.get();
        assertTrue(DUMP.matcher(d).matches(), "not Go's grammar:\n" + d);
        assertTrue(d.startsWith("goroutine " + mainId.get() + " [running]:\n"
                + "dev.gort.TracebackFormatTest.lambda$fullDumpFollowsGoGrammar$"), d);
        assertFalse(d.contains("dev.gort.runtime.") || d.contains("VirtualThread") || d.contains("dev.gort.Go.stack"), d);
        assertTrue(d.contains("[chan receive]:\ndev.gort.TracebackFormatTest.lambda$fullDumpFollowsGoGrammar$"), d);
        assertTrue(d.contains("[jdk park]:\n"), d);
        Matcher m = Pattern.compile("\ncreated by dev\\.gort\\.TracebackFormatTest\\.lambda\\$fullDumpFollowsGoGrammar\\$\\d+ in goroutine "
                + mainId.get() + "\n\tTracebackFormatTest\\.java:\\d+\n").matcher(d);
        int created = 0;
        while (m.find()) {
            created++;
        }
        assertEquals(2, created, d);
    }

    /**
     * "created by" names each go statement's own line, whether the site was walked for the
     * goroutine (an ordinary class), found again for the same lambda's next goroutine, or looked up
     * after another lambda was started in between (Traceback, "The token").
     */
    @Test
    void createdByNamesEachGoStatement() {
        AtomicReference<String> dump = new AtomicReference<>();
        AtomicReference<Long> mainId = new AtomicReference<>();
        int[] lines = new int[4];
        Go.run(() -> {
            mainId.set(Go.goid());
            TestChan ready = new TestChan(), go = new TestChan();
            lines[0] = line(); Go.go(new Parker(ready, go));
            for (int i = 0; i < 2; i++) {
                lines[1] = line(); Go.go(() -> parkB(ready, go));
            }
            for (int i = 0; i < 2; i++) {
                lines[2] = line(); Go.go(() -> parkC(ready, go));
                lines[3] = line(); Go.go(() -> parkD(ready, go));
            }
            for (int i = 0; i < 7; i++) {
                ready.recv();
            }
            dump.set(Go.stack(true));
            for (int i = 0; i < 7; i++) {
                go.send();
            }
        });
        String d = dump.get();
        assertTrue(DUMP.matcher(d).matches(), "not Go's grammar:\n" + d);
        String[] fns = {"TracebackFormatTest$Parker.run", "TracebackFormatTest.parkB", "TracebackFormatTest.parkC", "TracebackFormatTest.parkD"};
        int[] want = {1, 2, 2, 2};
        for (int k = 0; k < fns.length; k++) {
            int n = 0;
            for (String block : d.split("\n\n")) {
                if (block.contains(fns[k] + "(...)\n")) {
                    n++;
                    assertTrue(Pattern.compile("\ncreated by dev\\.gort\\.TracebackFormatTest\\.lambda\\$createdByNamesEachGoStatement\\$\\d+ in goroutine "
                            + mainId.get() + "\n\tTracebackFormatTest\\.java:" + lines[k] + "\n").matcher(block + "\n").find(),
                            fns[k] + " should be created at line " + lines[k] + ":\n" + block);
                }
            }
            assertEquals(want[k], n, fns[k] + " blocks in:\n" + d);
        }
    }

    /** The caller's line. */
    private static int line() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst().orElseThrow()).getLineNumber();
    }

    /** A goroutine body of an ordinary class: its creator is walked at every go statement. */
    private record Parker(TestChan ready, TestChan go) implements Runnable {
        @Override
        public void run() {
            ready.send();
            go.recv();
        }
    }

    private static void parkB(TestChan ready, TestChan go) {
        ready.send();
        go.recv();
    }

    private static void parkC(TestChan ready, TestChan go) {
        ready.send();
        go.recv();
    }

    private static void parkD(TestChan ready, TestChan go) {
        ready.send();
        go.recv();
    }

    @Test
    void stackOfOnlyTheCaller() {
        AtomicReference<String> s = new AtomicReference<>();
        Go.run(() -> s.set(Go.stack(false)));
        assertTrue(DUMP.matcher(s.get()).matches(), s.get());
        assertEquals(1, s.get().split("\ngoroutine ").length, s.get());
        assertEquals("", Go.stack(false), "outside a goroutine the caller's block is omitted");
    }

    @Test
    void panicReportHasGoShape() {
        try (StdErr err = new StdErr()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Go.run(() -> {
                TestChan done = new TestChan();
                Go.go(() -> {
                    throw new IllegalStateException("boom");
                });
                done.recv();
            }));
            assertEquals("boom", e.getMessage());
            String out = err.text();
            int at = out.indexOf("panic: java.lang.IllegalStateException: boom\n\n");
            assertTrue(at >= 0, out);
            String report = out.substring(at + "panic: java.lang.IllegalStateException: boom\n\n".length());
            Matcher m = Pattern.compile(BLOCK).matcher(report);
            assertTrue(m.lookingAt(), report);
            String block = m.group();
            assertTrue(block.matches("goroutine \\d+ \\[running\\]:\ndev\\.gort\\.TracebackFormatTest\\.lambda\\$panicReportHasGoShape\\$\\d+\\(\\.\\.\\.\\)\n"
                    + "(?s).*created by dev\\.gort\\.TracebackFormatTest\\.lambda\\$panicReportHasGoShape\\$\\d+ in goroutine \\d+\n\t.*"), block);
        }
    }

    @Test
    void goroutineBlockedOnSocketReadShowsIoWait() throws Exception {
        AtomicReference<String> dump = new AtomicReference<>();
        AtomicInteger got = new AtomicInteger(-2);
        Go.run(() -> {
            try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                 Socket client = new Socket(InetAddress.getLoopbackAddress(), ss.getLocalPort());
                 Socket server = ss.accept()) {
                TestChan done = new TestChan();
                Go.go(() -> {
                    try {
                        got.set(server.getInputStream().read()); // nothing sent yet: parks in the JDK's poller
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    done.send();
                });
                String d = Go.stack(true);
                for (long until = System.nanoTime() + 20_000_000_000L; !d.contains("[IO wait]") && System.nanoTime() < until; ) {
                    Go.gosched(); // the reader may not have parked yet
                    d = Go.stack(true);
                }
                dump.set(d);
                client.getOutputStream().write(42);
                done.recv();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        String d = dump.get();
        assertTrue(DUMP.matcher(d).matches(), "not Go's grammar:\n" + d);
        assertTrue(Pattern.compile("\\[IO wait\\]:\n(?:[^\n]+\n\t[^\n]+\n)*"
                + "dev\\.gort\\.TracebackFormatTest\\.lambda\\$goroutineBlockedOnSocketReadShowsIoWait\\$").matcher(d).find(),
                "the reader is not shown in IO wait:\n" + d);
        assertEquals(42, got.get());
    }
}
