package dev.gort.tools.trace;

import dev.gort.Go;
import dev.gort.trace.format.TraceFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.gort.trace.format.TraceFile.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The tracer's invariants on a real trace (TraceWorkload), checked twice: by replaying the raw
 * events here, independently of TraceModel, and by TraceModel's own problem list.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TraceConsistencyTest {
    @TempDir
    static Path dir;
    static TraceFile trace;

    @BeforeAll
    static void record() throws Exception {
        int stress = Integer.getInteger("gort.stress", 1);
        Path f = null;
        for (int i = 0; i < stress; i++) {
            f = TraceWorkload.traced(dir.resolve("consistency-" + i + ".trace"));
            if (i + 1 < stress) {
                assertConsistent(TraceFile.read(f));
            }
        }
        trace = TraceFile.read(f);
    }

    @Test
    void everyStartMatchesAnEndAndNoPRunsTwoGoroutines() {
        assertConsistent(trace);
    }

    /**
     * Syscalls that hand their P off at once while other goroutines keep the Ps busy: the P a
     * goroutine returns on is known only in exitsyscall, and GO_SYSEXIT must name that one, not
     * the P its M held before the hand-off (which another M is running by then).
     */
    @Test
    void handedOffSyscallsReturnOnThePTheyGet() throws Exception {
        Path f = dir.resolve("syscalls.trace");
        Go.startTrace(f);
        try {
            Go.run(() -> {
                int old = Go.gomaxprocs(2);
                try {
                    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
                    dev.gort.sync.WaitGroup wg = new dev.gort.sync.WaitGroup();
                    for (int i = 0; i < 2; i++) {
                        wg.go(() -> {
                            while (!stop.get()) {
                                Go.gosched();
                            }
                        });
                    }
                    for (int i = 0; i < 200; i++) {
                        try {
                            Go.syscall(() -> {
                                long end = System.nanoTime() + 200_000;
                                while (System.nanoTime() < end) {
                                    Thread.onSpinWait();
                                }
                                return null;
                            }, true);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                    stop.set(true);
                    wg.await();
                } finally {
                    Go.gomaxprocs(old);
                }
            });
        } finally {
            Go.stopTrace();
        }
        TraceFile t = TraceFile.read(f);
        assertConsistent(t);
        assertEquals(List.of(), TraceModel.of(t).problems());
    }

    @Test
    void modelFindsNoProblems() {
        TraceModel m = TraceModel.of(trace);
        assertEquals(List.of(), m.problems());
        for (List<TraceModel.Slice> lane : m.lanes().values()) {
            for (int i = 1; i < lane.size(); i++) {
                assertTrue(lane.get(i - 1).end() <= lane.get(i).start(), "overlap on P" + lane.get(i).p());
            }
        }
    }

    @Test
    void recordsTheWorkloadsEvents() {
        int n = TraceWorkload.PAIRS * 2 + TraceWorkload.YIELDERS + TraceWorkload.LOCKERS + 1; // + main
        Map<Integer, Integer> count = new HashMap<>();
        Set<String> blockReasons = new HashSet<>();
        boolean unblockedByGoroutine = false;
        Map<Long, Integer> lastEvent = new HashMap<>(); // per goroutine: its last event's type
        for (int i = 0; i < trace.size(); i++) {
            count.merge(trace.type()[i], 1, Integer::sum);
            if (isGoroutineEvent(trace.type()[i])) {
                lastEvent.put(trace.a()[i], trace.type()[i]);
            }
            if (trace.type()[i] == GO_BLOCK) {
                blockReasons.add(trace.reasons().get(trace.extra()[i]));
            }
            unblockedByGoroutine |= trace.type()[i] == GO_UNBLOCK && trace.b()[i] > 0;
        }
        assertTrue(count.getOrDefault(GO_CREATE, 0) >= n, "creates: " + count);
        // Every goroutine ended in the trace, save those whose last act (main returning, a worker
        // counting down the latch main waits for) came a moment before their M stamped the end,
        // and the trace stopped in that moment (see assertConsistent). Those had started and were
        // still running, or had been preempted or had yielded on their way out.
        Set<Integer> onTheWayOut = Set.of(GO_START, GO_SYSEXIT, GO_OFFP, GO_PREEMPT, GO_SCHED);
        long ends = lastEvent.values().stream().filter(t -> t == GO_END).count();
        long onTheirWayOut = lastEvent.values().stream().filter(onTheWayOut::contains).count();
        assertTrue(ends >= 1 && ends + onTheirWayOut >= n, "ends: " + ends + ", still on their way out: "
                + onTheirWayOut + ", events: " + count);
        assertTrue(count.getOrDefault(GO_SCHED, 0) >= TraceWorkload.YIELDERS * TraceWorkload.ROUNDS, "yields: " + count);
        assertTrue(count.getOrDefault(GOMAXPROCS, 0) >= 2, "gomaxprocs changes: " + count);
        assertTrue(count.getOrDefault(PROC_START, 0) >= 1, "proc starts: " + count);
        assertTrue(blockReasons.contains("semacquire"), "gopark's reason: " + blockReasons);
        assertTrue(blockReasons.contains("jdk park"), "LockSupport/latch parks: " + blockReasons);
        assertTrue(unblockedByGoroutine, "an unblock names the goroutine that unblocked");
        assertTrue(trace.labels().stream().anyMatch(l -> l.startsWith("TraceWorkload.pingPong:")),
                "labels name the goroutine's creation site: " + trace.labels());
    }

    /**
     * Independent replay: per goroutine CREATE, then (START, END|BLOCK|SCHED)*; a START only when
     * runnable (created, unblocked after its last BLOCK, or after SCHED); per P one run at a time;
     * timestamps never go back. A GO_OFFP (sysmon retook the P) ends the run's part on its P; the
     * run goes on without one ("running@-1") until a stop with p = -1 (Trace's "Retaken Ps").
     */
    static void assertConsistent(TraceFile t) {
        Map<Long, String> gstate = new HashMap<>();  // runnable / running@P / blocked / dead
        Map<Integer, Long> prun = new HashMap<>();
        long last = 0;
        for (int i = 0; i < t.size(); i++) {
            long goid = t.a()[i];
            int p = t.p()[i];
            assertTrue(t.ts()[i] >= last, "time goes back at " + t.describe(i));
            last = t.ts()[i];
            switch (t.type()[i]) {
                case GO_CREATE -> gstate.put(goid, "runnable");
                case GO_STATUS -> {
                    int st = t.extra()[i] & 0xff;
                    if (st == 2 && p >= 0) {
                        assertNull(prun.put(p, goid), "P" + p + " already running at " + t.describe(i));
                        gstate.put(goid, "running@" + p);
                    } else {
                        gstate.put(goid, st == 4 ? "blocked" : st == 5 ? "dead" : "runnable");
                    }
                }
                case GO_START -> {
                    assertEquals("runnable", gstate.get(goid), "start of a goroutine not runnable: " + t.describe(i));
                    assertNull(prun.put(p, goid), "P" + p + " runs two goroutines at " + t.describe(i));
                    gstate.put(goid, "running@" + p);
                }
                case GO_END, GO_BLOCK, GO_SCHED, GO_OFFP, GO_SYSCALL, GO_SYSEXIT -> {
                    int ty = t.type()[i];
                    if (ty == GO_END && p < 0) { // ended without a P (its P was retaken)
                        gstate.put(goid, "dead");
                        continue;
                    }
                    if ((ty == GO_SYSCALL || ty == GO_SYSEXIT) && t.extra()[i] == 0) {
                        continue; // a mark, not a change of run
                    }
                    if (ty == GO_SYSEXIT) {
                        assertEquals("blocked", gstate.get(goid), "sysexit without a syscall: " + t.describe(i));
                        assertNull(prun.put(p, goid), "P" + p + " runs two goroutines at " + t.describe(i));
                        gstate.put(goid, "running@" + p);
                        continue;
                    }
                    assertEquals("running@" + p, gstate.get(goid), "stop without a start: " + t.describe(i));
                    if (p >= 0) { // p -1: the run went on without a P after its GO_OFFP (many may)
                        assertEquals(goid, prun.remove(p), "P" + p + " was not running it: " + t.describe(i));
                    }
                    gstate.put(goid, ty == GO_END ? "dead" : ty == GO_SCHED ? "runnable"
                            : ty == GO_OFFP ? "running@-1" : "blocked");
                }
                case GO_UNBLOCK -> {
                    String s = gstate.get(goid);
                    assertNotNull(s, "unblock of an unknown goroutine: " + t.describe(i));
                    assertFalse(s.startsWith("running") || s.equals("dead"), "unblock of a " + s + " goroutine: " + t.describe(i));
                    gstate.put(goid, "runnable");
                }
                default -> { }
            }
        }
        // A run may still be open when the trace stops: a goroutine's last act (counting down the
        // workload's latch, or main returning) precedes its M's GO_END, which may come after
        // stopTrace. Go's traces end with running goroutines the same way. At most one per P
        // (prun is keyed by P), and never one of a goroutine the trace saw end.
        for (Map.Entry<Integer, Long> e : prun.entrySet()) {
            assertNotEquals("dead", gstate.get(e.getValue()), "P" + e.getKey() + " runs a dead goroutine");
        }
    }
}
