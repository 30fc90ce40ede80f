package dev.gort;

import dev.gort.runtime.Linkname;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Goroutines and Go's {@code runtime} package API.
 *
 * <p>A goroutine is a JDK virtual thread scheduled by gort's GMP scheduler: GOMAXPROCS processors
 * (P), each with a local run queue of 256 goroutines plus a {@code runnext} slot, a global run queue,
 * work stealing, and platform carrier threads (M). Everything that parks a virtual thread, gort's
 * channels and locks as well as the JDK's ({@code synchronized}, {@code java.util.concurrent},
 * sockets, {@code Thread.sleep}), frees the M for the next goroutine.
 *
 * <p>The JVM must be started with {@code --add-opens java.base/java.lang=ALL-UNNAMED} (or
 * {@code =dev.gort} when gort is on the module path). Without it, {@link #go} and {@link #run}
 * throw an {@link IllegalStateException} that names the flag.
 *
 * <pre>{@code
 * Go.run(() -> {
 *     var ch = Chan.<String>make();
 *     Go.go(() -> ch.send("hello"));
 *     System.out.println(ch.recv());
 * });
 * }</pre>
 */
public final class Go {
    private Go() {}

    /**
     * Starts a goroutine running {@code fn}: Go's {@code go fn()}. The runtime starts on first use.
     * An exception escaping {@code fn} is reported on stderr in Go's {@code panic:} format and, if
     * the goroutine belongs to a {@link #run}, ends that run.
     *
     * @throws NullPointerException if fn is null
     * @throws IllegalStateException if the JVM lacks the {@code --add-opens} flag gort needs
     */
    public static void go(Runnable fn) {
        if (fn == null) {
            throw new NullPointerException("go: fn is null");
        }
        Linkname.newproc(fn, null);
        checkPreempt(); // a safe point, as every call is in Go
    }

    /**
     * {@link #go(Runnable)} with a label: the goroutine's virtual thread is named
     * {@code goroutine-42 label} instead of {@code goroutine-42}, so thread dumps
     * ({@code jcmd PID Thread.dump_to_file}), debuggers, log lines and JFR events show it, and the
     * execution tracer's viewer labels the goroutine with it.
     * @throws NullPointerException if label or fn is null
     * @throws IllegalStateException if the JVM lacks the {@code --add-opens} flag gort needs
     */
    public static void go(String label, Runnable fn) {
        if (label == null) {
            throw new NullPointerException("go: label is null");
        }
        if (fn == null) {
            throw new NullPointerException("go: fn is null");
        }
        Linkname.newproc(fn, label);
        checkPreempt();
    }

    /**
     * Labels the calling goroutine: its thread becomes {@code goroutine-42 label} (see
     * {@link #go(String, Runnable)}); {@code null} removes the label. A trace records the label a
     * goroutine had when it was created.
     * @throws IllegalStateException if not called from a goroutine
     */
    public static void setLabel(String label) {
        if (!Linkname.setLabel(label)) {
            throw new IllegalStateException("setLabel: not called from a goroutine");
        }
    }

    /** The calling goroutine's label, or null if it has none or the caller is not a goroutine. */
    public static String label() {
        return Linkname.label();
    }

    /**
     * Runs {@code main} as the main goroutine and returns when it returns, as Go's
     * {@code runtime.main} does. Goroutines still running then are not stopped.
     *
     * <p>If any goroutine of this run (main or one it started, transitively) lets an exception
     * escape, the run ends at once: the panic is reported on stderr and rethrown here (a checked
     * exception wrapped in {@link Panic}). A Go fatal error ends the run with a {@link FatalError}.
     * A fatal error of the runtime itself (a broken scheduler invariant, or an exception such as an
     * {@code OutOfMemoryError} escaping one of gort's scheduler threads) is reported as Go reports
     * a runtime {@code throw} (the message, the failing thread's stack, every goroutine) and ends
     * every run; every later call of this method then throws a {@link FatalError} with the same
     * message, whose cause is the first, without running {@code main}: Go's process would be over.
     * As Go's main waits for a goroutine whose panic is running its deferred calls, a panic whose
     * {@code finally} blocks released main (a {@code WaitGroup.done()} there, say) still ends the
     * run: once main has returned, this method waits while other goroutines of the run are running
     * or runnable, and rethrows a panic that arrives meanwhile. The wait lasts as long as a panic
     * is being reported; otherwise for up to 50 ms of the CPU time gort's threads spend (so a
     * loaded machine that keeps them off its cores does not cut it short), or 50 ms of wall-clock
     * time while every such goroutine is blocked in native code (a blocking read), and never more
     * than 10 s. A panic whose {@code finally} blocks block, or take longer than that, after
     * releasing main is printed but not rethrown. So is any panic of a goroutine after its run's
     * {@code Go.run} has returned (or of one started outside every run): in a plain JVM it changes
     * nothing else (the JVM's exit status is the program's, as for an uncaught exception in any
     * Java thread); under {@code gort run}, whose JVM is Go's process, it ends the program with
     * status 2, even while the JVM exits.
     *
     * <p>Deadlock detection (Go's {@code checkdead}): when every goroutine is parked on gort's
     * channels, locks or {@code select {}}, none is runnable, running, in a syscall or parked in
     * JDK code, no runtime timer is pending, and no thread outside the goroutines (a platform
     * thread, or a virtual thread of the JDK's own scheduler) has created or used the channels and
     * locks they wait on (a context's done channel counts as used by a thread that made or used the
     * context, or a cancelable context it descends from), stderr gets Go's
     * {@code fatal error: all goroutines are asleep - deadlock!} and the goroutine dump, and this
     * method throws a {@link DeadlockError}. If main ended with {@link #goexit()} and every other
     * goroutine has ended, the message is
     * {@code no goroutines (main called runtime.Goexit) - deadlock!}. The check cannot see a
     * platform thread that holds a channel made by a goroutine but has not used it yet (for example
     * one captured by a task queued on an {@code ExecutorService}), nor one that will wake a
     * goroutine by interrupting it ({@code Thread.interrupt}, which ends a blocked channel
     * operation with a {@code ChanInterruptedException}): make such channels on the platform
     * thread, or touch them there once, or do not rely on the report.
     *
     * <p>Nested runs: called from the main goroutine of a running {@code Go.run} (as when a program
     * whose {@code main} calls {@code Go.run} is started with {@code gort run}, which already runs
     * {@code main} as the main goroutine), {@code main} simply runs inline, in the calling goroutine,
     * as a plain call: it stays the main goroutine (goroutine 1 under {@code gort run}), the goroutines
     * it starts belong to the enclosing run, and deadlock detection, panic reports and dumps are
     * exactly those of the enclosing run. Exceptions propagate to the caller unreported, as from any
     * call; the enclosing run reports them if they escape its main. A panic in another goroutine or
     * a deadlock ends the enclosing run, and {@link #goexit()} inside ends the enclosing run's main.
     * Called from any other goroutine, or from a thread that is not a goroutine, {@code Go.run}
     * starts a new run as described above; a panic that ends it is reported once, by that run, and
     * rethrown to the caller, whose own run it also ends if it escapes there (not reported again).
     *
     * @throws NullPointerException if main is null
     * @throws IllegalStateException if the JVM lacks the {@code --add-opens} flag gort needs, or when
     *     called inside a {@code dev.gort.synctest} bubble
     */
    public static void run(Runnable main) {
        if (main == null) {
            throw new NullPointerException("run: main is null");
        }
        FatalError dead = Linkname.refusal();
        if (dead != null) {
            throw dead; // the runtime itself threw earlier (see above)
        }
        if (Linkname.callerIsMain()) {
            main.run(); // nested in a main goroutine: inline (see above)
            return;
        }
        if (Linkname.bubble() != null) {
            // its wait for main would be a JDK park: not durable, so the bubble's clock would stop
            throw new IllegalStateException("run: called inside a synctest bubble; start goroutines with Go.go");
        }
        Throwable failure;
        try {
            failure = Linkname.run(main);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("run: interrupted while waiting for the main goroutine", e);
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        if (failure != null) {
            throw new Panic(String.valueOf(failure), failure);
        }
    }

    /**
     * Go's {@code runtime.Gosched}: yields the processor; the goroutine goes to the global run
     * queue, behind every runnable goroutine. Same as {@link Thread#yield()} inside a goroutine.
     * Outside a goroutine it is {@code Thread.yield()}.
     */
    public static void gosched() {
        Thread.yield();
    }

    /** Go's {@code runtime.NumGoroutine}: the number of live goroutines. */
    public static int numGoroutine() {
        return Linkname.numGoroutine();
    }

    /**
     * Go's {@code runtime.GOMAXPROCS}: sets the number of Ps to {@code n} and returns the previous
     * value; {@code n < 1} only queries. The default is {@code Runtime.availableProcessors()},
     * overridden by the {@code GOMAXPROCS} environment variable or {@code -Dgort.maxprocs}.
     * Shrinking moves the run queues of the removed Ps to the global queue; no goroutine is lost.
     */
    public static int gomaxprocs(int n) {
        return Linkname.gomaxprocs(n);
    }

    /** Go's {@code runtime.NumCPU}: {@code Runtime.availableProcessors()}. */
    public static int numCPU() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * Go's {@code debug.SetMaxThreads}: the most Ms (carrier threads) the runtime may create, 10000
     * by default. Returns the previous limit. Needing more is Go's fatal error "thread exhaustion".
     *
     * @throws IllegalArgumentException if n is less than 1
     */
    public static int setMaxThreads(int n) {
        return Linkname.setMaxThreads(n);
    }

    /**
     * Marks a blocking call, Go's {@code entersyscall}/{@code exitsyscall}: the goroutine's P is
     * left for sysmon to hand to another M (after 20us if goroutines are queued, at the latest
     * after 10ms), so the P's other goroutines keep running while {@code fn} blocks its M. On
     * return the goroutine takes its P back, or an idle P, or else waits in the global run queue;
     * the return is a preemption safe point (see {@link #checkPreempt}), and a goroutine that
     * keeps its P through a loop of short calls loses it when its 10ms time slice is over (Go's
     * rule). From a thread that is not a goroutine, {@code fn} is simply called. Each blocked
     * call may cost an M; more than {@link #setMaxThreads} is Go's fatal error "thread
     * exhaustion".
     *
     * @return what fn returns; whatever it throws propagates
     */
    public static <T> T syscall(Callable<T> fn) throws Exception {
        return Linkname.syscall(fn, false);
    }

    /**
     * As {@link #syscall(Callable)}, but with {@code handoff} the P is handed to another M at once
     * instead of waiting for sysmon: Go's {@code entersyscallblock}, for calls known to block.
     */
    public static <T> T syscall(Callable<T> fn, boolean handoff) throws Exception {
        return Linkname.syscall(fn, handoff);
    }

    /**
     * A preemption safe point for hot loops: if sysmon has asked the calling goroutine to yield
     * (it has run for more than 10ms without returning to the scheduler), yield now, as Go's
     * asynchronous preemption would. Costs one field read otherwise. The gort agent inserts calls
     * to it at loop back-edges and method entries.
     */
    public static void checkPreempt() {
        if (Linkname.preemptRequested()) {
            Linkname.preemptCheck();
        }
    }

    /**
     * Go's {@code runtime.LockOSThread}: wires the calling goroutine to its current M (carrier
     * thread) until a matching {@link #unlockOSThread}; calls nest. The goroutine then runs only on
     * that M, and the M runs nothing else. A no-op outside a goroutine.
     */
    public static void lockOSThread() {
        Linkname.lockOSThread();
    }

    /** Go's {@code runtime.UnlockOSThread}: undoes one {@link #lockOSThread}; a no-op if none is in force. */
    public static void unlockOSThread() {
        Linkname.unlockOSThread();
    }

    /**
     * Go's {@code runtime.Goexit}: ends the calling goroutine, running its {@code finally} blocks as
     * Go runs deferred calls. It is not a panic: nothing is reported. If the goroutine is the main
     * goroutine of a {@link #run}, the run does not end: the other goroutines go on, and when none is
     * left the run ends with a {@link DeadlockError}, {@code no goroutines (main called
     * runtime.Goexit) - deadlock!}, as in Go. It works by throwing an internal {@link Error}; code
     * that catches {@code Throwable} and does not rethrow it stops the unwinding, and so does a
     * {@code catch} of an exception that a {@code finally} throws during the unwinding (which
     * replaces the Goexit, as any Java exception thrown from a {@code finally} replaces the one
     * in flight); Go's Goexit cannot be stopped.
     *
     * @throws IllegalStateException if not called from a goroutine
     */
    public static void goexit() {
        Linkname.goexit();
    }

    /**
     * Go's {@code runtime.Stack}: the calling goroutine's traceback in Go's format and, with
     * {@code all}, every other live goroutine's after it, separated by blank lines:
     * <pre>
     * goroutine 7 [chan receive, 2 minutes]:
     * com.example.Worker.run(...)
     * 	Worker.java:42
     * created by com.example.Main.main in goroutine 1
     * 	Main.java:12
     * </pre>
     * The header says why the goroutine waits (Go's wait reasons; {@code jdk park} for JDK code), or
     * its status, and how long once that is a minute or more. gort's and the JDK's internal frames
     * are left out. Called from outside a goroutine, the calling thread's block is omitted. Each
     * goroutine is read in turn, without stopping the others, so the dump is not one instant.
     */
    public static String stack(boolean all) {
        return Linkname.stack(all);
    }

    /**
     * The goroutines still alive that belong to the {@link #run} whose main goroutine has id
     * {@code mainGoid} (read with {@link #goid()} inside main): every goroutine main started, and
     * every goroutine those started, transitively, main itself excepted. Each element is one
     * goroutine's block in {@link #stack} format, in goid order; the list is empty once they have
     * all returned. This is what a leak check in the manner of goleak's {@code VerifyNone} needs
     * (gort-junit's {@code @GoTest} uses it after the test's main goroutine returns); unlike
     * {@link #leakedGoroutines()} it reports a goroutine whatever it is doing, running or parked,
     * and needs no JVM flag. Goroutines started from a thread that is not one of the run's
     * goroutines, and virtual threads created with the JDK's API (goid 0), do not belong to any
     * run and are not listed. Cost: one pass over the live goroutines, and a stack read for each
     * goroutine listed.
     */
    public static List<String> runGoroutines(long mainGoid) {
        return Linkname.runGoroutines(mainGoid);
    }

    /**
     * The scheduler's state as Go's {@code GODEBUG=schedtrace} prints it, for one instant. Without
     * {@code detail}, one line, ending in a newline:
     * <pre>
     * SCHED 1204ms: gomaxprocs=4 idleprocs=1 threads=6 spinningthreads=0 idlethreads=2 runqueue=0 [3 0 12 0]
     * </pre>
     * (milliseconds since the runtime started; Ps; idle Ps; Ms; spinning and idle Ms; the global run
     * queue's length; each P's local run queue). With {@code detail}, Go's {@code scheddetail=1}
     * report: the summary line (with {@code nmidlelocked}, {@code sysmonwait} and sysmon's
     * {@code retakes}), then one line per P ({@code P0: status= schedtick= syscalltick= m= runqsize=},
     * and gort's {@code runs=} and {@code steals=}: goroutines the P has run and times it has stolen
     * work, since start-up), one per M ({@code M0: p= curg= spinning=}) and one per goroutine
     * ({@code G7: status=4(chan receive) m=-1}). The values are read without locks, as Go's are: a
     * racy snapshot, for people and logs, not for decisions.
     *
     * <p>Go prints this only every N ms under {@code GODEBUG=schedtrace=N} (gort too: that
     * variable, or {@code -Dgort.schedtrace=N}, {@code gort run --schedtrace N}; and
     * {@code scheddetail=1}); gort also lets a program take one report when it wants it (a watchdog
     * that found a stall, a demo, a test) instead of parsing stderr. The format is Go's and may grow
     * fields as Go's does; parse it by {@code name=value}, not by position.
     */
    public static String schedtrace(boolean detail) {
        return Linkname.schedtrace(detail);
    }

    /**
     * Partial deadlocks (goroutine leaks), after Go's experimental goroutine leak profile: the
     * goroutines that are parked and that nothing can ever wake, because no running or runnable
     * goroutine, no platform thread and no static field can reach the channel, lock or thread they
     * wait on. Each element is one goroutine's block in {@link #stack} format, its state marked
     * {@code (leaked)}, e.g. {@code goroutine 9 [chan send (leaked)]:}.
     *
     * <p>How: the candidates (parked goroutines) are held only weakly by the runtime for the
     * duration of a full GC ({@code System.gc()}, twice); those the GC collects were reachable only
     * from each other, and are reported (their stacks are read before the GC) and are gone for good,
     * which also frees their memory. Limits: it costs two full GCs; it reports only what the GC proves,
     * so a leaked goroutine that something still references (a stale run-queue slot, a tracer buffer,
     * a user's collection) is missed, while a reported one is certainly leaked; the main goroutine
     * of a live run is never reported (its run holds it); while it runs, the candidates are missing
     * from {@link #stack} for a few milliseconds (not from {@link #numGoroutine}, which counts the
     * reported goroutines until it returns) and deadlock detection waits.
     *
     * <p>No JVM flag is needed: goroutines start in gort's own thread container, which does not
     * keep them reachable. On a JDK where gort cannot make that container, goroutines start in the
     * JDK's root container, whose registry keeps every virtual thread reachable; there this needs
     * {@code -Djdk.trackAllThreads=false} and throws without it.
     *
     * @throws IllegalStateException if goroutines are in the JDK's root container and the JVM runs
     *         without {@code -Djdk.trackAllThreads=false}
     */
    public static List<String> leakedGoroutines() {
        return Linkname.leakedGoroutines();
    }

    /**
     * Go's {@code runtime/trace.Start}: starts recording the scheduler's events (goroutine create,
     * start, end, block with its wait reason, unblock with the unblocking goroutine, syscalls, P
     * start and stop, steals, preemptions, GOMAXPROCS changes) for {@link #stopTrace} to write to
     * {@code file}. Goroutines alive at this point appear in the trace with their status.
     * {@code gort trace FILE} turns the file into an HTML viewer or a Chrome Trace Event JSON.
     * The JVM option {@code -Dgort.trace=FILE} starts a trace when the runtime starts and writes it
     * at JVM exit. Events are kept in memory until the trace stops (32 bytes each, at most
     * {@code -Dgort.trace.maxevents}, default 4,000,000; later ones are counted as dropped).
     *
     * @throws NullPointerException if file is null
     * @throws IllegalStateException if a trace is already being recorded
     */
    public static void startTrace(Path file) {
        Linkname.traceStart(file);
    }

    /**
     * Go's {@code runtime/trace.Stop}: stops the trace started by {@link #startTrace} (or
     * {@code -Dgort.trace}) and writes its file; returns the file's path.
     *
     * @throws IllegalStateException if no trace is being recorded
     * @throws java.io.UncheckedIOException if the file cannot be written
     */
    public static Path stopTrace() {
        return Linkname.traceStop();
    }

    /** The calling goroutine's id, or -1 when not called from a goroutine. */
    public static long goid() {
        return Linkname.goid();
    }
}
