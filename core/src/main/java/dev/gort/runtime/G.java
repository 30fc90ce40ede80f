package dev.gort.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Executor;

/*
 * G: one goroutine (Go's runtime2.go type g).
 *
 * A G wraps one JDK virtual thread and is that thread's scheduler. The JDK calls
 * G.execute(runContinuation) whenever the thread becomes runnable (start, unpark, monitor unblock,
 * Thread.yield, timed-park expiry); execute hands the G to the scheduler (Proc.ready), which puts it
 * on a run queue. An M later dequeues the G and runs runContinuation on its own platform thread,
 * which mounts the virtual thread until it parks, yields or ends.
 *
 * Status word. Status and a ready-epoch share one int, so that an M returning from a run can tell
 * "still mine, now parked" from "already readied again by someone else":
 *   - execute() (any thread) bumps the epoch and sets RUNNABLE;
 *   - the M sets RUNNING, keeping the epoch, before it mounts the G;
 *   - when the continuation returns, the M CASes (epoch, RUNNING) to (epoch, WAITING). If an unpark
 *     raced in, the epoch moved and the CAS fails, leaving RUNNABLE: correct, as the G is queued.
 * This also survives the JDK handing one G to execute() twice (getStackTrace on a queued G
 * resubmits it): the run queues hold duplicates happily, a second run of a G that is not runnable
 * is a no-op inside the JDK, and the word stays right. There are therefore no intrusive links and
 * no "queued" bit anywhere. One case the word gets wrong for a while: an M that dequeues the
 * duplicate while the G runs on another M marks it RUNNING (it is), runs nothing, and then marks
 * it WAITING; the G reads waiting until its run ends and the next park, yield or ready sets the
 * word again. Only a dump of a queued goroutine makes duplicates; checkdead is not misled, as it
 * judges only while every M is idle or holds a goroutine parked while pinned, and a G that reads
 * WAITING while it runs is on a busy M (Checkdead, msIdleOrPinned and the snapshot's M count).
 * G.m, the M running the G, meets the same races. A G that yields, or whose park raced an unpark,
 * is resubmitted from inside its run and may be started by another M before the old one is back.
 * So G.m is written only by an M about to run the G, before the status CAS that marks it RUNNING,
 * and never cleared: it names the M that last ran the G, and readers look at it only while the
 * status reads RUNNING (whose CAS published it). Clearing it when the run ends (gort before, with
 * a CAS, so as not to erase the next M's name) cost a CAS per switch for nothing that a reader
 * of the status needs; a plain clear left a running G naming no M
 * (SysmonTest.aRunningGoroutineIsOnTheMItsGNames). A duplicate's M still writes its own name
 * there, so G.m is a hint for dumps, the tracer and Go.run's wait; the G itself asks M.current()
 * (lockOSThread).
 *
 * Inherited children. A virtual thread created with the JDK's public API inside a goroutine inherits
 * its scheduler, this G. Its runContinuation is not ours; execute wraps it in an anonymous G (goid 0,
 * not registered) so it runs on gort's Ps like any goroutine. See Differences from Go in Proc. The
 * wrapper is a new G at each execute, so no status word follows the child from run to run, and
 * "the G this M was running" is the one with the same continuation, not the same G (runqready's
 * test for a Thread.yield; vthread names the child's thread for the JDK state it reads).
 *
 * Names. The virtual thread is named "goroutine-42" ("goroutine-42 LABEL" with Go.go(label, fn) or
 * Go.setLabel), so the JDK's thread dumps (jcmd Thread.dump_to_file), debuggers, log lines and JFR
 * events show the goroutine. The name is built once at creation (one small string: measured within
 * noise on the spawn rows, docs/benchmarks.md); Go has no thread names, only pprof labels.
 *
 * Differences from Go
 *  - No stack of its own to grow: the virtual thread's continuation is the stack, and the JVM grows
 *    and shrinks it (stack chunks on the heap).
 *  - The status carries a ready-epoch (see above), because the JDK, not gort, decides when a
 *    continuation yields; Go's casgstatus transitions are all made by the runtime itself.
 *  - No _Gcopystack, _Gpreempted or _Gscan states: there is no stack copying, asynchronous
 *    preemption or stack scanning by gort.
 */
final class G implements Executor, Runnable {
    /** The goroutine id; 0 for an anonymous wrapper of an inherited virtual thread. Immutable. */
    final long goid;
    /** The id of the goroutine that created it, 0 if created outside a goroutine. Immutable. */
    final long parentGoid;
    /** The run ({@code Go.run}) it belongs to, inherited from its creator; null outside a run. Immutable. */
    final Run run;
    /** The virtual thread, or null for an anonymous wrapper. Immutable. */
    final Thread thread;
    /**
     * The virtual thread that cont runs: {@link #thread} for a goroutine; for an anonymous wrapper,
     * the inherited child's (null if Checkdead.noteForeign could not find it), so that runqready can
     * tell its Thread.yield (see Proc, "Where a readied G goes"). Immutable.
     */
    final Thread vthread;
    /** The one Runnable the JDK hands to execute() for {@link #vthread}. Immutable. */
    final Runnable cont;
    /** The user's function; cleared when it returns so a finished G holds nothing. Written by the G. */
    private Runnable fn;

    /** Status and ready-epoch: see the essay. Every write is a CAS or volatile set. */
    private volatile int state;
    private static final int STATUS_MASK = 7, EPOCH_ONE = 8;
    private static final GStatus[] STATUSES = GStatus.values();

    /**
     * Why the G parked, set by the G itself just before a runtime park and cleared after it; null
     * when parked in JDK code. Plain: published to other threads by the M's status CAS that follows.
     */
    WaitReason waitreason;
    /**
     * About when the G last parked through gopark (Go's waitsince, approximate as Go's):
     * Sysmon.coarseNanotime(), at most one sysmon poll behind. For dumps' "N minutes". Plain, as
     * waitreason.
     */
    long waitsince;
    /**
     * gopark calls so far, modulo 2^32: what checkdead compares to see that a G was woken and
     * parked again (see Checkdead's argument). Written by the G itself before it parks; plain, read
     * by checkdead after the thread's state (volatile, written by the park that follows).
     */
    int parks;
    /** The M this G is locked to (Go.lockOSThread), or null. Written by the G itself. */
    volatile M lockedm;
    /** lockOSThread nesting depth (Go's lockedExt). The G itself only. */
    int lockedExt;
    /** Set by sysmon when the G has run over 10ms; cleared by the G at its next safe point. */
    volatile boolean preempt;
    /**
     * The M that last ran it: the M running it, while the status reads RUNNING. Written by that M
     * before it marks the G RUNNING (setM: a release store, published by markRunning's CAS), never
     * cleared. A hint (see the essay): read racily by dumps, the tracer and Go.run, after the status.
     */
    volatile M m;
    /**
     * Where it was created (Go's gopc), for "created by" in dumps: a token that Traceback.creator
     * resolves to the go statement's frame (see Traceback, "The token"). Immutable.
     */
    final Object gopc;
    /** The tracer's open run (a fresh Trace.Run per run), null or an ended session's when none. CASed (see Trace). */
    volatile Trace.Run tracep;
    /**
     * The synctest bubble it belongs to, or null (see Bubble). Written by newproc before the thread
     * starts (Thread.start publishes it); never changed.
     */
    Bubble bubble;
    /** This G's spare sudog for plain channel operations (Go's per-P sudogcache); see Sudog. The G itself only. */
    Sudog sudogcache;
    /** The user's label (Go.go(label, fn), Go.setLabel), or null. Written by the creator or the G itself. */
    volatile String label;
    /** Event hooks' scratch, written only while Trace.on (see Trace "Consumers"). Plain. */
    long readyAt, unblocker;
    /** The tracer's string id + 1 of the stack of the G's last gopark, 0 for none. The G itself; plain. */
    int parkStack;
    /**
     * Links in its AllGs stripe, and whether it is linked there; whether a leak scan unlinked it
     * while it stays counted (AllGs.detach). Under that stripe's lock.
     */
    G allprev, allnext;
    boolean inAllgs, leakDetached;
    /**
     * The tracer's park in JDK code that may be an IO wait (see Trace "IO wait"): where its event is
     * stored, with the run it ended (written by the closer of the G's run, or a trace's starting
     * snapshot); the run the socket poller's unblock ended (written by that unblock); and the run
     * a closer last tried to close (written by each closer before its CAS, so that an unblock that
     * finds the run closed can name it). A stale value names a run that is over; only ioMark is
     * cleared (by goStart, to let the trace's chunk go).
     */
    volatile TraceSession.Mark ioMark;
    volatile Trace.Run ioWoken, lastClosed;

    G(long goid, long parentGoid, Run run, Runnable fn) {
        this.goid = goid;
        this.parentGoid = parentGoid;
        this.run = run;
        this.fn = fn;
        this.gopc = Traceback.captureCreator(fn);
        this.thread = VThreads.newThread(this, this, threadName(goid, null));
        this.vthread = thread;
        this.cont = VThreads.runContinuation(thread);
        this.state = GStatus.IDLE.ordinal();
    }

    /** An anonymous G that runs an inherited virtual thread's continuation (parent null: white-box tests). */
    G(Runnable foreignCont, G parent) {
        this.goid = 0;
        this.parentGoid = parent != null ? parent.goid : 0;
        this.run = parent != null ? parent.run : null;
        this.thread = null;
        this.vthread = Checkdead.noteForeign(foreignCont);
        this.cont = foreignCont;
        this.gopc = null;
        this.state = GStatus.RUNNABLE.ordinal();
    }

    /**
     * The virtual thread's name, as jcmd Thread.dump_to_file, debuggers and log lines show it:
     * "goroutine-42", or "goroutine-42 label" with a user label.
     */
    static String threadName(long goid, String label) {
        return label == null ? "goroutine-" + goid : "goroutine-" + goid + " " + label;
    }

    /** Sets the user label and renames the thread. The G itself or its creator before it starts. */
    void setLabel(String l) {
        label = l;
        thread.setName(threadName(goid, l));
    }

    /** The current status. */
    GStatus status() {
        return STATUSES[state & STATUS_MASK];
    }

    /** The raw status word (status and ready-epoch), for checkdead's snapshots. Any thread. */
    int word() {
        return state;
    }

    /** The status in a word from {@link #word()}. */
    static GStatus statusOf(int word) {
        return STATUSES[word & STATUS_MASK];
    }

    /** Why it is parked (meaningful only while WAITING); null if parked in JDK code. */
    WaitReason waitReason() {
        return waitreason;
    }

    // ---------------------------------------------------------------- the JDK's side

    /**
     * Called by the JDK whenever a virtual thread scheduled by this G becomes runnable. Never throws:
     * an exception here would lose the goroutine or kill a JDK-wide thread
     * (docs/jdk-virtual-thread-scheduling.md, "execute() must never throw").
     */
    @Override
    public void execute(Runnable r) {
        G gp = this;
        try {
            if (r != cont) {
                gp = new G(r, this); // an inherited child's run (see the essay)
            }
            Proc.ready(gp);
        } catch (Throwable t) {
            if (gp.cont == r) {
                Proc.executeFailed(gp, t); // the G being readied: the child's wrapper, not this G
            } else {
                // Not even the child's wrapper could be made (out of memory). Queueing this G
                // instead (gort before) ran a goroutine nobody readied and lost the child silently.
                try {
                    System.err.println("gort: lost a virtual thread started in goroutine " + goid + " while readying it: " + t);
                } catch (Throwable ignored) {
                    // execute must not throw
                }
            }
        }
    }

    /** The body of the virtual thread: the user's function, then goexit. */
    @Override
    public void run() {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("G.run is the goroutine's own body");
        }
        try {
            fn.run();
        } catch (Throwable t) {
            Proc.panicked(this, t);
        } finally {
            fn = null;
            Proc.goexit(this);
        }
    }

    // ---------------------------------------------------------------- status word

    /**
     * execute(): bump the epoch and mark RUNNABLE. A DEAD G stays DEAD but is still queued: its
     * body has returned, yet the JDK may still need to run the thread's last steps (a monitor it
     * blocked on while exiting, say), and a resubmission of a finished thread is a no-op. Any thread.
     */
    void markRunnable() {
        for (;;) {
            int s = state;
            int st = s & STATUS_MASK;
            int n = ((s & ~STATUS_MASK) + EPOCH_ONE) | (st == GStatus.DEAD.ordinal() ? st : GStatus.RUNNABLE.ordinal());
            if (STATE.compareAndSet(this, s, n)) {
                return;
            }
        }
    }

    /** Before mounting: RUNNING with the current epoch. Returns the word to hand to afterRun. Running M only. */
    int markRunning() {
        for (;;) {
            int s = state;
            if ((s & STATUS_MASK) == GStatus.DEAD.ordinal()) {
                return s;
            }
            int n = (s & ~STATUS_MASK) | GStatus.RUNNING.ordinal();
            if (STATE.compareAndSet(this, s, n)) {
                return n;
            }
        }
    }

    /** After the continuation returned: RUNNING to WAITING unless readied again or dead. Running M only. */
    void afterRun(int runningWord) {
        if ((runningWord & STATUS_MASK) == GStatus.RUNNING.ordinal()) {
            STATE.compareAndSet(this, runningWord, (runningWord & ~STATUS_MASK) | GStatus.WAITING.ordinal());
        }
    }

    /** Sets a status that no other party races on (DEAD at exit, SYSCALL and back in Go.syscall). The G itself only. */
    void setStatus(GStatus st) {
        for (;;) {
            int s = state;
            if (STATE.compareAndSet(this, s, (s & ~STATUS_MASK) | st.ordinal())) {
                return;
            }
        }
    }

    /** Whether the G was readied (execute) since its M set runningWord (markRunning): the epoch moved. */
    boolean readiedSince(int runningWord) {
        return ((state ^ runningWord) & ~STATUS_MASK) != 0;
    }

    /** mp is about to run this G: see {@link #m}. mp only, before markRunning. */
    void setM(M mp) {
        M_FIELD.setRelease(this, mp);
    }

    @Override
    public String toString() {
        return "G" + goid + "(" + status().goName + ")";
    }

    private static final VarHandle STATE;
    private static final VarHandle M_FIELD;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(G.class, "state", int.class);
            M_FIELD = MethodHandles.lookup().findVarHandle(G.class, "m", M.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
