package dev.gort.runtime;

import dev.gort.testing.ChildJvm;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Programs whose verdict is how the JVM ends, run in a child JVM (Go's testprog style). */
class ChildProgTest {
    @Test
    void missingAddOpensIsNamedInTheError() throws Exception {
        ChildJvm.Result r = ChildJvm.run(false, List.of(), "dev.gort.runtime.prog.NoOpens");
        assertNotEquals(0, r.exit());
        assertFalse(r.stdout().contains("started"));
        assertTrue(r.stderr().contains("IllegalStateException"), r.stderr());
        assertTrue(r.stderr().contains("--add-opens java.base/java.lang=ALL-UNNAMED"), r.stderr());
    }

    @Test
    void threadExhaustionIsGosFatalError() throws Exception {
        ChildJvm.Result r = ChildJvm.run(true, List.of(), "dev.gort.runtime.prog.ThreadExhaustion");
        assertEquals(2, r.exit(), r.stderr());
        assertTrue(r.stderr().contains("runtime: program exceeds 5-thread limit\nfatal error: thread exhaustion"),
                r.stderr());
        assertEquals(1, r.stderr().split("fatal error", -1).length - 1, "reported once, as Go's throw:\n" + r.stderr());
        assertFalse(r.stderr().contains("lost goroutine"), r.stderr());
    }

    /**
     * Raising GOMAXPROCS wakes an M for goroutines queued behind a running one (Go's
     * startTheWorldWithSema); with sysmon off, nothing else would. Failed in the first round
     * before the fix (gort woke an M only for the global queue).
     */
    @Test
    void raisingGomaxprocsWakesAnMForQueuedWork() throws Exception {
        assertOkWithSysmonOff(2, "GrowWakes", "200");
    }

    /**
     * A goroutine queued on a P that a GOMAXPROCS shrink killed while an M held it (readied there
     * before the shrink, or after it by the goroutine running on that P) runs on a live idle P:
     * no other M looks at a dead P's queue, and the dead P's goroutine spins with no safe point.
     * Go's resize stops the world and moves it. A child JVM with sysmon off, whose retake would
     * otherwise end the spin's hold after 20 ms. Both variants hung in their first round before.
     */
    @Test
    void aGoroutineQueuedOnADyingPRunsOnALiveOne() throws Exception {
        for (String when : List.of("after", "before")) {
            assertOkWithSysmonOff(2, "DeadPReadies", "50", when);
        }
    }

    /**
     * An M whose P died under a GOMAXPROCS shrink, finding no idle P, sleeps for the pending timers
     * (the dead P's among them) rather than stopping: the live P, busy, looks only at its own heap,
     * so the dead P's timers waited for sysmon's overdue check. Go moves them to a live P
     * (moveTimers). Failed before the fix. A child JVM with sysmon off: a retake of main's P would
     * let the goroutine run on P0 instead, and the shrink would not kill its P.
     */
    @Test
    void anMWhosePDiedSleepsForTheTimersItLeft() throws Exception {
        assertOkWithSysmonOff(2, "DyingPTimers");
    }

    /**
     * A goroutine asked to yield while it makes syscalls yields at a syscall's return, a safe point
     * (Go's exitsyscall leaves a pending preemption to the next one). A child JVM with sysmon off:
     * no retake of the looping goroutine's P, so at GOMAXPROCS 1 only that safe point lets main
     * run. Hangs (the program's 20 s bound) without the safe point.
     */
    @Test
    void aGoroutineAskedToYieldYieldsWhenItsSyscallReturns() throws Exception {
        assertOkWithSysmonOff(1, "SyscallReturnYields");
    }

    /**
     * A Thread.yield in a virtual thread started with the JDK's API inside a goroutine (an inherited
     * child) goes to the global queue, as a goroutine's does (Go's goschedImpl). The child runs as
     * a fresh anonymous G at each resubmission, so runqready did not recognise the yield (it asked
     * whether the G was the M's curg) and put the child in its P's runnext, where it inherited the
     * time slice and ran again at once: at GOMAXPROCS 1 a goroutine in the P's queue waited for
     * sysmon to end the slice (10-45 ms, and hundreds of yields, in a scratch run), and with sysmon
     * off for ever (the program's 20 s bound, in its first round).
     */
    @Test
    void anInheritedChildsYieldLetsTheGoroutinesQueuedOnItsPRun() throws Exception {
        assertOkWithSysmonOff(1, "InheritedYield");
    }

    /**
     * A goroutine that hands its semaphore's count to a waiter (Mutex's starvation mode) yields as
     * Go's goyield: to the tail of its own P's local queue, where the goroutines already queued run
     * first and a steal can take it, not to the global queue (Gosched's). gort yielded to the
     * global queue before (failed in the first round).
     */
    @Test
    void aSemaphoresHandOffYieldsToTheLocalQueue() throws Exception {
        assertOkWithSysmonOff(1, "GoyieldPlacement");
    }

    /**
     * Go.numGoroutine does not drop while Go.leakedGoroutines scans (Go's NumGoroutine is not
     * changed by a goroutine leak profile): read by another goroutine in the middle of the scan, it
     * counts the parked candidates, one that ends during the scan leaves the count then, and after
     * the scan only the reported goroutines (collected) are gone. Before the fix the candidates
     * left the count for the scan's duration (read as 1: main alone).
     */
    @Test
    void numGoroutineDoesNotDropDuringALeakScan() throws Exception {
        for (int procs : List.of(1, 2)) {
            ChildJvm.Result r = ChildJvm.run(true, List.of("-Dgort.maxprocs=" + procs),
                    "dev.gort.runtime.prog.LeakScanCount");
            assertEquals(0, r.exit(), r.toString());
            assertEquals("ok\n", r.stdout(), r.toString());
        }
    }

    /**
     * Runs the child program dev.gort.runtime.prog.NAME with args at GOMAXPROCS procs, sysmon off,
     * and checks that it passed: exit status 0 and "ok" first on stdout (programs that hang leave
     * their evidence on stderr and exit 1).
     */
    private static void assertOkWithSysmonOff(int procs, String name, String... args) throws Exception {
        ChildJvm.Result r = ChildJvm.run(true, List.of("-Dgort.sysmon=false", "-Dgort.maxprocs=" + procs),
                "dev.gort.runtime.prog." + name, args);
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.stdout().equals("ok\n") || r.stdout().startsWith("ok "), r.toString());
    }

    /**
     * Runs RuntimeThrow in mode and checks Go's throw: exit status 2, stdout as given (ending with
     * the refusal of a second run), and one report on stderr holding each of the given parts (the
     * message, "runtime stack:", goroutine headers), and no JDK uncaught-exception line.
     */
    private static void assertGosThrow(String mode, List<String> jvmArgs, String stdout, String... parts)
            throws Exception {
        ChildJvm.Result r = ChildJvm.run(true, jvmArgs, "dev.gort.runtime.prog.RuntimeThrow", mode);
        assertEquals(2, r.exit(), r.toString());
        assertEquals(stdout, r.stdout(), r.toString());
        String err = r.stderr();
        for (String part : parts) {
            assertTrue(err.contains(part), "no \"" + part + "\" in the report:\n" + err);
        }
        assertEquals(1, err.split("fatal error", -1).length - 1, "reported once, as Go's throw:\n" + err);
        assertFalse(err.contains("Exception in thread"), "the thread's death is the report:\n" + err);
    }

    /**
     * A broken scheduler invariant found on an M's thread is Go's throw: the report (the message,
     * "runtime stack:", every goroutine), the run ends with the FatalError, and the runtime refuses
     * later runs. Before, the M's thread died with the JDK's uncaught-exception line and the run
     * went on without it, for ever. (With the spinning count far below zero, the first M that
     * looks for work goes spinning and finds the count negative when it stops, at any GOMAXPROCS.)
     */
    @Test
    void aBrokenSchedulerInvariantIsGosThrow() throws Exception {
        assertGosThrow("invariant", List.of("-Dgort.maxprocs=2"), "second run refused\n",
                ": negative nmspinning\n\nruntime stack:\n", "goroutine 1 [",
                "goroutine 2 [" /* every goroutine, as Go's runtime throw */);
    }

    /**
     * An exception escaping an M's scheduling loop (here a goroutine's continuation that throws
     * when the M runs it, as a JDK failure would) is Go's throw too. Before, the M printed a line
     * and went on, and the goroutine was never heard of again.
     */
    @Test
    void anExceptionEscapingAnMsLoopIsGosThrow() throws Exception {
        assertGosThrow("escape", List.of(), "second run refused\n",
                "fatal error: unexpected java.lang.IllegalStateException: boom running goroutine 0 on gort-m",
                "runtime stack:\njava.lang.IllegalStateException: boom\n", "goroutine 1 [");
    }

    /**
     * A runtime throw ends a synctest bubble as it ends a run: Synctest.test throws a FatalError
     * caused by the throw. Before, a bubble whose members were parked waited for ever.
     */
    @Test
    void aRuntimeThrowEndsALiveBubble() throws Exception {
        assertGosThrow("bubble", List.of(), "bubble ended by the throw\nsecond run refused\n",
                "fatal error: unexpected java.lang.IllegalStateException: boom");
    }

    /**
     * A deadlock check that throws is Go's throw too (Checkdead's "What happens then"). Before, the
     * checker printed "gort: checkdead failed" and went on, and the deadlocked run never ended.
     */
    @Test
    void anExceptionEscapingADeadlockCheckIsGosThrow() throws Exception {
        assertGosThrow("checkdead", List.of(), "second run refused\n",
                "fatal error: unexpected java.lang.IllegalStateException: broken blocker in gort-checkdead\n",
                "runtime stack:\njava.lang.IllegalStateException: broken blocker\n",
                "goroutine 1 [semacquire" /* every goroutine, as Go's runtime throw */);
    }
}
