package dev.gort.runtime;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Recording;
import jdk.jfr.RecordingState;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;
import jdk.jfr.Timespan;

import java.util.concurrent.locks.LockSupport;

/*
 * Jfr: gort's JDK Flight Recorder events, named dev.gort.* as the JDK's are jdk.*, so that JDK
 * Mission Control, `jfr print` and anything that reads JFR files see goroutines, wait reasons and
 * Ps next to the JVM's own events.
 *
 * Events (default settings; core's resource dev/gort/gort.jfc repeats them)
 * -------------------------------------------------------------------------
 *   dev.gort.GoroutineCreate   goid, parent, creation site              off (one per go statement)
 *   dev.gort.GoroutineBlock    goid, wait reason, blocker, unblocker;   on, threshold 10 ms, stack
 *                              a duration event: the park itself
 *   dev.gort.GoroutineUnblock  goid, unblocker goid, waker              off (one per wake-up)
 *   dev.gort.ProcStart/Stop    p, m                                     off (one per idle/busy flip)
 *   dev.gort.Steal             thief, victim, goid                      off (one per steal)
 *   dev.gort.Preempt           goid, p: a goroutine yielded because sysmon asked
 *   dev.gort.Retake            p, goid: sysmon took the P of a goroutine that hogged its M
 *   dev.gort.SyscallHandoff    p, goid, by sysmon or entersyscallblock
 *   dev.gort.Gomaxprocs        old, new
 *   dev.gort.Deadlock          message, goroutines, the dump
 *   dev.gort.GoroutineLeak     goid, its dump block
 * The chatty ones are off by default, as the JDK's jdk.VirtualThreadStart is: turn them on in a
 * .jfc (gort.jfc lists every event) or with `-XX:StartFlightRecording:dev.gort.Steal#enabled=true`.
 *
 * Cost when no recording runs (the one-branch rule)
 * --------------------------------------------------
 * Every hook sits behind Trace.on, the runtime's single "some event consumer is on" flag (see
 * Trace): the tracer, a flight recorder, the metrics' accounting, or JFR. A FlightRecorderListener,
 * registered when the runtime starts, sets Trace.jfr while at least one recording is RUNNING (one
 * started by -XX:StartFlightRecording, jcmd JFR.start, JMC, or jdk.jfr.Recording); with none, the
 * listener is all that exists. While a recording runs, each hook allocates its event (the JIT
 * usually scalar-replaces it) and asks shouldCommit(), which is false for a disabled event.
 *
 * The block event is the park itself: Proc.gopark calls park() here, which begins the event, parks,
 * ends it and commits if it lasted past the threshold. It is committed by the goroutine after it
 * wakes, on its own virtual thread, so JFR's stack trace is the park site and the event thread is
 * the goroutine (named goroutine-N, see G). The unblocker is the goroutine that readied it, noted in
 * G.unblocker by goUnblock while JFR is on.
 *
 * Rejected alternatives
 * ---------------------
 *  - A static final EventType per event, checked with isEnabled(): it makes JFR initialise at class
 *    load, costing start-up for every program, and still needs a flag for the hook sites.
 *  - JFR as the tracer's only format: see Trace's rejected alternatives (no Ps, an allocation per
 *    event); the two coexist, fed by the same hooks.
 *
 * Differences from Go
 * -------------------
 *  - Go has no JFR; these are the events of Go's execution tracer that a JVM user looks for in JFR.
 *  - Parks in JDK code (a ReentrantLock, a socket) are not GoroutineBlock events: the JDK's own
 *    jdk.ThreadPark and jdk.JavaMonitorWait cover them, with the goroutine as the event thread.
 */
final class Jfr {
    private Jfr() {}

    /** Registers the listener that keeps Trace.jfr current. Once, from Proc.schedinit. */
    static void init() {
        if (!FlightRecorder.isAvailable()) {
            return;
        }
        FlightRecorder.addListener(new FlightRecorderListener() {
            @Override
            public void recorderInitialized(FlightRecorder recorder) {
                update(recorder);
            }

            @Override
            public void recordingStateChanged(Recording recording) {
                update(FlightRecorder.getFlightRecorder());
            }
        });
    }

    private static void update(FlightRecorder recorder) {
        boolean running = false;
        for (Recording r : recorder.getRecordings()) {
            running |= r.getState() == RecordingState.RUNNING;
        }
        Trace.setJfr(running);
    }

    // ================================================================== hooks (Trace.on and Trace.jfr are set)

    /**
     * newproc with a recording running: the GoroutineCreate event. site is the tracer's label of
     * newg if it made one; else the label is made here, only if the event is enabled (made before
     * the check, it doubled the cost of a go statement under any recording: docs/benchmarks.md,
     * issue 11, "Spawning and skynet"). On the creator's stack.
     */
    static void goCreate(G newg, Runnable fn, String site) {
        GoroutineCreate e = new GoroutineCreate();
        if (e.shouldCommit()) {
            e.goid = newg.goid;
            e.parentGoid = newg.parentGoid;
            e.site = site != null ? site : Trace.labelOf(newg, fn, true); // on the creator's stack
            e.commit();
        }
    }

    /** Proc.gopark with JFR on: the park, as a duration event. gp is the caller. */
    static void park(G gp, WaitReason reason, Object blocker) {
        GoroutineBlock e = new GoroutineBlock();
        e.begin();
        gp.unblocker = 0;
        LockSupport.park(blocker);
        e.end();
        if (e.shouldCommit()) {
            e.goid = gp.goid;
            e.waitReason = reason.goName;
            e.blocker = identity(blocker);
            e.unblocker = gp.unblocker;
            e.commit();
        }
    }

    /** ready: gp is made runnable by goroutine unblocker (0: not a goroutine; w names it, if known). */
    static void goUnblock(G gp, long unblocker, Stacks.Wake w) {
        gp.unblocker = unblocker;
        GoroutineUnblock e = new GoroutineUnblock();
        if (e.shouldCommit()) {
            e.goid = gp.goid;
            e.unblocker = unblocker;
            e.waker = unblocker != 0 ? null : w != null ? w.waker() : Stacks.wakerOf(null);
            e.commit();
        }
    }

    static void procStart(P pp, M mp) {
        ProcStart e = new ProcStart();
        if (e.shouldCommit()) {
            e.p = pp.id;
            e.m = mp.mid;
            e.commit();
        }
    }

    static void procStop(P pp) {
        ProcStop e = new ProcStop();
        if (e.shouldCommit()) {
            e.p = pp.id;
            e.commit();
        }
    }

    static void steal(P thief, P victim, G gp) {
        Steal e = new Steal();
        if (e.shouldCommit()) {
            e.thief = thief.id;
            e.victim = victim.id;
            e.goid = gp.goid;
            e.commit();
        }
    }

    static void preempt(G gp, int p) {
        Preempt e = new Preempt();
        if (e.shouldCommit()) {
            e.goid = gp.goid;
            e.p = p;
            e.commit();
        }
    }

    static void retake(P pp, G hog, long ranNanos) {
        Retake e = new Retake();
        if (e.shouldCommit()) {
            e.p = pp.id;
            e.goid = hog != null ? hog.goid : 0;
            e.ran = ranNanos;
            e.commit();
        }
    }

    static void syscallHandoff(P pp, G gp, boolean bySysmon) {
        SyscallHandoff e = new SyscallHandoff();
        if (e.shouldCommit()) {
            e.p = pp.id;
            e.goid = gp != null ? gp.goid : 0;
            e.by = bySysmon ? "sysmon" : "entersyscallblock";
            e.commit();
        }
    }

    static void gomaxprocs(int old, int n) {
        Gomaxprocs e = new Gomaxprocs();
        if (e.shouldCommit()) {
            e.oldValue = old;
            e.newValue = n;
            e.commit();
        }
    }

    static void deadlock(String message, int goroutines, String dump) {
        Deadlock e = new Deadlock();
        if (e.shouldCommit()) {
            e.message = message;
            e.goroutines = goroutines;
            e.dump = dump;
            e.commit();
        }
    }

    static void leak(long goid, String block) {
        Leak e = new Leak();
        if (e.shouldCommit()) {
            e.goid = goid;
            e.dump = block;
            e.commit();
        }
    }

    /** A blocker's identity: its class and identity hash, as the JDK names a monitor ("Chan@1b6d3586"). */
    static String identity(Object blocker) {
        if (blocker == null) {
            return null;
        }
        String n = blocker.getClass().getSimpleName();
        return (n.isEmpty() ? blocker.getClass().getName() : n) + "@"
                + Integer.toHexString(System.identityHashCode(blocker));
    }

    // ================================================================== the events

    @Name("dev.gort.GoroutineCreate")
    @Label("Goroutine Create")
    @Category({"gort", "Goroutines"})
    @Description("A go statement: a goroutine was created")
    @Enabled(false)
    @StackTrace(false)
    static final class GoroutineCreate extends Event {
        @Label("Goroutine") long goid;
        @Label("Parent Goroutine") @Description("0 when created outside a goroutine") long parentGoid;
        @Label("Creation Site") @Description("The go statement: Class.method:line") String site;
    }

    @Name("dev.gort.GoroutineBlock")
    @Label("Goroutine Block")
    @Category({"gort", "Goroutines"})
    @Description("A goroutine parked in gort's runtime (channel, select, sync, sleep) and was woken")
    @Threshold("10 ms")
    static final class GoroutineBlock extends Event {
        @Label("Goroutine") long goid;
        @Label("Wait Reason") @Description("Go's wait reason, as in goroutine dumps") String waitReason;
        @Label("Blocker") @Description("The channel, select, lock or timer it waited on, by identity") String blocker;
        @Label("Unblocker") @Description("The goroutine that readied it, 0 if not a goroutine") long unblocker;
    }

    @Name("dev.gort.GoroutineUnblock")
    @Label("Goroutine Unblock")
    @Category({"gort", "Goroutines"})
    @Description("A goroutine was made runnable")
    @Enabled(false)
    @StackTrace(false)
    static final class GoroutineUnblock extends Event {
        @Label("Goroutine") long goid;
        @Label("Unblocker") @Description("The goroutine that readied it, 0 if not a goroutine") long unblocker;
        @Label("Waker") @Description("What readied it when not a goroutine: timer, sysmon, netpoll or a thread's name") String waker;
    }

    @Name("dev.gort.ProcStart")
    @Label("P Start")
    @Category({"gort", "Scheduler"})
    @Description("An M acquired a P (Go's acquirep)")
    @Enabled(false)
    @StackTrace(false)
    static final class ProcStart extends Event {
        @Label("P") int p;
        @Label("M") long m;
    }

    @Name("dev.gort.ProcStop")
    @Label("P Stop")
    @Category({"gort", "Scheduler"})
    @Description("An M released its P (Go's releasep)")
    @Enabled(false)
    @StackTrace(false)
    static final class ProcStop extends Event {
        @Label("P") int p;
    }

    @Name("dev.gort.Steal")
    @Label("Steal")
    @Category({"gort", "Scheduler"})
    @Description("An idle P stole goroutines from another P's run queue")
    @Enabled(false)
    @StackTrace(false)
    static final class Steal extends Event {
        @Label("Thief P") int thief;
        @Label("Victim P") int victim;
        @Label("Goroutine") @Description("The goroutine the thief runs first") long goid;
    }

    @Name("dev.gort.Preempt")
    @Label("Preemption")
    @Category({"gort", "Scheduler"})
    @Description("A goroutine yielded at a safe point because sysmon asked it to (it ran over 10 ms)")
    static final class Preempt extends Event {
        @Label("Goroutine") long goid;
        @Label("P") int p;
    }

    @Name("dev.gort.Retake")
    @Label("Sysmon Retake")
    @Category({"gort", "Scheduler"})
    @Description("Sysmon took the P of a goroutine that hogged its M and handed it to another M")
    @StackTrace(false)
    static final class Retake extends Event {
        @Label("P") int p;
        @Label("Goroutine") @Description("The hog, 0 if unknown") long goid;
        @Label("Ran") @Description("How long the P's M had not returned to the scheduler") @Timespan long ran;
    }

    @Name("dev.gort.SyscallHandoff")
    @Label("Syscall Hand-off")
    @Category({"gort", "Scheduler"})
    @Description("The P of a goroutine in Go.syscall was handed to another M")
    @StackTrace(false)
    static final class SyscallHandoff extends Event {
        @Label("P") int p;
        @Label("Goroutine") @Description("The goroutine in the syscall, 0 if unknown") long goid;
        @Label("By") @Description("sysmon, or entersyscallblock (Go.syscall(fn, true))") String by;
    }

    @Name("dev.gort.Gomaxprocs")
    @Label("GOMAXPROCS")
    @Category({"gort", "Scheduler"})
    @Description("GOMAXPROCS changed")
    static final class Gomaxprocs extends Event {
        @Label("Old") int oldValue;
        @Label("New") int newValue;
    }

    @Name("dev.gort.Deadlock")
    @Label("Deadlock")
    @Category({"gort", "Goroutines"})
    @Description("checkdead found every goroutine asleep (Go's fatal error: all goroutines are asleep - deadlock!)")
    @StackTrace(false)
    static final class Deadlock extends Event {
        @Label("Message") String message;
        @Label("Goroutines") int goroutines;
        @Label("Dump") String dump;
    }

    @Name("dev.gort.GoroutineLeak")
    @Label("Goroutine Leak")
    @Category({"gort", "Goroutines"})
    @Description("Go.leakedGoroutines found a goroutine that nothing can wake")
    @StackTrace(false)
    static final class Leak extends Event {
        @Label("Goroutine") long goid;
        @Label("Dump") String dump;
    }
}
