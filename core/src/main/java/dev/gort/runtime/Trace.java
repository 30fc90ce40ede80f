package dev.gort.runtime;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/*
 * Trace: gort's execution tracer, after Go's src/runtime/trace.go (the tracer that `go tool trace`
 * reads). It records what the scheduler does, as events with nanosecond timestamps, and writes them
 * to a file that `gort trace FILE` turns into a Chrome Trace Event JSON or an offline HTML viewer
 * (dev.gort.tools.trace in the tools module, which mirrors Go's internal/trace and cmd/trace).
 *
 * Events (Go's names in brackets)
 * -------------------------------
 *   GOMAXPROCS  n                      procresize                      [EvGomaxprocs]
 *   PROC_START  p, m                   acquirep                        [EvProcStart]
 *   PROC_STOP   p                      releasep                        [EvProcStop]
 *   GO_CREATE   g, parent, label       newproc                         [EvGoCreate]
 *   GO_START    p, g                   execute, before mounting        [EvGoStart]
 *   GO_END      p, g                   execute, after a run that ended [EvGoEnd]
 *   GO_BLOCK    p, g, reason           the G parked (see "Closing a run") [EvGoBlock..., EvGoPark]
 *   GO_SCHED    p, g                   Thread.yield / Go.gosched        [EvGoSched]
 *   GO_UNBLOCK  p, g, unblocker        ready (p = the readier's P)      [EvGoUnblock]
 *   GO_PREEMPT  p, g                   preemptCheck (sysmon asked)      [EvGoPreempt]
 *   GO_SYSCALL  p, g, closes?          Go.syscall: ends the G's run      [EvGoSysCall, EvGoSysBlock]
 *   GO_SYSEXIT  p, g, opens?           exitsyscall: resumes it on its M's P [EvGoSysExit]
 *   GO_OFFP     p, g                   the G's P was retaken while it ran (sysmon); it runs on without a P
 *   STEAL       p, g, victim           stealWork took g from victim's queue
 *   GO_STATUS   p, g, status|reason    snapshot of a G live when tracing started [EvGoInSyscall/EvGoWaiting]
 *   USER_TASK   id, parent, name       dev.gort.trace.Trace.task        [EvUserTaskBegin]
 *   USER_TASK_END id                   Task.end                         [EvUserTaskEnd]
 *   USER_REGION g, task, name          Trace.region                     [EvUserRegionBegin]
 *   USER_REGION_END g, task, name      Region.end                       [EvUserRegionEnd]
 *   USER_LOG    g, task, "cat\0msg"    Trace.log                        [EvUserLog]
 * Every event is four longs in a buffer: timestamp (ns since the trace started), type | (p+1) << 8 |
 * extra << 32, and two arguments (a: the goroutine, b: parent or unblocker). p is -1 ("no P") for
 * events from threads that hold no P. Names, stacks and messages are ids in the session's string
 * table (the file's "labels").
 *
 * Stacks and wakers (see Stacks)
 * ------------------------------
 * While a session records stacks (-Dgort.trace.stacks, default true), gopark records the parking
 * goroutine's stack in G.parkStack, and the GO_BLOCK that closes that run carries it in b (string
 * id + 1, 0 for none: a park in JDK code has none). A GO_UNBLOCK carries the readier's stack in
 * extra (id + 1), and when no goroutine readied it, b is -(id + 1) of the waker's name (timer,
 * sysmon, netpoll, a thread's name) instead of 0. A walk costs 2-10 us, so a traced program that
 * parks a lot runs several times slower than with -Dgort.trace.stacks=false.
 *
 * Consumers: one flag for all (the one-branch rule)
 * --------------------------------------------------
 * The emit sites feed four consumers: a tracing session (a file trace, or the flight recorder's
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
 * each). With tracing on the same loop takes ~1.45 us (+70%, about 75 ns per event: a carrier
 * lookup, a CAS on the buffer lock, a timestamp). The hooks JFR and metrics added (gopark, sysmon's
 * retakes, entersyscallblock) follow the same rule; docs/benchmarks.md has the A/B of the rows
 * most sensitive to them (channel ping-pong and spawn) before and after.
 *
 * The flight recorder (Go 1.25's FlightRecorder; dev.gort.trace.FlightRecorder)
 * -----------------------------------------------------------------------------
 * A session in ring mode: nothing counts against maxevents; when a buffer starts a new chunk it
 * drops its full chunks that are wholly older than minAge, and its oldest ones past its share of
 * maxBytes (maxBytes / (GOMAXPROCS + 1) per buffer, at least two chunks), remembering the newest
 * timestamp it dropped (Buf.horizon). writeRing snapshots every buffer under its lock and writes
 * the events after the largest horizon (before it, some buffer is incomplete), preceded by a
 * synthesised prefix, so the window stands alone: GOMAXPROCS, and for every goroutine whose first
 * event in the window is not its GO_CREATE, a GO_CREATE (the live G's label, or "created before the
 * flight recorder's window") and a GO_STATUS inferred from that first event (a START: it was
 * runnable; a BLOCK, END, SCHED, OFFP, PREEMPT or SYSCALL on P: it was running there; an UNBLOCK:
 * waiting, reason unknown; a SYSEXIT that resumes: in a syscall). Go's flight recorder instead
 * keeps whole generations, each of which begins with a snapshot of every goroutine; gort infers
 * the snapshot at write time, so recording costs nothing more than tracing.
 * -Dgort.flightrecorder=DIR starts one with the runtime; checkdead, the leak scan and a panic that
 * ends a run call snapshotOnFailure before they fail the run, so the file exists when Go.run throws.
 *
 * Buffers and who writes them
 * ---------------------------
 * One buffer per P, plus one for threads that hold no P (main, the JDK's unparker and unblocker
 * threads, sysmon), as Go's trace.go had per-P buffers plus a locked global one. Each buffer is
 * guarded by a one-word spin lock (a CAS; the critical section is four array stores, and a new chunk
 * every 1024 events). Nearly all writes come from the P's owner, so the CAS is uncontended; the lock
 * exists because three parties may legitimately write to a P's buffer at once: its M, a goroutine
 * that still runs on that M after sysmon retook the P, and a readier closing a run on it
 * (below). The timestamp is taken inside the lock, so each buffer is in time order; the writer
 * merges the buffers by timestamp.
 *
 * Closing a run (the one subtle protocol)
 * ---------------------------------------
 * Go emits GoBlock from the goroutine itself, on its P, before it switches to g0. gort cannot: a
 * goroutine that parks in JDK code (a ReentrantLock, a CountDownLatch) never calls us before it
 * unmounts, and the M only learns of the park when runContinuation returns. By then another thread
 * may already have readied the G, and another M may be about to run it; an M that stamped GO_BLOCK
 * only then would put it after the unblock and after the next GO_START. So a G's open run is a
 * field, G.tracep (the P its current run is on, null when not running in the trace), and whoever
 * closes it first wins a CAS on it:
 *   - goStart sets tracep = pp, after stamping GO_START.
 *   - goUnblock (in ready, before the G is queued) closes the run if it is still open: the G has
 *     unmounted (the JDK calls execute only for a parked or yielded thread), so it stamps GO_SCHED
 *     if it yielded, else GO_BLOCK, on the old P, then GO_UNBLOCK.
 *   - goStop (in execute, after the run) closes it if still open: GO_END if the G is dead, else
 *     GO_BLOCK with the G's wait reason (jdk park when it parked in JDK code).
 * Retaken Ps. Sysmon may retake a P whose goroutine hogs it (see Sysmon); the goroutine keeps
 * running on its M without a P while another M runs goroutines on the P. When the P's new M
 * starts a goroutine, open() closes the hog's run with GO_OFFP (the buffer remembers whose run it
 * opened last) and leaves OFFP_RUN in the hog's tracep: its run goes on without a P. The hog's later
 * park, yield, syscall or end closes that run like any other (the same CAS), with p = -1, so a
 * trace shows where the hog parked (a flight recorder's snapshot of a deadlock must).
 * A lost close follows the run off-P. A closer reads tracep (= pp) and then CASes it; a retake's
 * GO_OFFP may win in between (pp -> OFFP_RUN). That is still the run the closer meant (the G has
 * unmounted and nobody closed the run, so it cannot have been queued and started again), so the
 * closer CASes again from OFFP_RUN and stamps its stop at p = -1. Giving up instead left the run
 * open: the unblock came next, then goStart found OFFP_RUN and stamped a GO_BLOCK right before the
 * GO_START, and the trace read "started while blocked" (seen under load, where sysmon retakes Ps
 * from goroutines whose threads the OS held up). The rule: a run is closed before the G's unblock.
 * The closer takes its timestamp before its CAS, so a stop always precedes both the unblock and
 * the next start of that G, and precedes the next start on the old P (the old M can only go on
 * after its own CAS failed); a retried close takes a new one, after the GO_OFFP's. Only the closer
 * reads waitreason, while the G is parked and not yet queued, so the reason is the one of that park.
 * Known gap (ABA): tracep names a P, and a P recurs. A closer held up between its read and its CAS
 * (an M the OS descheduled after runContinuation returned, whose P sysmon then retook) can find
 * the same P again in tracep after another closer closed that run and the G started a new run on
 * that P; its CAS then succeeds on the new run and stamps its stale timestamp, so the old run reads
 * closed twice and the new one never (seen under load: "stops on P1 but is blocked", then
 * "unblocked while running"). A per-run token in tracep instead of the P would close the gap.
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
 * File format (version 1), written at stopTrace or at JVM exit
 * -------------------------------------------------------------
 *   magic       the 10 bytes "GORTTRACE1"
 *   header      uvarint wall-clock start (Unix epoch microseconds), uvarint dropped events,
 *               uvarint n, then n wait-reason names (WaitReason order),
 *               uvarint n, then n goroutine labels (label id order)
 *   events      uvarint count, then per event, in timestamp order:
 *               byte type, uvarint ts delta from the previous event, uvarint p+1,
 *               uvarint a, uvarint b, uvarint extra
 * A string is a uvarint byte length and UTF-8 bytes. A uvarint is LEB128, 7 bits a byte, low first.
 * Labels say where a goroutine came from: its creation site ("Class.method:line" of G.gopc, the
 * go statement's frame that Traceback records); Go labels a goroutine with its start function.
 *
 * Rejected alternatives
 * ---------------------
 *  - Per-M buffers (Go 1.22's tracer): they need no lock, but gort wants per-P buffers, as
 *    the P is the unit the viewer shows; the uncontended CAS costs ~5 ns only while tracing.
 *  - JFR as the tracer's format: an allocation per event when enabled, no notion of a P, and the
 *    viewer would need the JFR parser. JFR gets its own events (Jfr) from the same hooks instead.
 *  - JSON lines as the file format: three to five times larger, and core has no JSON library.
 *  - Streaming to disk while tracing (Go does): a writer thread would be a goroutine or an M the
 *    trace shows; events stay in memory (32 bytes each, at most gort.trace.maxevents, default
 *    4,000,000) and are written once. Events past the cap are counted as dropped.
 *
 * Differences from Go
 * -------------------
 *  - Stacks only on block and unblock events (Go has them on most events); no GC, heap or
 *    network-poller events (a netpoll wake-up is named as the waker of the unblock).
 *  - GO_BLOCK carries a wait reason (Go has one event type per reason); a park in JDK code
 *    is reason "jdk park".
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
 *  - Timestamps are System.nanoTime(), not CPU ticks; there is no frequency event.
 */
public final class Trace {
    private Trace() {}

    /**
     * Whether some consumer of the scheduler's events is on: a tracing session (file or flight
     * recorder), a JFR recording, or the metrics' accounting (see "Consumers"). Read at every emit
     * site; written by update() under Trace.class.
     */
    public static volatile boolean on;
    /** The current session (a file trace or a flight recorder), or null. Written under Trace.class. */
    private static volatile Session session;
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

    // event types; the numbers are the file format's
    static final int GOMAXPROCS = 1, PROC_START = 2, PROC_STOP = 3, GO_CREATE = 4, GO_START = 5,
            GO_END = 6, GO_BLOCK = 7, GO_SCHED = 8, GO_UNBLOCK = 9, GO_PREEMPT = 10, GO_SYSCALL = 11,
            GO_SYSEXIT = 12, STEAL = 13, GO_STATUS = 14, GO_OFFP = 15, USER_TASK = 16, USER_TASK_END = 17,
            USER_REGION = 18, USER_REGION_END = 19, USER_LOG = 20;

    /** The file's first bytes. */
    public static final String MAGIC = "GORTTRACE1";

    /** G.tracep: see "Closing a run". Initialised before the gort.trace start below uses it. */
    private static final VarHandle TRACEP;
    /** G.tracep of a goroutine whose run lost its P to a retake and goes on without one ("Retaken Ps"). */
    private static final P OFFP_RUN = new P(-1);

    static {
        try {
            TRACEP = MethodHandles.lookup().findVarHandle(G.class, "tracep", P.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static {
        String f = System.getProperty("gort.trace");
        if (f != null && !f.isBlank()) {
            start(Path.of(f));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                Session s = session;
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
     * with -Dgort.flightrecorder=DIR.
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
                dev.gort.metrics.Metrics.registerMBean();
            } catch (RuntimeException | LinkageError e) {
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
    public static synchronized void start(Path file) {
        if (file == null) {
            throw new NullPointerException("startTrace: file is null");
        }
        Session cur = session;
        if (cur != null) {
            throw new IllegalStateException(cur.ring ? "startTrace: the flight recorder is on (gort has one tracer; "
                    + "snapshot the recorder with writeTo, or stop it first)"
                    : "startTrace: tracing is already enabled (writing to " + cur.file + ")");
        }
        begin(new Session(file, Long.getLong("gort.trace.maxevents", 4_000_000L), 0, 0));
    }

    /** Makes s the session and snapshots the live goroutines. Under Trace.class, no session on. */
    private static void begin(Session s) {
        session = s;
        update();
        s.emit(-1, GOMAXPROCS, 0, 0, Proc.gomaxprocs);
        snapshot(s);
    }

    /** Stops tracing and writes the file; returns its path. IllegalStateException if tracing is off. */
    public static synchronized Path stop() {
        Session s = session;
        if (s == null || s.ring) {
            throw new IllegalStateException("stopTrace: tracing is not enabled"
                    + (s != null ? " (the flight recorder is on: stop it instead)" : ""));
        }
        end();
        try {
            s.write(s.file, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("stopTrace: cannot write " + s.file + ": " + e.getMessage(), e);
        }
        return s.file;
    }

    /** Ends the session. Under Trace.class. */
    private static void end() {
        session = null;
        update();
        for (G gp : Proc.allgs) {
            gp.tracep = null;
        }
    }

    /** The trace's view of the goroutines already alive: a GO_CREATE and a GO_STATUS each. */
    private static void snapshot(Session s) {
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
            if (st == GStatus.RUNNING && pp != null && TRACEP.compareAndSet(gp, null, pp)) {
                s.emit(pp.id, GO_STATUS, gp.goid, 0, st.ordinal());
                s.buf(pp.id).running = gp;
            } else {
                WaitReason r = gp.waitreason;
                int extra = st.ordinal() | (st == GStatus.WAITING ? reasonOf(r) + 1 : 0) << 8;
                s.emit(-1, GO_STATUS, gp.goid, 0, extra);
            }
        }
    }

    // ================================================================== emit points (see the essay)

    /** procresize set GOMAXPROCS from old to n. */
    static void gomaxprocs(int old, int n) {
        Session s = session;
        if (s != null) {
            s.emit(curp(), GOMAXPROCS, 0, 0, n);
        }
        if (jfr) {
            Jfr.gomaxprocs(old, n);
        }
    }

    /** acquirep: mp took pp. */
    static void procStart(P pp, M mp) {
        Session s = session;
        if (s != null) {
            s.emit(pp.id, PROC_START, 0, 0, (int) mp.mid);
        }
        if (jfr) {
            Jfr.procStart(pp, mp);
        }
    }

    /** releasep: pp's M let it go. */
    static void procStop(P pp) {
        Session s = session;
        if (s != null) {
            s.emit(pp.id, PROC_STOP, 0, 0, 0);
        }
        if (jfr) {
            Jfr.procStop(pp);
        }
    }

    /** newproc: newg was made to run fn, by the calling goroutine or thread. */
    static void goCreate(G newg, Runnable fn) {
        Session s = session;
        if (s != null || jfr) {
            String label = labelOf(newg, fn, true);
            if (s != null) {
                s.emit(curp(), GO_CREATE, newg.goid, newg.parentGoid, s.label(label));
            }
            if (jfr) {
                Jfr.goCreate(newg, label);
            }
        }
    }

    /**
     * Proc.gopark with a consumer on: gp (the caller) parks with reason on blocker. Records the
     * park's stack for the tracer, times the park for JFR and the blocked-time metrics. gp only.
     */
    static void gopark(G gp, WaitReason reason, Object blocker) {
        Session s = session;
        if (s != null && s.stacks) {
            String st = Stacks.here();
            gp.parkStack = st.isEmpty() ? 0 : s.label(st) + 1;
        } else {
            gp.parkStack = 0; // none, rather than one from an earlier session's string table
        }
        if (jfr) {
            Jfr.park(gp, reason, blocker);
        } else {
            LockSupport.park(blocker);
        }
        if (metrics) {
            SchedMetrics.blocked(reason, System.nanoTime() - gp.waitsince);
        }
    }

    /** execute: pp's M is about to mount gp. pp's M only. */
    static void goStart(P pp, G gp) {
        if (metrics) {
            long r = gp.readyAt;
            if (r != 0) {
                gp.readyAt = 0;
                SchedMetrics.latency(System.nanoTime() - r);
            }
        }
        Session s = session;
        if (s != null && gp.goid != 0 && gp.status() != GStatus.DEAD) {
            P open = gp.tracep;
            if (open != null) {
                close(s, gp, open, GO_BLOCK); // not seen parking: see "Closing a run"
            }
            open(s, pp, gp, GO_START, 0);
        }
    }

    /**
     * Opens gp's run on pp with event type (GO_START, or GO_SYSEXIT with extra 1), first closing
     * the run of a goroutine that lost pp while running (sysmon's retake: "Retaken Ps").
     */
    private static void open(Session s, P pp, G gp, int type, int extra) {
        Buf b = s.buf(pp.id);
        G prev = b.running;
        if (prev != null && prev != gp && prev.tracep == pp) {
            close(s, prev, pp, GO_OFFP);
        }
        s.emit(pp.id, type, gp.goid, 0, extra);
        gp.tracep = pp;
        b.running = gp;
    }

    /** execute: gp's continuation returned on pp (gp parked, yielded or ended). pp's M only. */
    static void goStop(P pp, G gp) {
        Session s = session;
        if (s != null && gp.goid != 0) {
            P open = gp.tracep;
            boolean dead = gp.status() == GStatus.DEAD;
            if (open != null) {
                close(s, gp, open, dead ? GO_END : GO_BLOCK);
            } else if (dead) {
                s.emit(-1, GO_END, gp.goid, 0, 0); // it ended without a P (its P was retaken)
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
        Session s = session;
        if (s == null && !jfr) {
            return;
        }
        boolean dead = gp.status() == GStatus.DEAD;
        P open = gp.tracep;
        boolean yielded = gp.thread != null && VThreads.state(gp.thread) == VThreads.YIELDED;
        if (open != null && s != null) {
            close(s, gp, open, dead ? GO_END : yielded ? GO_SCHED : GO_BLOCK);
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
        Session s = session;
        if (s != null) {
            s.emit(thief.id, STEAL, gp.goid, 0, victim.id);
        }
        if (jfr) {
            Jfr.steal(thief, victim, gp);
        }
    }

    /** preemptCheck: gp yields because sysmon asked it to. gp only. */
    static void goPreempt(G gp) {
        Session s = session;
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
        Session s = session;
        if (s != null) {
            P open = gp.tracep;
            long ts = s.now();
            if (open != null && TRACEP.compareAndSet(gp, open, null)) {
                s.emitAt(ts, open.id, GO_SYSCALL, gp.goid, 0, 1);
            } else {
                s.emitAt(ts, curp(), GO_SYSCALL, gp.goid, 0, 0);
            }
        }
    }

    /**
     * exitsyscall: gp is back from its system call. If its M holds a P, gp's run resumes there
     * (extra 1); otherwise gp is runnable and goes through the scheduler. gp only.
     */
    static void goSysExit(G gp) {
        Session s = session;
        if (s != null) {
            M mp = M.current();
            P pp = mp != null ? mp.p : null;
            if (pp != null && gp.tracep == null) {
                open(s, pp, gp, GO_SYSEXIT, 1);
            } else {
                s.emit(pp != null ? pp.id : -1, GO_SYSEXIT, gp.goid, 0, 0);
            }
        }
    }

    /**
     * Closes gp's open run on open with kind, if nobody closed it first. Timestamp before the CAS.
     * GO_OFFP leaves the run open without a P (OFFP_RUN); closing that one stamps p = -1.
     */
    private static void close(Session s, G gp, P open, int kind) {
        long ts = s.now();
        while (!TRACEP.compareAndSet(gp, open, kind == GO_OFFP ? OFFP_RUN : null)) {
            // Lost the CAS. To another stop: done. To a retake's GO_OFFP (the run moved off open
            // since we read it): the run goes on without a P and is still ours to close, at
            // p = -1, with a timestamp after the GO_OFFP's ("A lost close follows the run off-P").
            if (kind == GO_OFFP || open == OFFP_RUN || gp.tracep != OFFP_RUN) {
                return;
            }
            open = OFFP_RUN;
            ts = s.now();
        }
        WaitReason r = gp.waitreason;
        int extra = kind == GO_BLOCK ? reasonOf(r) : 0;
        // b of a GO_BLOCK: the park's stack id + 1 (only a gopark has one)
        long stack = kind == GO_BLOCK && r != null ? gp.parkStack : 0;
        s.emitAt(ts, open.id, kind, gp.goid, stack, extra);
    }

    private static int reasonOf(WaitReason r) {
        return (r != null ? r : WaitReason.JDK_PARK).ordinal();
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
        StackWalker.StackFrame f = gp.gopc;
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
                || c.equals("dev.gort.Go");
    }

    private static String frame(StackWalker.StackFrame f) {
        String c = f.getClassName();
        return c.substring(c.lastIndexOf('.') + 1) + "." + f.getMethodName() + ":" + f.getLineNumber();
    }

    private static final StackWalker USER_WALKER = StackWalker.getInstance();

    // ================================================================== user annotations (dev.gort.trace)

    /** A user task began (Go's trace.NewTask): id, its parent task's id (0 for none), name. */
    public static void userTask(long id, long parent, String name) {
        Session s = session;
        if (s != null) {
            s.emit(curp(), USER_TASK, id, parent, s.label(name));
        }
    }

    /** A user task ended (Go's Task.End). */
    public static void userTaskEnd(long id) {
        Session s = session;
        if (s != null) {
            s.emit(curp(), USER_TASK_END, id, 0, 0);
        }
    }

    /** The calling goroutine entered (begin) or left a user region of task (Go's trace.StartRegion). */
    public static void userRegion(long task, String name, boolean begin) {
        Session s = session;
        if (s != null) {
            s.emit(curp(), begin ? USER_REGION : USER_REGION_END, goidOrZero(), task, s.label(name));
        }
    }

    /** A user log message in task (Go's trace.Log): the category and message are one string, split by NUL. */
    public static void userLog(long task, String category, String message) {
        Session s = session;
        if (s != null) {
            s.emit(curp(), USER_LOG, goidOrZero(), task, s.label(category + "\0" + message));
        }
    }

    private static long goidOrZero() {
        G gp = Proc.currentG();
        return gp != null ? gp.goid : 0;
    }

    /** Whether a tracing session (file or flight recorder) records events now. */
    public static boolean recording() {
        return session != null;
    }

    // ================================================================== the flight recorder

    /**
     * Starts the flight recorder: a session that keeps at least the last minAgeNanos of events, or
     * maxBytes of them, whichever is less, in a ring (see "The flight recorder").
     * IllegalStateException if a trace or recorder is on.
     */
    public static synchronized void startRing(long minAgeNanos, long maxBytes) {
        if (minAgeNanos <= 0 || maxBytes <= 0) {
            throw new IllegalArgumentException("flight recorder: minAge and maxBytes must be positive, got "
                    + minAgeNanos + " ns and " + maxBytes + " bytes");
        }
        Session cur = session;
        if (cur != null) {
            throw new IllegalStateException(cur.ring ? "flight recorder: already started"
                    : "flight recorder: a trace is being recorded (gort has one tracer; stop it first)");
        }
        begin(new Session(null, Long.MAX_VALUE, minAgeNanos, maxBytes));
    }

    /** Stops the flight recorder, discarding its ring. IllegalStateException if it is not on. */
    public static synchronized void stopRing() {
        Session s = session;
        if (s == null || !s.ring) {
            throw new IllegalStateException("flight recorder: not started");
        }
        end();
    }

    /** Whether the flight recorder is on. */
    public static boolean ringOn() {
        Session s = session;
        return s != null && s.ring;
    }

    /**
     * Writes the flight recorder's window to file, in the trace file format; the recorder keeps
     * running. Returns false if it is not on. Concurrent calls are serialised.
     */
    public static boolean writeRing(Path file) throws IOException {
        Session s = session;
        if (s == null || !s.ring) {
            return false;
        }
        synchronized (s) {
            s.write(file, -1);
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
        } catch (IOException | RuntimeException e) {
            System.err.println("gort: could not write the flight recorder's trace: " + e);
        }
    }

    private static final AtomicLong SNAPSHOTS = new AtomicLong();

    // ================================================================== the session and its buffers

    /** One trace or flight recorder: its file, clock origin, buffers and string table. */
    static final class Session {
        final Path file;
        final long startNanos = System.nanoTime();
        final long startEpochMicros;
        private final long maxEvents;
        /** A flight recorder: old chunks are dropped (see "The flight recorder"). */
        final boolean ring;
        private final long ringNanos;
        private final int ringChunks;
        /** Whether gopark and unblock events carry stacks (-Dgort.trace.stacks, default true). */
        final boolean stacks = !"false".equalsIgnoreCase(System.getProperty("gort.trace.stacks"));
        /** Events stored, across buffers; past maxEvents, events are dropped. */
        private final AtomicLong stored = new AtomicLong();
        private final AtomicLong dropped = new AtomicLong();
        /** Index p+1 (0 = no P). Copy-on-write under this session's monitor. */
        private volatile Buf[] bufs = new Buf[0];
        private final ConcurrentHashMap<String, Integer> labels = new ConcurrentHashMap<>();
        private final List<String> labelList = new ArrayList<>();

        Session(Path file, long maxEvents, long ringNanos, long ringBytes) {
            this.file = file;
            this.maxEvents = maxEvents;
            this.ring = ringNanos > 0;
            this.ringNanos = ringNanos;
            // the byte budget, shared out among the buffers of GOMAXPROCS Ps and the no-P buffer
            this.ringChunks = (int) Math.max(2, Math.min(Integer.MAX_VALUE,
                    ringBytes / (Buf.CHUNK * 8L) / (Math.max(Proc.gomaxprocs, 1) + 1)));
            java.time.Instant now = java.time.Instant.now();
            this.startEpochMicros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
        }

        long now() {
            return System.nanoTime() - startNanos;
        }

        int label(String name) {
            Integer id = labels.get(name);
            if (id != null) {
                return id;
            }
            synchronized (labelList) {
                return labels.computeIfAbsent(name, k -> {
                    labelList.add(k);
                    return labelList.size() - 1;
                });
            }
        }

        void emit(int p, int type, long a, long b, int extra) {
            emitAt(-1, p, type, a, b, extra);
        }

        /** Appends an event to p's buffer; ts < 0 means now (taken inside the buffer's lock). */
        void emitAt(long ts, int p, int type, long a, long b, int extra) {
            if (!ring && stored.incrementAndGet() > maxEvents) {
                dropped.incrementAndGet();
                return;
            }
            Buf buf = buf(p);
            buf.lock();
            try {
                long t = ts >= 0 ? ts : now();
                if (buf.add(t, type | (long) (p + 1) << 8 | (long) extra << 32, a, b) && ring) {
                    buf.prune(t - ringNanos, ringChunks);
                }
            } finally {
                buf.unlock();
            }
        }

        private Buf buf(int p) {
            Buf[] bs = bufs;
            int i = p + 1;
            if (i < bs.length && bs[i] != null) {
                return bs[i];
            }
            synchronized (this) {
                bs = bufs;
                if (i >= bs.length) {
                    bs = Arrays.copyOf(bs, Math.max(i + 1, bs.length * 2));
                }
                if (bs[i] == null) {
                    bs[i] = new Buf();
                }
                bufs = bs;
                return bs[i];
            }
        }

        /**
         * Merges the buffers by timestamp and writes file. For a file trace (cut 0) tracing is off;
         * for a flight recorder (cut -1) it runs on, and only the window every buffer still holds
         * in full is written, after a synthesised prefix (see "The flight recorder").
         */
        void write(Path file, long cut) throws IOException {
            List<long[]> evs = new ArrayList<>();
            long count = 0;
            long horizon = -1;
            for (Buf b : bufs) {
                if (b != null) {
                    long[] e;
                    b.lock();
                    try {
                        e = b.drain();
                        horizon = Math.max(horizon, b.horizon);
                    } finally {
                        b.unlock();
                    }
                    sortByTime(e);
                    evs.add(e);
                    count += e.length / 4;
                }
            }
            long[] all = null; // a flight recorder's window; a file trace is merged as it is written
            if (cut < 0) {
                all = window(merge(evs, count), horizon);
                count = all.length / 4;
            }
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
                out.write(MAGIC.getBytes(StandardCharsets.US_ASCII));
                uvarint(out, startEpochMicros);
                uvarint(out, dropped.get());
                WaitReason[] rs = WaitReason.values();
                uvarint(out, rs.length);
                for (WaitReason r : rs) {
                    string(out, r.goName);
                }
                List<String> ls;
                synchronized (labelList) {
                    ls = new ArrayList<>(labelList);
                }
                uvarint(out, ls.size());
                for (String l : ls) {
                    string(out, l);
                }
                uvarint(out, count);
                long last = 0;
                if (all != null) {
                    for (int j = 0; j < all.length; j += 4) {
                        last = event(out, all, j, last);
                    }
                    return;
                }
                // k-way merge; ties go to the lower buffer index (no P first, then P0, P1, ...)
                int[] pos = new int[evs.size()];
                for (long k = 0; k < count; k++) {
                    int best = -1;
                    for (int i = 0; i < pos.length; i++) {
                        long[] e = evs.get(i);
                        if (pos[i] < e.length && (best < 0 || e[pos[i]] < evs.get(best)[pos[best]])) {
                            best = i;
                        }
                    }
                    last = event(out, evs.get(best), pos[best], last);
                    pos[best] += 4;
                }
            }
        }

        /** Writes the event at e[j..j+3]; returns its timestamp. */
        private static long event(OutputStream out, long[] e, int j, long last) throws IOException {
            long w = e[j + 1];
            out.write((int) (w & 0xff));
            uvarint(out, e[j] - last);
            uvarint(out, (w >>> 8) & 0xffffff);
            uvarint(out, e[j + 2]);
            uvarint(out, e[j + 3]);
            uvarint(out, w >>> 32);
            return e[j];
        }

        /** k-way merge of time-sorted {ts, w, a, b} arrays; ties go to the lower index (no P, P0, P1...). */
        private static long[] merge(List<long[]> evs, long count) {
            long[] out = new long[Math.toIntExact(count * 4)];
            int[] pos = new int[evs.size()];
            for (int k = 0; k < out.length; k += 4) {
                int best = -1;
                for (int i = 0; i < pos.length; i++) {
                    long[] e = evs.get(i);
                    if (pos[i] < e.length && (best < 0 || e[pos[i]] < evs.get(best)[pos[best]])) {
                        best = i;
                    }
                }
                System.arraycopy(evs.get(best), pos[best], out, k, 4);
                pos[best] += 4;
            }
            return out;
        }

        /**
         * The flight recorder's window: the events after horizon (before it, some buffer dropped
         * events), preceded by what the window needs to stand alone: GOMAXPROCS, and a create and a
         * status for every goroutine whose first event in the window is not its creation, inferred
         * from that event (see "The flight recorder").
         */
        private long[] window(long[] all, long horizon) {
            int from = 0;
            while (from < all.length && all[from] <= horizon) {
                from += 4;
            }
            long t0 = from < all.length ? all[from] : now();
            java.util.Map<Long, G> live = new java.util.HashMap<>();
            for (G gp : Proc.allgs) {
                live.put(gp.goid, gp);
            }
            java.util.Set<Long> seen = new java.util.HashSet<>();
            List<long[]> prefix = new ArrayList<>();
            prefix.add(new long[] {t0, GOMAXPROCS, 0, 0, Proc.gomaxprocs});
            int before = label("(created before the flight recorder's window)");
            for (int j = from; j < all.length; j += 4) {
                long w = all[j + 1];
                int type = (int) (w & 0xff);
                int p = (int) ((w >>> 8) & 0xffffff) - 1;
                int extra = (int) (w >>> 32);
                if (!TAKES_GOID[type] || !seen.add(all[j + 2])) {
                    continue;
                }
                long goid = all[j + 2];
                if (type == GO_CREATE) {
                    continue;
                }
                G gp = live.get(goid);
                int lab = gp != null ? label(labelOf(gp, null, false)) : before;
                prefix.add(new long[] {t0, GO_CREATE, goid, 0, lab});
                int st; // GStatus ordinal | (reason + 1) << 8, as snapshot() writes it
                int sp = -1;
                switch (type) {
                    case GO_START -> st = GStatus.RUNNABLE.ordinal();
                    case GO_UNBLOCK -> st = GStatus.WAITING.ordinal(); // why: before the window
                    case GO_SYSEXIT -> st = extra == 1 ? GStatus.SYSCALL.ordinal() : GStatus.RUNNING.ordinal();
                    case GO_END, GO_BLOCK, GO_SCHED, GO_OFFP, GO_PREEMPT -> {
                        st = GStatus.RUNNING.ordinal();
                        sp = p;
                    }
                    case GO_SYSCALL -> { // extra 1: it closed a run on p; 0: a mark, no run open
                        st = extra == 1 ? GStatus.RUNNING.ordinal() : GStatus.RUNNABLE.ordinal();
                        sp = extra == 1 ? p : -1;
                    }
                    default -> st = GStatus.RUNNABLE.ordinal(); // a steal of a queued G, a region, a log
                }
                prefix.add(new long[] {t0, GO_STATUS, goid, 0, st, sp});
            }
            long[] out = new long[prefix.size() * 4 + all.length - from];
            int k = 0;
            for (long[] e : prefix) {
                int p = e.length > 5 ? (int) e[5] : -1;
                out[k] = e[0];
                out[k + 1] = e[1] | (long) (p + 1) << 8 | e[4] << 32;
                out[k + 2] = e[2];
                out[k + 3] = e[3];
                k += 4;
            }
            System.arraycopy(all, from, out, k, all.length - from);
            return out;
        }

        /**
         * Stable insertion sort of {ts, w, a, b} records by ts. A buffer is nearly in order (only a
         * run closed by another thread carries a timestamp taken before the lock), so this is linear.
         */
        static void sortByTime(long[] e) {
            for (int i = 4; i < e.length; i += 4) {
                if (e[i] >= e[i - 4]) {
                    continue;
                }
                long ts = e[i], w = e[i + 1], a = e[i + 2], b = e[i + 3];
                int j = i - 4;
                while (j >= 0 && e[j] > ts) {
                    System.arraycopy(e, j, e, j + 4, 4);
                    j -= 4;
                }
                e[j + 4] = ts;
                e[j + 5] = w;
                e[j + 6] = a;
                e[j + 7] = b;
            }
        }

        private static void string(OutputStream out, String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            uvarint(out, b.length);
            out.write(b);
        }

        private static void uvarint(OutputStream out, long v) throws IOException {
            while ((v & ~0x7fL) != 0) {
                out.write((int) (v & 0x7f) | 0x80);
                v >>>= 7;
            }
            out.write((int) v);
        }
    }

    /** Event types whose argument a is a goroutine id (the flight recorder's window prefix). */
    private static final boolean[] TAKES_GOID = new boolean[32];

    static {
        for (int t : new int[] {GO_CREATE, GO_START, GO_END, GO_BLOCK, GO_SCHED, GO_UNBLOCK, GO_PREEMPT,
                GO_SYSCALL, GO_SYSEXIT, STEAL, GO_STATUS, GO_OFFP}) {
            TAKES_GOID[t] = true;
        }
    }

    /**
     * One buffer: chunks of 1024 events of 4 longs. Guarded by its spin lock (see "Buffers and who
     * writes them"); the lock word is CASed 0 -> 1 to take and set to 0 to release.
     */
    static final class Buf {
        static final int CHUNK = 1024 * 4;
        private volatile int locked;
        /** The goroutine whose run this P's buffer opened last (P buffers only). Racy hint; see open(). */
        volatile G running;
        private final java.util.ArrayDeque<long[]> full = new java.util.ArrayDeque<>();
        private long[] cur = new long[CHUNK];
        private int n;
        /** The newest timestamp this buffer dropped (a flight recorder's), -1 if none. Under the lock. */
        long horizon = -1;

        void lock() {
            while (!LOCKED.compareAndSet(this, 0, 1)) {
                Thread.onSpinWait();
            }
        }

        void unlock() {
            LOCKED.setRelease(this, 0);
        }

        /** Appends one event; true if it began a new chunk. The lock must be held. */
        boolean add(long ts, long w, long a, long b) {
            boolean fresh = false;
            if (n == CHUNK) {
                full.addLast(cur);
                cur = new long[CHUNK];
                n = 0;
                fresh = true;
            }
            long[] c = cur;
            c[n] = ts;
            c[n + 1] = w;
            c[n + 2] = a;
            c[n + 3] = b;
            n += 4;
            return fresh;
        }

        /**
         * A flight recorder's buffer: drops full chunks wholly older than oldest, and the oldest
         * ones past maxChunks. The lock must be held.
         */
        void prune(long oldest, int maxChunks) {
            while (!full.isEmpty()) {
                long[] c = full.peekFirst();
                long newest = 0;
                for (int i = 0; i < CHUNK; i += 4) {
                    newest = Math.max(newest, c[i]); // nearly sorted: see sortByTime
                }
                if (newest >= oldest && full.size() + 1 <= maxChunks) {
                    return;
                }
                full.pollFirst();
                horizon = Math.max(horizon, newest);
            }
        }

        /** The events as consecutive {ts, w, a, b} records, in insertion order. The lock must be held. */
        long[] drain() {
            long[] out = new long[full.size() * CHUNK + n];
            int k = 0;
            for (long[] c : full) {
                System.arraycopy(c, 0, out, k, CHUNK);
                k += CHUNK;
            }
            System.arraycopy(cur, 0, out, k, n);
            return out;
        }

        private static final VarHandle LOCKED;

        static {
            try {
                LOCKED = MethodHandles.lookup().findVarHandle(Buf.class, "locked", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

}
