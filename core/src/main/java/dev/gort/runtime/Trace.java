package dev.gort.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static dev.gort.trace.format.TraceFile.GOMAXPROCS;
import static dev.gort.trace.format.TraceFile.GO_BLOCK;
import static dev.gort.trace.format.TraceFile.GO_CREATE;
import static dev.gort.trace.format.TraceFile.GO_END;
import static dev.gort.trace.format.TraceFile.GO_OFFP;
import static dev.gort.trace.format.TraceFile.GO_PREEMPT;
import static dev.gort.trace.format.TraceFile.GO_SCHED;
import static dev.gort.trace.format.TraceFile.GO_START;
import static dev.gort.trace.format.TraceFile.GO_STATUS;
import static dev.gort.trace.format.TraceFile.GO_SYSCALL;
import static dev.gort.trace.format.TraceFile.GO_SYSEXIT;
import static dev.gort.trace.format.TraceFile.GO_UNBLOCK;
import static dev.gort.trace.format.TraceFile.PROC_START;
import static dev.gort.trace.format.TraceFile.PROC_STOP;
import static dev.gort.trace.format.TraceFile.STEAL;
import static dev.gort.trace.format.TraceFile.USER_LOG;
import static dev.gort.trace.format.TraceFile.USER_REGION;
import static dev.gort.trace.format.TraceFile.USER_REGION_END;
import static dev.gort.trace.format.TraceFile.USER_TASK;
import static dev.gort.trace.format.TraceFile.USER_TASK_END;

/*
 * Trace: gort's execution tracer, its event emitters: the hooks the scheduler calls (goCreate,
 * goStart, goStop, goUnblock, ...), after Go's src/runtime/trace.go (starting and stopping) and
 * traceruntime.go (traceGoCreate, traceGoStart, traceGoPark, traceGoUnpark, ...). The events go
 * into a TraceSession (its buffers, and the encoder that writes them), in the file format that
 * dev.gort.trace.format.TraceFile defines for this writer and for `gort trace FILE`, which turns
 * a file into Chrome Trace Event JSON or an offline HTML viewer (dev.gort.tools.trace in the
 * tools module, which mirrors Go's internal/trace and cmd/trace).
 *
 * Events: where each is emitted (Go's names in brackets; TraceFile lists their arguments)
 * -------------------------------------------------------------------------------------
 *   GOMAXPROCS       procresize                                   [EvGomaxprocs]
 *   PROC_START       acquirep                                     [EvProcStart]
 *   PROC_STOP        releasep                                     [EvProcStop]
 *   GO_CREATE        newproc                                      [EvGoCreate]
 *   GO_START         execute, before mounting                     [EvGoStart]
 *   GO_END           execute, after a run that ended              [EvGoEnd]
 *   GO_BLOCK         the G parked (see "Closing a run")           [EvGoBlock..., EvGoPark]
 *   GO_SCHED         Thread.yield / Go.gosched                    [EvGoSched]
 *   GO_UNBLOCK       ready (p = the readier's P)                  [EvGoUnblock]
 *   GO_PREEMPT       preemptCheck (sysmon asked)                  [EvGoPreempt]
 *   GO_SYSCALL       Go.syscall: ends the G's run                 [EvGoSysCall, EvGoSysBlock]
 *   GO_SYSEXIT       exitsyscall: resumes it on the P it got       [EvGoSysExit]
 *   GO_OFFP          the G's P was retaken while it ran (sysmon); it runs on without a P
 *   STEAL            stealWork took g from victim's queue
 *   GO_STATUS        snapshot of a G live when tracing started    [EvGoInSyscall/EvGoWaiting]
 *   USER_TASK        dev.gort.trace.Trace.task                    [EvUserTaskBegin]
 *   USER_TASK_END    Task.end                                     [EvUserTaskEnd]
 *   USER_REGION      Trace.region                                 [EvUserRegionBegin]
 *   USER_REGION_END  Region.end                                   [EvUserRegionEnd]
 *   USER_LOG         Trace.log                                    [EvUserLog]
 * p is -1 ("no P") for events from threads that hold no P. Names, stacks and messages are ids in
 * the session's string table (the file's "labels"). Labels say where a goroutine came from: its
 * creation site ("Class.method:line" of G.gopc, the go statement's frame that Traceback records);
 * Go labels a goroutine with its start function.
 *
 * Stacks and wakers (see Stacks)
 * ------------------------------
 * While a session records stacks (-Dgort.trace.stacks, default true), gopark records the parking
 * goroutine's stack in G.parkStack, and the GO_BLOCK that closes that run carries it in b (string
 * id + 1, 0 for none: a park in JDK code has none). A GO_UNBLOCK carries the readier's stack in
 * extra (id + 1), and when no goroutine readied it, b is -(id + 1) of the waker's name (timer,
 * sysmon, netpoll, a thread's name) instead of 0. A walk costs 2-10 us on a quiet machine (~15 us
 * at a load of 20 on 2 cores), so a traced program that parks a lot runs tens of times slower than
 * with -Dgort.trace.stacks=false (channel ping-pong: ~60x against ~1.7x; docs/benchmarks.md).
 * gopark takes the stack after Proc.gopark has set the G's wait reason, and interning it may meet
 * the string table's lock held by another thread. Left free to unmount there, the goroutine parked
 * in JDK code with its reason already set: the trace showed a park of that reason ("sleep") woken
 * by the JDK's VirtualThread-unblocker (ViewerAnnotationsTest, 1 in 5 runs at GOMAXPROCS 4 under
 * load), and then its real park. So the walk and the interning run pinned (Proc.acquirem): a
 * contended lock there holds the M for the holder's few stores, as Go's runtime locks do.
 *
 * Consumers: one flag for all (the one-branch rule)
 * --------------------------------------------------
 * The emit sites feed three consumers: a tracing session (a file trace, or the flight recorder's
 * ring), JFR (Jfr, while a recording runs), and the metrics' accounting (SchedMetrics: latency and
 * blocked time, once metrics were asked for). on is true while any of them is; each hook then
 * checks which: session != null, jfr, metrics. So with none on, every site still costs one load
 * and one not-taken branch, and Proc.gopark's park goes straight to LockSupport.park.
 *
 * Cost when off
 * -------------
 * Every emit site in the scheduler is `if (Trace.on) Trace.xxx(...)`: one load of a static volatile
 * boolean (a plain MOV on x86, an LDAR on ARM) and a not-taken branch; the arguments are not
 * evaluated and the call is out of line. on is volatile, not static final, because Go.startTrace
 * turns tracing on at run time. Measured with bench/trace-overhead/run.sh (MODE=chan: unbuffered
 * channel ping-pong on one P, 6 alternating JVM pairs, CPU time): median 758 ns per round trip with
 * the sites, 783 ns with every site deleted from Proc; the noise on the shared 2-core machine is
 * about 10%, so the cost is below what it can resolve (9 sites, ~6 passed per round trip, ~1 ns
 * each). With tracing on and stacks off, the same loop takes ~1.7x (about 100 ns per event: a
 * carrier lookup, a CAS on the buffer lock, a timestamp, a Run per run; see TraceSession); with
 * stacks on, the walks dominate (see "Stacks and wakers"). The hooks JFR and metrics
 * added (gopark, sysmon's retakes, entersyscallblock) follow the same rule; docs/benchmarks.md has
 * the A/B of the rows most sensitive to them (channel ping-pong and spawn) before and after.
 *
 * The flight recorder (Go 1.25's FlightRecorder; dev.gort.trace.FlightRecorder)
 * -----------------------------------------------------------------------------
 * A session in ring mode (TraceSession's "The ring"): startRing/stopRing/writeRing here, the
 * ring's pruning and its self-contained window there. -Dgort.flightrecorder=DIR starts one with
 * the runtime; checkdead, the leak scan and a panic that ends a run call snapshotOnFailure before
 * they fail the run, so the file exists when Go.run throws.
 *
 * Closing a run (the one subtle protocol)
 * ---------------------------------------
 * Go emits GoBlock from the goroutine itself, on its P, before it switches to g0. gort cannot: a
 * goroutine that parks in JDK code (a ReentrantLock, a CountDownLatch) never calls us before it
 * unmounts, and the M only learns of the park when runContinuation returns. By then another thread
 * may already have readied the G, and another M may be about to run it; an M that stamped GO_BLOCK
 * only then would put it after the unblock and after the next GO_START. So a G's open run is a
 * field, G.tracep (a Run: a fresh object per run naming the P it is on and the M that carries it;
 * null, or an ended session's Run, when not running in the trace), and whoever closes it first
 * wins a CAS on it:
 *   - goStart sets tracep = a new Run on pp and mp, after stamping GO_START.
 *   - goUnblock (in ready, before the G is queued) closes the run if it is still open: the G has
 *     unmounted (the JDK calls execute only for a parked or yielded thread), so it stamps GO_SCHED
 *     if it yielded, else GO_BLOCK, on the old P, then GO_UNBLOCK.
 *   - goStop (in execute, after the run) closes it if still open and still its M's: GO_END if the
 *     G is dead, else GO_BLOCK with the G's wait reason (for a park in JDK code, see "IO wait").
 * Retaken Ps. Sysmon may retake a P whose goroutine hogs it (see Sysmon); the goroutine keeps
 * running on its M without a P while another M runs goroutines on the P. When the P's new M
 * starts a goroutine, open() closes the hog's run with GO_OFFP (the buffer remembers whose run it
 * opened last) and leaves an off-P Run (p = OFFP_RUN, from = the run it continues) in the hog's
 * tracep: its run goes on without a P. The hog's later
 * park, yield, syscall or end closes that run like any other (the same CAS), with p = -1, so a
 * trace shows where the hog parked (a flight recorder's snapshot of a deadlock must).
 * A lost close follows the run off-P. A closer reads tracep (a Run on pp) and then CASes it; a
 * retake's GO_OFFP may win in between (the Run replaced by an off-P Run whose from is the one the
 * closer read). That is still the run the closer meant, so the closer CASes again from the off-P
 * Run and stamps its stop at p = -1; any other value means another closer won, and it stops.
 * Giving up instead left the run open: the unblock came next, then goStart found OFFP_RUN and
 * stamped a GO_BLOCK right before the GO_START, and the trace read "started while blocked" (seen
 * under load, where sysmon retakes Ps from goroutines whose threads the OS held up). The rule: a
 * run is closed before the G's unblock.
 * The closer takes the old P's buffer lock, takes its timestamp, CASes, and stores its event
 * before it lets go (close; a trace's starting snapshot opens runs the same way, so that a close
 * cannot be stamped before the status it closes). The timestamp before the CAS makes a stop
 * precede both the unblock and the next start of that G, and the next start on the old P (the old
 * M can only go on after its own CAS failed); a retried close takes a new one, after the
 * GO_OFFP's. The lock makes every event stamped under its buffer's lock, which a flight
 * recorder's snapshot needs (TraceSession's "Writing"): a closer that stamped first and stored
 * after its CAS could be held up by the OS while a snapshot drained the old P's buffer; the
 * snapshot then had the G's unblock and next start but not its stop ("unblocked while running",
 * FlightRecorderTest, 1 in 10 CI runs under load). Only the closer reads waitreason, while the G is parked and not yet queued, so the
 * reason is the one of that park.
 * Why a Run and not the P: a P recurs. When tracep named the P, a closer held up between its read
 * and its CAS (an M the OS descheduled after runContinuation returned) could find the same P again
 * after another closer had closed that run and the G had started a new run on that P; its CAS
 * then closed the new run with a stale timestamp, so the old run read closed twice and the new one
 * never (seen under load: "started while blocked", "unblocked while running"). A Run is never
 * reused, so a CAS from the Run a closer read succeeds only on that run. It costs one small
 * allocation per run and per retake, while a trace is recording.
 * Whose run goStop closes. goStop reads tracep after the continuation returned, and by then the G
 * may be running again elsewhere: a G that yields (Thread.yield, a sysmon preemption) or whose
 * park raced an unpark is resubmitted by the JDK from inside runContinuation, on the old M, so it
 * is queued, readied (goUnblock closed the old run) and started by another M while the old M is
 * still on its way to goStop (held up by the OS, or a retake gave its P away). The tracep that
 * goStop then reads is the new M's run of a goroutine that is running; closing it stamped a
 * GO_BLOCK ("jdk park", no stack: the G was not parked) and left the G's real park on the new M
 * with no run to close, so a flight recorder's snapshot of a deadlock showed a goroutine's last
 * park without its reason or stack (FlightRecorderTest, 1 in 45 runs). So goStop closes a run only
 * if its Run names the calling M: the M's own run, or the off-P continuation of it. Any other
 * closer (goUnblock, goStart, a retake, Go.syscall) closes the run it finds, as the G it acts on is
 * then not running elsewhere (save a duplicate of a queued G, which a dump's getStackTrace can make:
 * see G). A Run opened by a trace's starting snapshot names the M it saw the G on. A dead G with no
 * open run gets a GO_END at p = -1 from goStop only if it was not readied since that M started it
 * (execute passes whether its status epoch moved): otherwise it yielded there and ended on another
 * M, which stamped its end, and a second one read "end of a dead goroutine". TraceRunTest
 * replays the held-up goStop, the second end, and the sessions below.
 *
 * Sessions
 * --------
 * A Run carries its session's number (TraceSession.gen), and every hook reads tracep through
 * runOf, which takes a Run of another session for none. Stopping a trace cannot reach every G: one
 * that is exiting has left allgs, and a goStart that read the session just before it ended opens
 * its Run after the stop. Without the number, a trace started right after would close that run:
 * a GO_END or GO_BLOCK on a P for a goroutine it never saw start. With it, stopping a trace leaves
 * the Runs where they are (a Run holds no buffer), and the next trace's snapshot replaces those
 * of the goroutines it sees running.
 *
 * IO wait
 * -------
 * A goroutine blocked on a socket parks in JDK code (sun.nio.ch.Poller), with no wait reason of
 * gort's. Dumps tell it from other JDK parks by its stack (Traceback.jdkWaitReason). The tracer
 * cannot read the stack when the run closes: reading a virtual thread's stack makes the JDK
 * resubmit it if it is already runnable (a second execute, whose unblock can then be stamped
 * after the G's next start), and a socket wait is often over by the time goStop runs. So a GO_BLOCK
 * for a park in JDK code without a blocker (the poller parks without one; a j.u.c lock or
 * condition names itself) is stamped "jdk park" and its place is kept in G.ioMark; when the G is
 * unblocked by the JDK's poller thread (Stacks.onPoller), the event's reason becomes "IO wait"
 * (a readier that closes the run itself stamps it so at once). The closer and the poller's
 * unblock may race, and they meet on the identity of the run that park ended (a Run is never
 * reused): the closer stores G.lastClosed = its Run before its CAS, and after the event stores
 * G.ioMark (the event's place and that Run) and then reads G.ioWoken; the unblock takes the run it
 * ends (tracep if still open, else lastClosed, which the closer wrote before the CAS that emptied
 * tracep), writes it to ioWoken and then reads ioMark. Both sides name a run by its root: a retake
 * may turn the run into its off-P continuation between the unblock's read and the closer's CAS,
 * and that is still the same run. All volatile, so one of the two sees the
 * other, and it sets the reason if the Runs agree (twice is harmless). A stale mark or ioWoken
 * names a run that is over and never agrees with a later one, so ioWoken is never cleared:
 * clearing it in goStart, as a first version did, lost the reason when the closer was so slow
 * that the G had been woken and started again before it read ioWoken (TraceIoWaitTest, 1 in 15
 * at GOMAXPROCS=4). goStart clears ioMark only to let the trace's chunk go: the unblock before
 * that start has read it already. A snapshot's GO_STATUS of a waiting goroutine is marked the same
 * way, with a Run that stands for the goroutine's run before the trace; that one is best-effort:
 * the snapshot's write of lastClosed is ordered by no CAS against an unblock racing it, which may
 * read an older run and leave the status "jdk park".
 *
 * Invariants of a trace (checked by TraceConsistencyTest in the tools module)
 * ---------------------------------------------------------------------------
 *   - Per goroutine: CREATE, then (START, then one of END/BLOCK/SCHED)*, END last; an UNBLOCK
 *     falls between a BLOCK and the next START (an unblock of a runnable G, as the JDK's duplicate
 *     submits and a new G's first start give, changes nothing).
 *   - Per P: runs never overlap.
 * A trace started while goroutines run begins with a GO_STATUS snapshot, in which a G seen
 * running may in fact just have stopped; its run is then closed at its next unblock.
 *
 * Rejected alternatives
 * ---------------------
 *  - JFR as the tracer's format: an allocation per event when enabled, no notion of a P, and the
 *    viewer would need the JFR parser. JFR gets its own events (Jfr) from the same hooks instead.
 *
 * Differences from Go
 * -------------------
 *  - Stacks only on block and unblock events (Go has them on most events); no GC, heap or
 *    network-poller events (a netpoll wake-up is named as the waker of the unblock).
 *  - GO_BLOCK carries a wait reason, by the names of Go's dumps (Go's tracer has its own block
 *    reasons: "network" where gort says "IO wait"); a park in JDK code is "IO wait" when the
 *    JDK's socket poller readied it, else "jdk park": a socket wait ended by another goroutine
 *    closing the socket, or still waiting when the trace ends, stays "jdk park" (a dump, or the
 *    flight recorder's report, shows it as IO wait). Go knows the reason when the goroutine parks.
 *  - The unblocker is a named waker when the readier is not a goroutine (timer, sysmon, netpoll,
 *    a thread), and "scheduler (Mn)" when the JDK resubmits a goroutine whose park raced with an
 *    unpark (the unparker is unknown then). Naming one costs a stack walk, even without stacks.
 *  - Anonymous goroutines (virtual threads created with the JDK's API inside a goroutine, goid 0)
 *    are not traced; their runs show as gaps in their P's lane.
 *  - Labels are the creation site, not the goroutine's start function (a Java lambda's class
 *    does not name its body); as G.gopc, it is the first site that started the same lambda. A
 *    goroutine started by a gort library (WaitGroup.go, Group.go, context) is labelled by the
 *    user's call that led there, "Main.main:14 (via WaitGroup.go:132)" (a stack walk per such
 *    create, while tracing); gort's own goroutines by their name ("gort: context.propagateCancel");
 *    a user label (Go.go(label, fn)) comes first: "label (site)".
 */
final class Trace {
    private Trace() {}

    /**
     * Whether some consumer of the scheduler's events is on: a tracing session (file or flight
     * recorder), a JFR recording, or the metrics' accounting (see "Consumers"). Read at every emit
     * site; written by update() under Trace.class.
     */
    static volatile boolean on;
    /** The current session (a file trace or a flight recorder), or null. Written under Trace.class. */
    private static volatile TraceSession session;
    /** A JFR recording is running (see Jfr). Written by setJfr under Trace.class. */
    static volatile boolean jfr;
    /** The metrics' latency and blocked-time accounting is on (see SchedMetrics). Under Trace.class. */
    static volatile boolean metrics;

    private static void update() {
        assert Thread.holdsLock(Trace.class);
        on = session != null || jfr || metrics;
    }

    static synchronized void setJfr(boolean running) {
        jfr = running;
        update();
    }

    static synchronized void setMetrics(boolean enabled) {
        metrics = enabled;
        update();
    }

    /** G.tracep: see "Closing a run". Initialised before the gort.trace start below uses it. */
    private static final VarHandle TRACEP;
    /** The P of a run that lost its P to a retake and goes on without one ("Retaken Ps"). */
    private static final P OFFP_RUN = new P(-1);

    /**
     * One open run of a goroutine in the trace: the session it belongs to (TraceSession.gen), the P
     * it is on (OFFP_RUN once a retake took it), the M that carries it, and for an off-P run the
     * run it continues. A fresh object per run, so that a closer's CAS can only close the run it
     * read (a P recurs between runs; a run never does). Immutable.
     */
    static final class Run {
        final int gen;
        final P p;
        final M m;
        final Run from;

        Run(int gen, P p, M m, Run from) {
            this.gen = gen;
            this.p = p;
            this.m = m;
            this.from = from;
        }
    }

    /** The run r is part of: an off-P run continues the run it came from ("Retaken Ps"); null for null. */
    private static Run root(Run r) {
        return r != null && r.from != null ? r.from : r;
    }

    /** gp's open run in session s, or null: a Run an earlier session left behind is none (see "Sessions"). */
    private static Run runOf(G gp, TraceSession s) {
        Run r = gp.tracep;
        return r != null && r.gen == s.gen ? r : null;
    }

    static {
        try {
            TRACEP = MethodHandles.lookup().findVarHandle(G.class, "tracep", Run.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static {
        String f = System.getProperty("gort.trace");
        if (f != null && !f.isBlank()) {
            start(Path.of(f));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                TraceSession s = session;
                if (s != null && !s.ring) {
                    try {
                        Path written = stop();
                        System.err.println("gort: trace written to " + written + " (view it: gort trace " + written + ")");
                    } catch (RuntimeException e) {
                        System.err.println("gort: could not write the trace: " + e);
                    }
                }
            }, "gort-trace-writer"));
        }
    }

    /**
     * The consumers that start with the runtime (Proc.schedinit, once): JFR's listener, metrics
     * accounting with -Dgort.metrics=true, the MBean with -Dgort.jmx=true, the flight recorder
     * with -Dgort.flightrecorder=DIR. The MBean is dev.gort.metrics', a package above the runtime:
     * it is found as a service (Linkname.JmxHook), not imported, as java.management finds
     * jdk.management's platform MBeans (PlatformMBeanProvider). The lookup (tens of milliseconds
     * in a fresh JVM) is made only when the property asks for it.
     */
    static void initConsumers() {
        try {
            Jfr.init();
        } catch (LinkageError e) {
            // a runtime image without the jdk.jfr module: no JFR events, nothing else changes
        }
        SchedMetrics.enableIfConfigured();
        if (Boolean.getBoolean("gort.jmx")) {
            try {
                for (Linkname.JmxHook h : ServiceLoader.load(Linkname.JmxHook.class, Trace.class.getClassLoader())) {
                    h.registerMBean();
                }
            } catch (RuntimeException | ServiceConfigurationError | LinkageError e) {
                System.err.println("gort: -Dgort.jmx=true: " + e); // the runtime goes on without it
            }
        }
        startConfiguredRing();
    }

    // ================================================================== start and stop

    /**
     * Starts tracing into file (written by stop). Snapshots the live goroutines first.
     * Throws IllegalStateException if a trace is already on.
     */
    static synchronized void start(Path file) {
        if (file == null) {
            throw new NullPointerException("startTrace: file is null");
        }
        TraceSession cur = session;
        if (cur != null) {
            throw new IllegalStateException(cur.ring ? "startTrace: the flight recorder is on (gort has one tracer; "
                    + "snapshot the recorder with writeTo, or stop it first)"
                    : "startTrace: tracing is already enabled (writing to " + cur.file + ")");
        }
        begin(new TraceSession(file, Long.getLong("gort.trace.maxevents", 4_000_000L), 0, 0));
    }

    /** Makes s the session and snapshots the live goroutines. Under Trace.class, no session on. */
    private static void begin(TraceSession s) {
        session = s;
        update();
        s.emit(-1, GOMAXPROCS, 0, 0, Proc.gomaxprocs);
        snapshot(s);
    }

    /** Stops tracing and writes the file; returns its path. IllegalStateException if tracing is off. */
    static synchronized Path stop() {
        TraceSession s = session;
        if (s == null || s.ring) {
            throw new IllegalStateException("stopTrace: tracing is not enabled"
                    + (s != null ? " (the flight recorder is on: stop it instead)" : ""));
        }
        end();
        try {
            s.write(s.file);
        } catch (IOException e) {
            throw new UncheckedIOException("stopTrace: cannot write " + s.file + ": " + e.getMessage(), e);
        }
        return s.file;
    }

    /** Ends the session. Under Trace.class. The runs it leaves open are ignored by the next (see "Sessions"). */
    private static void end() {
        session = null;
        update();
    }

    /** The trace's view of the goroutines already alive: a GO_CREATE and a GO_STATUS each. */
    private static void snapshot(TraceSession s) {
        for (P pp : Proc.allp) {
            M mp = pp.m;
            if (mp != null && pp.status != PStatus.DEAD) {
                s.emit(pp.id, PROC_START, 0, 0, (int) mp.mid);
            }
        }
        int existing = s.label("(alive when the trace started)");
        for (G gp : Proc.allgs) {
            s.emit(-1, GO_CREATE, gp.goid, gp.parentGoid, existing);
            GStatus st = gp.status();
            M mp = gp.m;
            P pp = mp != null ? mp.p : null;
            Run cur = gp.tracep; // null, or one an earlier session left: replaced, never closed
            boolean opened = false;
            if (st == GStatus.RUNNING && pp != null && (cur == null || cur.gen != s.gen)) {
                Run run = new Run(s.gen, pp, mp, null);
                TraceSession.Buf b = s.buf(pp.id);
                b.lock(); // stamp, CAS and store under it, as a closer does: see "Closing a run"
                try {
                    long ts = s.now();
                    if (TRACEP.compareAndSet(gp, cur, run)) {
                        s.storeLocked(b, ts, pp.id, GO_STATUS, gp.goid, 0, st.ordinal(), 0, null);
                        b.running = gp;
                        opened = true;
                    }
                } finally {
                    b.unlock();
                }
            }
            if (!opened) {
                WaitReason r = gp.waitreason;
                int extra = st.ordinal() | (st == GStatus.WAITING ? reasonOf(r, false) + 1 : 0) << 8;
                if (st == GStatus.WAITING && mayBeIoWait(gp, r)) { // see "IO wait"
                    Run parked = new Run(s.gen, null, null, null); // stands for the run before the trace
                    gp.lastClosed = parked;
                    TraceSession.Mark mark = s.emitMarked(-1, GO_STATUS, gp.goid, 0, extra,
                            st.ordinal() | (WaitReason.IO_WAIT.ordinal() + 1) << 8, parked);
                    gp.ioMark = mark; // then read ioWoken, as a closer does
                    if (mark != null && gp.ioWoken == parked) {
                        mark.ioWait();
                    }
                } else {
                    s.emit(-1, GO_STATUS, gp.goid, 0, extra);
                }
            }
        }
    }

    // ================================================================== emit points (see the essay)

    /** procresize set GOMAXPROCS from old to n. */
    static void gomaxprocs(int old, int n) {
        TraceSession s = session;
        if (s != null) {
            s.emit(curp(), GOMAXPROCS, 0, 0, n);
        }
        if (jfr) {
            Jfr.gomaxprocs(old, n);
        }
    }

    /** acquirep: mp took pp. */
    static void procStart(P pp, M mp) {
        TraceSession s = session;
        if (s != null) {
            s.emit(pp.id, PROC_START, 0, 0, (int) mp.mid);
        }
        if (jfr) {
            Jfr.procStart(pp, mp);
        }
    }

    /** releasep: pp's M let it go. */
    static void procStop(P pp) {
        TraceSession s = session;
        if (s != null) {
            s.emit(pp.id, PROC_STOP, 0, 0, 0);
        }
        if (jfr) {
            Jfr.procStop(pp);
        }
    }

    /** newproc: newg was made to run fn, by the calling goroutine or thread. */
    static void goCreate(G newg, Runnable fn) {
        TraceSession s = session;
        if (s != null || jfr) {
            String label = null;
            if (s != null) {
                label = labelOf(newg, fn, true);
                s.emit(curp(), GO_CREATE, newg.goid, newg.parentGoid, s.label(label));
            }
            if (jfr) {
                Jfr.goCreate(newg, fn, label); // builds the label only if the event is enabled
            }
        }
    }

    /**
     * Proc.gopark with a consumer on: gp (the caller) parks with reason on blocker. Records the
     * park's stack for the tracer, times the park for JFR and the blocked-time metrics. gp only.
     */
    static void gopark(G gp, WaitReason reason, Object blocker) {
        long t0 = metrics ? System.nanoTime() : 0; // waitsince is coarse: the histogram wants the park's own time
        TraceSession s = session;
        if (s != null && s.stacks) {
            Proc.acquirem(); // gp's reason is set: the tracer's own lock must not park it ("Stacks and wakers")
            try {
                String st = Stacks.here();
                gp.parkStack = st.isEmpty() ? 0 : s.label(st) + 1;
            } finally {
                Proc.releasem();
            }
        } else {
            gp.parkStack = 0; // none, rather than one from an earlier session's string table
        }
        if (jfr) {
            Jfr.park(gp, reason, blocker);
        } else {
            LockSupport.park(blocker);
        }
        if (t0 != 0 && metrics) { // not if the accounting was switched on during the park: no start
            SchedMetrics.blocked(reason, System.nanoTime() - t0);
        }
    }

    /** execute: mp, holding pp, is about to mount gp. mp only. */
    static void goStart(M mp, P pp, G gp) {
        if (metrics) {
            long r = gp.readyAt;
            if (r != 0) {
                gp.readyAt = 0;
                SchedMetrics.latency(System.nanoTime() - r);
            }
        }
        TraceSession s = session;
        if (s != null && gp.goid != 0 && gp.status() != GStatus.DEAD) {
            Run open = runOf(gp, s);
            if (open != null) {
                close(s, gp, open, GO_BLOCK, false); // not seen parking: see "Closing a run"
            }
            if (gp.ioMark != null) {
                gp.ioMark = null; // its unblock has read it; frees the trace's chunk ("IO wait")
            }
            open(s, mp, pp, gp, GO_START, 0);
        }
    }

    /**
     * Opens gp's run on pp, carried by mp, with event type (GO_START, or GO_SYSEXIT with extra 1),
     * first closing the run of a goroutine that lost pp while running (sysmon's retake: "Retaken Ps").
     */
    private static void open(TraceSession s, M mp, P pp, G gp, int type, int extra) {
        TraceSession.Buf b = s.buf(pp.id);
        G prev = b.running;
        Run pr = prev != null && prev != gp ? runOf(prev, s) : null;
        if (pr != null && pr.p == pp) {
            close(s, prev, pr, GO_OFFP, false);
        }
        s.emit(pp.id, type, gp.goid, 0, extra);
        gp.tracep = new Run(s.gen, pp, mp, null);
        b.running = gp;
    }

    /**
     * execute: gp's continuation returned on mp, which holds pp (gp parked, yielded or ended). Closes
     * mp's own run of gp only ("Whose run goStop closes"). readiedAgain: gp was readied since mp
     * started it (its status epoch moved), so any end of gp came in a later run. mp only.
     */
    static void goStop(M mp, P pp, G gp, boolean readiedAgain) {
        TraceSession s = session;
        if (s != null && gp.goid != 0) {
            Run open = runOf(gp, s);
            boolean dead = gp.status() == GStatus.DEAD;
            if (open != null) {
                if (open.m == mp) {
                    close(s, gp, open, dead ? GO_END : GO_BLOCK, false);
                } // else gp was readied and runs on another M already: that run is not ours to close
            } else if (dead && !readiedAgain) {
                // It ended in a run the trace never opened (it ran without a P when the trace
                // started). Not when readied again: it then yielded here, ran to its end on another
                // M, and that M stamped the end; a second one would read "end of a dead goroutine".
                s.emit(-1, GO_END, gp.goid, 0, 0);
            }
        }
    }

    /** ready: gp is being made runnable by the calling goroutine or thread. Before it is queued. */
    static void goUnblock(G gp) {
        if (gp.goid == 0) {
            return;
        }
        if (metrics) {
            gp.readyAt = System.nanoTime();
        }
        TraceSession s = session;
        if (s == null && !jfr) {
            return;
        }
        boolean dead = gp.status() == GStatus.DEAD;
        Run open = s != null ? runOf(gp, s) : null;
        boolean yielded = gp.thread != null && VThreads.state(gp.thread) == VThreads.YIELDED;
        boolean byPoller = Stacks.onPoller(); // the JDK's socket poller readies it: it waited for I/O
        if (byPoller && s != null) {
            Run woken = root(open != null ? open : gp.lastClosed); // the run this unblock ends: see "IO wait"
            gp.ioWoken = woken; // then read ioMark
            TraceSession.Mark mark = gp.ioMark;
            if (mark != null && mark.run() == woken) {
                mark.ioWait(); // its park, already stamped "jdk park", was an IO wait
            }
        }
        if (open != null && s != null) {
            close(s, gp, open, dead ? GO_END : yielded ? GO_SCHED : GO_BLOCK, byPoller);
            if (yielded) {
                return; // Go's GoSched: no unblock
            }
        }
        if (dead) {
            return; // the JDK finishing a goroutine that has exited: not an unblock
        }
        if (s == null && yielded) {
            return; // JFR: a yield is not an unblock
        }
        M mp = M.current();
        G readier = Proc.currentG();
        P pp = mp != null ? mp.p : null;
        long by = readier != null ? readier.goid : 0;
        Stacks.Wake w = s != null && (s.stacks || by == 0) ? Stacks.wake(s.stacks) : null;
        if (s != null) {
            // b: the readier's goid, or -(id + 1) of the waker's name; extra: its stack's id + 1
            long b = by != 0 ? by : w.waker() != null ? -(s.label(w.waker()) + 1L) : 0;
            s.emit(pp != null ? pp.id : -1, GO_UNBLOCK, gp.goid, b, w != null && w.stack() != null && !w.stack().isEmpty() ? s.label(w.stack()) + 1 : 0);
        }
        if (jfr) {
            Jfr.goUnblock(gp, by, w);
        }
    }

    /** stealWork: thief took gp from victim's queue. The thief's M only. */
    static void steal(P thief, P victim, G gp) {
        TraceSession s = session;
        if (s != null) {
            s.emit(thief.id, STEAL, gp.goid, 0, victim.id);
        }
        if (jfr) {
            Jfr.steal(thief, victim, gp);
        }
    }

    /** preemptCheck: gp yields because sysmon asked it to. gp only. */
    static void goPreempt(G gp) {
        TraceSession s = session;
        int p = curp();
        if (s != null) {
            s.emit(p, GO_PREEMPT, gp.goid, 0, 0);
        }
        if (jfr) {
            Jfr.preempt(gp, p);
        }
    }

    /** Sysmon retook pp from hog (null if unknown), whose M had not scheduled for ranNanos. Sysmon only. */
    static void retake(P pp, G hog, long ranNanos) {
        if (jfr) {
            Jfr.retake(pp, hog, ranNanos);
        }
    }

    /** pp, held by gp in Go.syscall, is handed to another M: by sysmon, or at once (entersyscallblock). */
    static void syscallHandoff(P pp, G gp, boolean bySysmon) {
        if (jfr) {
            Jfr.syscallHandoff(pp, gp, bySysmon);
        }
    }

    /**
     * Go.syscall: gp enters a system call. Its run on its P ends (extra 1) as Go's GoSysBlock, since
     * the P may be handed off; if it had none in the trace, the event is a mark only (extra 0).
     * gp only.
     */
    static void goSysCall(G gp) {
        TraceSession s = session;
        if (s != null) {
            Run open = runOf(gp, s);
            if (open == null || !close(s, gp, open, GO_SYSCALL, false)) {
                s.emit(curp(), GO_SYSCALL, gp.goid, 0, 0);
            }
        }
    }

    /**
     * exitsyscall: gp is back from its system call, and its M holds the P gp goes on with (the
     * caller writes this only then: the M's P before the call may have been handed off). With a P,
     * gp's run resumes there (extra 1); without one, gp is runnable and goes through the scheduler.
     * gp only.
     */
    static void goSysExit(G gp) {
        TraceSession s = session;
        if (s != null) {
            M mp = M.current();
            P pp = mp != null ? mp.p : null;
            if (pp != null && runOf(gp, s) == null) {
                open(s, mp, pp, gp, GO_SYSEXIT, 1);
            } else {
                s.emit(pp != null ? pp.id : -1, GO_SYSEXIT, gp.goid, 0, 0);
            }
        }
    }

    /**
     * Closes gp's open run on open with kind, if nobody closed it first; true if this call closed
     * it. Stamps, CASes and stores under the buffer's lock ("Closing a run"). GO_OFFP leaves the
     * run open without a P (OFFP_RUN); closing that one stamps p = -1. GO_SYSCALL is stamped with
     * extra 1 (it closed a run). byPoller: the JDK's socket poller is readying gp, so a park in JDK
     * code was an IO wait.
     */
    private static boolean close(TraceSession s, G gp, Run open, int kind, boolean byPoller) {
        if (kind != GO_OFFP) {
            gp.lastClosed = open; // before the CAS: see "IO wait"
        }
        TraceSession.Mark mark = null; // where an IO wait's GO_BLOCK is stored, if it may be one
        boolean mayBeIo = false;
        for (;;) {
            int p = open.p.id;
            Run next = kind == GO_OFFP ? new Run(open.gen, OFFP_RUN, open.m, open) : null;
            TraceSession.Buf b = s.buf(p);
            b.lock();
            try {
                long ts = s.now(); // under the lock, before the CAS: see "Closing a run"
                if (TRACEP.compareAndSet(gp, open, next)) {
                    WaitReason r = gp.waitreason;
                    int extra = kind == GO_BLOCK ? reasonOf(r, byPoller) : kind == GO_SYSCALL ? 1 : 0;
                    // b of a GO_BLOCK: the park's stack id + 1 (only a gopark has one)
                    long stack = kind == GO_BLOCK && r != null ? gp.parkStack : 0;
                    mayBeIo = kind == GO_BLOCK && !byPoller && mayBeIoWait(gp, r); // see "IO wait"
                    mark = s.storeLocked(b, ts, p, kind, gp.goid, stack, extra, WaitReason.IO_WAIT.ordinal(),
                            mayBeIo ? root(open) : null);
                    break;
                }
            } finally {
                b.unlock();
            }
            // Lost the CAS. To another stop: done. To a retake's GO_OFFP of this very run (it moved
            // off its P since we read it): the run goes on without a P and is still ours to close,
            // at p = -1, with a timestamp after the GO_OFFP's ("A lost close follows the run off-P").
            Run now = gp.tracep;
            if (kind == GO_OFFP || now == null || now.from != open) {
                return false;
            }
            open = now;
            gp.lastClosed = open;
        }
        if (mayBeIo) {
            gp.ioMark = mark; // then read ioWoken: see "IO wait"
            if (mark != null && gp.ioWoken == mark.run()) {
                mark.ioWait();
            }
        }
        return true;
    }

    /** The ordinal of a park's wait reason: r, or for a park in JDK code IO wait if byPoller, else jdk park. */
    private static int reasonOf(WaitReason r, boolean byPoller) {
        return (r != null ? r : byPoller ? WaitReason.IO_WAIT : WaitReason.JDK_PARK).ordinal();
    }

    /**
     * Whether gp's park may be an IO wait, to be told at its unblock (see "IO wait"): a park in JDK
     * code (r null) without a blocker, as the socket poller parks (a j.u.c lock or condition names
     * itself).
     */
    private static boolean mayBeIoWait(G gp, WaitReason r) {
        Thread t = gp.thread;
        return r == null && t != null && LockSupport.getBlocker(t) == null;
    }

    /** The id of the P the calling thread's M holds, or -1. */
    private static int curp() {
        M mp = M.current();
        P pp = mp != null ? mp.p : null;
        return pp != null ? pp.id : -1;
    }

    /**
     * A goroutine's label: its creation site, "Class.method:line" of the go statement (G.gopc, which
     * Traceback captures once per lambda class), as Go labels a goroutine with its start function;
     * the function's class when there is no creation frame.
     */
    static String labelOf(G gp, Runnable fn, boolean onCreator) {
        String user = gp.label;
        if (user != null && user.startsWith("gort: ")) {
            return user; // a goroutine of gort's own (Go.go("gort: ...", fn) in a gort library)
        }
        String site = siteOf(gp, fn, onCreator);
        return user != null ? user + " (" + site + ")" : site;
    }

    private static String siteOf(G gp, Runnable fn, boolean onCreator) {
        StackWalker.StackFrame f = Traceback.creator(gp);
        if (f != null) {
            String c = f.getClassName();
            String s = frame(f);
            if (!isLibrary(c) || !onCreator) {
                return s;
            }
            // The go statement is in a gort library (WaitGroup.go, Group.go, context): name the
            // user's call that led there, found on the creator's stack (newproc runs on it).
            StackWalker.StackFrame u = USER_WALKER.walk(st -> st.filter(x -> !isLibrary(x.getClassName()))
                    .findFirst().orElse(null));
            return u != null ? frame(u) + " (via " + s + ")" : "gort: " + s;
        }
        String n = fn == null ? "?" : fn.getClass().getName();
        int slash = n.indexOf('/');
        return slash > 0 ? n.substring(0, slash) : n; // a lambda's class, without its "/0x..." suffix
    }

    /** Whether class c is gort's runtime or one of its libraries (dev.gort.sync, .time, ...). */
    private static boolean isLibrary(String c) {
        return c.startsWith("dev.gort.runtime.") || c.startsWith("dev.gort.sync.") || c.startsWith("dev.gort.chan.")
                || c.startsWith("dev.gort.time.") || c.startsWith("dev.gort.context.") || c.startsWith("dev.gort.trace.")
                || c.equals("dev.gort.Go") || c.startsWith("dev.gort.launcher.");
    }

    private static String frame(StackWalker.StackFrame f) {
        String c = f.getClassName();
        return c.substring(c.lastIndexOf('.') + 1) + "." + f.getMethodName() + ":" + f.getLineNumber();
    }

    private static final StackWalker USER_WALKER = StackWalker.getInstance();

    // ================================================================== user annotations (dev.gort.trace)

    /** A user task began (Go's trace.NewTask): id, its parent task's id (0 for none), name. */
    static void userTask(long id, long parent, String name) {
        TraceSession s = session;
        if (s != null) {
            s.emit(curp(), USER_TASK, id, parent, s.label(name));
        }
    }

    /** A user task ended (Go's Task.End). */
    static void userTaskEnd(long id) {
        TraceSession s = session;
        if (s != null) {
            s.emit(curp(), USER_TASK_END, id, 0, 0);
        }
    }

    /** The calling goroutine entered (begin) or left a user region of task (Go's trace.StartRegion). */
    static void userRegion(long task, String name, boolean begin) {
        TraceSession s = session;
        if (s != null) {
            s.emit(curp(), begin ? USER_REGION : USER_REGION_END, goidOrZero(), task, s.label(name));
        }
    }

    /** A user log message in task (Go's trace.Log): the category and message are one string, split by NUL. */
    static void userLog(long task, String category, String message) {
        TraceSession s = session;
        if (s != null) {
            s.emit(curp(), USER_LOG, goidOrZero(), task, s.label(category + "\0" + message));
        }
    }

    private static long goidOrZero() {
        G gp = Proc.currentG();
        return gp != null ? gp.goid : 0;
    }

    /** Whether a tracing session (file or flight recorder) records events now. */
    static boolean recording() {
        return session != null;
    }

    // ================================================================== the flight recorder

    /**
     * Starts the flight recorder: a session that keeps at least the last minAgeNanos of events, or
     * maxBytes of them, whichever is less, in a ring (see "The flight recorder").
     * IllegalStateException if a trace or recorder is on.
     */
    static synchronized void startRing(long minAgeNanos, long maxBytes) {
        if (minAgeNanos <= 0 || maxBytes <= 0) {
            throw new IllegalArgumentException("flight recorder: minAge and maxBytes must be positive, got "
                    + minAgeNanos + " ns and " + maxBytes + " bytes");
        }
        TraceSession cur = session;
        if (cur != null) {
            throw new IllegalStateException(cur.ring ? "flight recorder: already started"
                    : "flight recorder: a trace is being recorded (gort has one tracer; stop it first)");
        }
        begin(new TraceSession(null, Long.MAX_VALUE, minAgeNanos, maxBytes));
    }

    /** Stops the flight recorder, discarding its ring. IllegalStateException if it is not on. */
    static synchronized void stopRing() {
        TraceSession s = session;
        if (s == null || !s.ring) {
            throw new IllegalStateException("flight recorder: not started");
        }
        end();
    }

    /** Whether the flight recorder is on. */
    static boolean ringOn() {
        TraceSession s = session;
        return s != null && s.ring;
    }

    /**
     * Writes the flight recorder's window to file, in the trace file format; the recorder keeps
     * running. Returns false if it is not on. Concurrent calls are serialised.
     */
    static boolean writeRing(Path file) throws IOException {
        TraceSession s = session;
        if (s == null || !s.ring) {
            return false;
        }
        synchronized (s) {
            s.write(file);
        }
        return true;
    }

    /**
     * -Dgort.flightrecorder=DIR: the runtime records into a ring from its start, and snapshots it
     * into DIR when it reports a deadlock, leaked goroutines or a panic that ends a run (see
     * snapshotOnFailure). Called once by Proc.schedinit.
     */
    static void startConfiguredRing() {
        String dir = System.getProperty("gort.flightrecorder");
        if (dir == null || dir.isBlank()) {
            return;
        }
        long age = Long.getLong("gort.flightrecorder.minage", 10_000L) * 1_000_000L;
        long bytes = Long.getLong("gort.flightrecorder.maxbytes", 32L << 20);
        synchronized (Trace.class) {
            if (session == null) {
                startRing(age, bytes);
            }
        }
    }

    /**
     * The runtime found what ends a run (why: "deadlock", "leak", "panic"): with
     * -Dgort.flightrecorder=DIR and the recorder on, writes DIR/gort-PID-why-N.trace and says so on
     * stderr, under the report it follows. Never throws.
     */
    static void snapshotOnFailure(String why) {
        String dir = System.getProperty("gort.flightrecorder");
        if (dir == null || dir.isBlank() || !ringOn()) {
            return;
        }
        try {
            Path f = Path.of(dir).resolve("gort-" + ProcessHandle.current().pid() + "-" + why + "-"
                    + SNAPSHOTS.incrementAndGet() + ".trace");
            if (writeRing(f)) {
                System.err.println("gort: flight recorder trace written to " + f + " (view it: gort trace FILE)");
            }
        } catch (IOException | RuntimeException | AssertionError e) { // an -ea check of the buffers, too
            System.err.println("gort: could not write the flight recorder's trace: " + e);
        }
    }

    private static final AtomicLong SNAPSHOTS = new AtomicLong();
}
