package dev.gort.runtime;

import dev.gort.trace.format.TraceFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * White-box tests of who closes a goroutine's run in the trace (Trace's "Closing a run"), driving
 * the scheduler's hooks in the orders that races produce, which a live program hits only now and
 * then. The G is never started and is not in allgs; the Ms and Ps are not the scheduler's (only
 * their identity and P id matter to the tracer).
 */
class TraceRunTest {
    private static final long GOID = Long.MAX_VALUE - 14;
    /** Each test's G, Ms and Ps (a fresh set per test). */
    private final G g = new G(GOID, 0, null, () -> { });
    private final M m0 = new M(-100), m1 = new M(-101);
    private final P p0 = new P(0), p1 = new P(1);

    /**
     * A G yields (or its park races an unpark) on M0, is readied and started on M1 before M0 gets
     * from the continuation's return to goStop (M0 held up by the OS). M0's goStop must leave M1's
     * run alone: it closed that run as "jdk park" (the goroutine was running), and the G's next
     * park, on M1, then had no run to close, so a flight recorder's snapshot of a deadlock showed
     * the goroutine's last park without its stack or wait reason (FlightRecorderTest, 1 in 45).
     */
    @Test
    void aStopHeldUpOnTheOldMLeavesTheRunAnotherMStarted(@TempDir Path dir) throws Exception {
        List<String> events = replay(dir, () -> {
            Trace.goStart(m0, p0, g);
            g.waitreason = WaitReason.CHAN_RECEIVE; // it parks on M0 ...
            Trace.goUnblock(g); // ... and is readied at once: the readier closes M0's run
            g.waitreason = null;
            Trace.goStart(m1, p1, g); // M1 starts it
            Trace.goStop(m0, p0, g, true); // M0 reaches goStop only now
            g.waitreason = WaitReason.CHAN_SEND;
            Trace.goStop(m1, p1, g, false); // it parks on M1
        });
        assertEquals(List.of("GO_START p0", "GO_BLOCK p0 chan receive", "GO_UNBLOCK", "GO_START p1",
                "GO_BLOCK p1 chan send"), events);
    }

    /**
     * A trace stops while a G runs and another starts at once. The G's run in the first session is
     * nothing in the second: the second did not see it start (the G left allgs, as an exiting G
     * does, so the second's snapshot does not show it), so its stop there must stamp nothing, and
     * its next run is the second session's.
     */
    @Test
    void aRunLeftOpenByAnEndedSessionIsNoneInTheNext(@TempDir Path dir) throws Exception {
        Path first = dir.resolve("1.trace"), second = dir.resolve("2.trace");
        Trace.start(first);
        try {
            Trace.goStart(m0, p0, g);
        } finally {
            Trace.stop();
        }
        Trace.start(second);
        try {
            g.waitreason = WaitReason.CHAN_RECEIVE;
            Trace.goStop(m0, p0, g, false); // the first session's run ends in the second
            Trace.goUnblock(g);
            g.waitreason = null;
            Trace.goStart(m1, p1, g);
            g.setStatus(GStatus.DEAD);
            Trace.goStop(m1, p1, g, false);
        } finally {
            Trace.stop();
        }
        assertEquals(List.of("GO_START p0"), events(TraceFile.read(first)));
        assertEquals(List.of("GO_UNBLOCK", "GO_START p1", "GO_END p1"), events(TraceFile.read(second)));
    }

    /**
     * A G yields on M0 and is resubmitted from inside its run; M1 starts it and it runs to its end
     * there, all before M0 is back at goStop (held up by the OS). M1 stamps the end; M0 must not
     * stamp a second one (it did, at p = -1: "G stops on P-1 but is dead" in TraceModel).
     */
    @Test
    void aGoroutineThatEndedOnAnotherMEndsOnce(@TempDir Path dir) throws Exception {
        List<String> events = replay(dir, () -> {
            Trace.goStart(m0, p0, g);
            Trace.goUnblock(g); // resubmitted: the readier closes M0's run
            Trace.goStart(m1, p1, g);
            g.setStatus(GStatus.DEAD);
            Trace.goStop(m1, p1, g, false); // it ends on M1
            Trace.goStop(m0, p0, g, true); // M0 is back only now; the G was readied since it started it
        });
        assertEquals(List.of("GO_START p0", "GO_BLOCK p0 jdk park", "GO_UNBLOCK", "GO_START p1", "GO_END p1"), events);
    }

    /**
     * A flight recorder's snapshot is written while the program runs on, one buffer after another
     * (no P, P0, P1). Here the G blocks on P0 after P0 was drained and starts on P1 before P1 is
     * (P1's M holds P1's buffer while the writer waits for it). Without the cut the snapshot had the
     * G's start on P1 but not its block on P0: "started while running" (TraceSession's "Writing").
     * It must end at the moment the write began: the G still running on P0.
     */
    @Test
    void aSnapshotIsOneMomentWhileTheProgramRunsOn(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("ring.trace");
        Trace.startRing(10_000_000_000L, 64 << 20);
        try {
            Trace.goStart(m0, p0, g);
            TraceSession s = session();
            TraceSession.Buf b1 = s.buf(1);
            Thread writer;
            List<Throwable> failed = new ArrayList<>();
            b1.lock(); // P1's M is storing an event
            try {
                writer = Thread.ofPlatform().name("snapshot").start(() -> {
                    try {
                        Trace.writeRing(file);
                    } catch (Throwable e) {
                        failed.add(e);
                    }
                });
                awaitSpinningOnABuffer(writer); // it drained the no-P buffer and P0's: P1's is next
                g.waitreason = WaitReason.CHAN_RECEIVE;
                Trace.goStop(m0, p0, g, false); // the G blocks on P0, after P0 was drained
                Trace.goUnblock(g); // the test thread holds no P: into the no-P buffer, drained too
                g.waitreason = null;
                s.storeLocked(b1, s.now(), 1, TraceFile.GO_START, GOID, 0, 0, 0, null); // M1 starts it
            } finally {
                b1.unlock();
            }
            writer.join(30_000);
            assertFalse(writer.isAlive(), "the snapshot did not finish");
            assertEquals(List.of(), failed);
        } finally {
            Trace.stopRing();
        }
        // the window's prefix: a create and "runnable" for the G, whose first event is its start
        assertEquals(List.of("GO_CREATE p-1", "GO_STATUS p-1", "GO_START p0"), events(TraceFile.read(file)));
    }

    /** Waits (at most 30 s) until t spins for a trace buffer's lock. */
    private static void awaitSpinningOnABuffer(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (Arrays.stream(t.getStackTrace()).noneMatch(f -> f.getClassName().endsWith("TraceSession$Buf")
                && f.getMethodName().equals("lock"))) {
            assertTrue(t.isAlive() && System.nanoTime() < deadline, "the snapshot never waited for P1's buffer");
            Thread.sleep(1);
        }
    }

    /** The tracer's session (Trace.session, private to Trace). */
    private static TraceSession session() throws ReflectiveOperationException {
        Field f = Trace.class.getDeclaredField("session");
        f.setAccessible(true);
        return (TraceSession) f.get(null);
    }

    /** Runs hooks under a file trace in dir and returns the test G's events (see events). */
    private static List<String> replay(Path dir, Runnable hooks) throws Exception {
        Path file = dir.resolve("t.trace");
        Trace.start(file);
        try {
            hooks.run();
        } finally {
            Trace.stop();
        }
        return events(TraceFile.read(file));
    }

    /** The test G's events: type, then P and reason where they say something. */
    private static List<String> events(TraceFile f) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < f.size(); i++) {
            if (f.a()[i] != GOID) {
                continue;
            }
            int t = f.type()[i];
            String e = TraceFile.typeName(t);
            if (t != TraceFile.GO_UNBLOCK) {
                e += " p" + f.p()[i];
            }
            if (t == TraceFile.GO_BLOCK) {
                e += " " + f.reasons().get(f.extra()[i]);
            }
            out.add(e);
        }
        return out;
    }
}
