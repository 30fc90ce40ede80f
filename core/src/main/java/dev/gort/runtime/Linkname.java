package dev.gort.runtime;

import dev.gort.FatalError;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;

/*
 * Linkname: the one door from gort's API packages into the runtime.
 *
 * The runtime (this package) is internal: module-info does not export it, and its classes and
 * members are package-private wherever the language allows. But the API packages (dev.gort,
 * dev.gort.chan, sync, time, context, synctest, metrics) are the runtime's face and must call into it, and
 * Java has no friend packages: whatever they call must be public. This class is where those calls
 * go, instead of a public member on every class they touch.
 *
 * Go does the same with //go:linkname: package sync declares runtime_Semacquire without a body and
 * the runtime provides it as sync_runtime_Semacquire; time.Sleep is the runtime's timeSleep;
 * runtime/metrics reads through runtime_readMetrics. The JDK's java.* packages reach each other's
 * internals through jdk.internal.access.SharedSecrets. Each method below is one such entry point,
 * named after the runtime function it reaches (newproc, gopark's blockForever, syncFatal, canSpin),
 * grouped by the package that calls it; each is a plain forward, so the JIT inlines it away.
 *
 * What else is public in the runtime, and why
 * -------------------------------------------
 *  - Types an API object holds and calls: HChan (a Chan's channel), SelectGo (a Select's cases),
 *    Sema and NotifyList (sync's semaphores and Cond's list), Bubble (a synctest bubble), Timer
 *    (a time.Timer's runtime timer), and the enums WaitReason and GStatus that name what they do.
 *    Each has public only the members its holder calls.
 *  - Race: Go's internal/race, the race annotations sync makes and the door the race detector's
 *    agent (a separate jar) plugs into.
 *  - JmxHook: what -Dgort.jmx=true starts with the runtime. It is the door turned round: a
 *    service the runtime uses and dev.gort.metrics provides (module-info's uses/provides,
 *    META-INF/services on the class path), so the runtime registers the MBean of a package above
 *    it without importing that package (see Trace.initConsumers).
 * On the module path none of this is visible outside module dev.gort (the package is not exported);
 * on the class path it is, and "internal" is a promise, as jdk.internal was before modules.
 *
 * Rejected: a public member on each runtime class the API uses (what gort had: about 120, spread
 * over Proc, Traceback, SchedMetrics, ...; nothing showed which were the API's and which were
 * leftovers); moving the API into the runtime package (one package of 40 files, and the public
 * types would sit next to the scheduler's internals).
 */
/** Internal: the runtime's entry points for gort's API packages (see the essay above). Not API. */
public final class Linkname {
    private Linkname() {}

    // ================================================================== dev.gort (Go)

    /** Go's newproc: starts fn as a goroutine, with a label (null: none). */
    public static void newproc(Runnable fn, String label) {
        if (label == null) {
            Proc.newproc(fn, null);
        } else {
            Proc.newprocLabelled(fn, label);
        }
    }

    /** Whether the caller is the main goroutine of a run (Go.run then runs its function inline). */
    public static boolean callerIsMain() {
        return Run.callerIsMain();
    }

    /** One Go.run: starts main as a run's main goroutine and waits for the run; its failure or null. */
    public static Throwable run(Runnable main) throws InterruptedException {
        Run r = new Run(); // start fails it at once if the runtime has thrown (Proc's "A runtime throw")
        r.start(main);
        return r.await();
    }

    // ================================================================== dev.gort.launcher

    /**
     * gort run's JVM is Go's process: a panic no run hears ends it with status 2 (Proc's "A panic
     * no run hears"). The Launcher calls it before its run.
     */
    public static void processMode() {
        Proc.processMode = true;
    }

    /** The Launcher's exit, Go's: waits for a panic being reported, which may exit 2 first. Never returns. */
    public static void exit(int status) {
        Proc.exit(status);
    }

    /**
     * Null while the runtime is sound; once it has thrown (Proc's "A runtime throw"), the error a
     * new Go.run or bubble throws instead of running, after the report is out.
     */
    public static FatalError refusal() {
        return Proc.refusal();
    }

    /** The calling goroutine's id, or -1 when the caller is not a goroutine. */
    public static long goid() {
        G gp = Proc.currentG();
        return gp != null ? gp.goid : -1;
    }

    /** Labels the calling goroutine; false if the caller is not a goroutine. */
    public static boolean setLabel(String label) {
        G gp = Proc.currentG();
        if (gp == null) {
            return false;
        }
        gp.setLabel(label);
        return true;
    }

    /** The calling goroutine's label, or null. */
    public static String label() {
        G gp = Proc.currentG();
        return gp != null ? gp.label : null;
    }

    public static int gomaxprocs(int n) {
        return Proc.gomaxprocs(n);
    }

    public static int numGoroutine() {
        return Proc.numGoroutine();
    }

    public static int setMaxThreads(int n) {
        return Proc.setMaxThreads(n);
    }

    /** entersyscall (entersyscallblock with handoff), fn, exitsyscall. */
    public static <T> T syscall(Callable<T> fn, boolean handoff) throws Exception {
        return Proc.syscall(fn, handoff);
    }

    /** Whether sysmon has asked some goroutine to yield: the fast path of every safe point. */
    public static boolean preemptRequested() {
        return Proc.preemptRequested;
    }

    /** The slow path of a safe point: yield if the calling goroutine was asked to. */
    public static void preemptCheck() {
        Proc.preemptCheck();
    }

    public static void lockOSThread() {
        Proc.lockOSThread();
    }

    public static void unlockOSThread() {
        Proc.unlockOSThread();
    }

    public static void goexit() {
        Goexit.goexit();
    }

    /** Whether any synctest bubble is live (one volatile read): WaitGroup's fast path. */
    public static boolean bubblesLive() {
        return Bubble.live != 0;
    }

    /** Whether t is the unwinding of Go.goexit (Go's Goexit is no panic: recover sees nil). */
    public static boolean isGoexit(Throwable t) {
        return t instanceof Goexit;
    }

    /** Go's runtime.Stack. */
    public static String stack(boolean all) {
        return Traceback.stack(all);
    }

    public static List<String> runGoroutines(long mainGoid) {
        return Traceback.runGoroutines(mainGoid);
    }

    public static List<String> leakedGoroutines() {
        return GoroutineLeak.find();
    }

    /** Go's schedtrace: the GODEBUG=schedtrace line (with detail, scheddetail's lines too). */
    public static String schedtrace(boolean detail) {
        return SchedTrace.schedtrace(detail);
    }

    // ================================================================== dev.gort.chan

    /** Go's panic messages, which ChanPanic publishes and the runtime raises (ChanErrors). */
    public static final String SEND_ON_CLOSED = ChanErrors.SEND_ON_CLOSED;
    public static final String CLOSE_OF_CLOSED = ChanErrors.CLOSE_OF_CLOSED;
    public static final String CLOSE_OF_NIL = ChanErrors.CLOSE_OF_NIL;

    /** Installs the channel API's exception constructors (see ChanErrors). */
    public static void installChanErrors(Function<String, ? extends RuntimeException> panic,
                                         Function<String, ? extends RuntimeException> interrupted) {
        ChanErrors.install(panic, interrupted);
    }

    /** dev.gort.chan's view -> channel lookup, installed by Chan's class initialiser. */
    private static volatile Function<Object, HChan> hchanOf;

    /** Installs how to find a channel view's runtime channel (Chan.hchan); for timerChan. */
    public static void installHChanOf(Function<Object, HChan> f) {
        hchanOf = f;
    }

    /**
     * Go's c.timer: marks chan (a dev.gort.chan view, not yet shared) as t's timer channel, so that
     * a receive from it fires t if t is already due (Timer.maybeRunChan). Called by dev.gort.time.
     */
    public static void timerChan(Object chan, Timer t) {
        hchanOf.apply(chan).timer = t;
    }

    /**
     * Whether the caller is outside the goroutines (a platform thread, or a virtual thread of the
     * JDK's own scheduler): the deadlock detector's marks in dev.gort.sync and dev.gort.context
     * (Proc.outsideGoroutines).
     */
    public static boolean outsideGoroutines() {
        return Proc.outsideGoroutines();
    }

    /**
     * A timer's stop or reset by a thread that is not a goroutine: chan's receivers may be woken
     * by that thread's later resets, so the deadlock detector must not count them asleep (HChan's
     * "Blocker"). Called by dev.gort.time.
     */
    public static void timerUsedByPlatformThread(Object chan) {
        if (Proc.outsideGoroutines()) {
            hchanOf.apply(chan).markTimerTouched();
        }
    }

    /**
     * chan (a dev.gort.chan view) may be operated on by a thread that is not a goroutine although
     * no such thread has touched it yet: a context's done channel, which whoever holds the context
     * closes by cancelling it (CancelContext's "Blocker"). Called by dev.gort.context.
     */
    public static void chanHeldByPlatformThread(Object chan) {
        hchanOf.apply(chan).markTouched();
    }

    /** Parks the calling goroutine for ever (a nil channel's operation, an empty select). */
    public static void blockForever(WaitReason reason) {
        HChan.blockForever(reason);
    }

    // ================================================================== dev.gort.sync, dev.gort.time

    /** Go's sync_fatal: reports a fatal error of package sync, ends the runs; the error to throw. */
    public static FatalError syncFatal(String msg) {
        return Proc.syncFatal(msg);
    }

    /** Go's sync_runtime_canSpin: whether a Mutex may spin on iteration iter. */
    public static boolean canSpin(int iter) {
        return Sema.canSpin(iter);
    }

    /** Go's sync_runtime_doSpin. */
    public static void doSpin() {
        Sema.doSpin();
    }

    /** Go's nanotime as sync and time see it: the bubble's fake clock inside a synctest bubble. */
    public static long nanotime() {
        return Bubble.clock();
    }

    // ================================================================== dev.gort.synctest, dev.gort.time

    /** The calling goroutine's synctest bubble (a bubble's timer firing on its own thread too), or null. */
    public static Bubble bubble() {
        return Bubble.currentIfAny();
    }

    /** Go's synctest_Wait. */
    public static void synctestWait() {
        Bubble.await();
    }

    // ================================================================== dev.gort.metrics

    /** Turns the accumulating metrics (latency, blocked time) on; idempotent. */
    public static void enableMetrics() {
        SchedMetrics.enable();
    }

    /**
     * What {@code -Dgort.jmx=true} runs when the runtime starts: a service (see the essay above)
     * that dev.gort.metrics provides to register its MBean. Not API.
     */
    public interface JmxHook {
        /** Registers the MBean; called once, as the runtime starts. */
        void registerMBean();
    }

    /** The buckets of the scheduling-latency histogram; bucket i starts at bucketLowNanos(i). */
    public static final int NBUCKETS = SchedMetrics.NBUCKETS;

    public static long bucketLowNanos(int i) {
        return SchedMetrics.bucketLowNanos(i);
    }

    public static long[] latencyCounts() {
        return SchedMetrics.latencyCounts();
    }

    public static long blockedNanos(WaitReason r) {
        return SchedMetrics.blockedNanos(r);
    }

    /** Live goroutines by status (index: GStatus ordinal). */
    public static long[] goroutinesByStatus() {
        return SchedMetrics.goroutinesByStatus();
    }

    public static long goroutinesCreated() {
        return SchedMetrics.goroutinesCreated();
    }

    public static int threads() {
        return SchedMetrics.threads();
    }

    /** The runtime's GOMAXPROCS once started; before, the default it will start with. */
    public static int startedGomaxprocs() {
        return SchedMetrics.started() ? SchedMetrics.gomaxprocs() : Proc.gomaxprocs(0);
    }

    // ================================================================== dev.gort (Go.startTrace) and dev.gort.trace

    /** Go's StartTrace. */
    public static void traceStart(java.nio.file.Path file) {
        Trace.start(file);
    }

    /** Go's StopTrace: the file written. */
    public static java.nio.file.Path traceStop() {
        return Trace.stop();
    }

    /** runtime/trace.IsEnabled. */
    public static boolean traceRecording() {
        return Trace.recording();
    }

    /** runtime/trace's task begin (the runtime's trace_userTaskCreate). */
    public static void traceUserTask(long id, long parent, String name) {
        Trace.userTask(id, parent, name);
    }

    /** runtime/trace's task end (trace_userTaskEnd). */
    public static void traceUserTaskEnd(long id) {
        Trace.userTaskEnd(id);
    }

    /** runtime/trace's region begin or end (trace_userRegion). */
    public static void traceUserRegion(long task, String name, boolean begin) {
        Trace.userRegion(task, name, begin);
    }

    /** runtime/trace.Log (trace_userLog). */
    public static void traceUserLog(long task, String category, String message) {
        Trace.userLog(task, category, message);
    }

    /** FlightRecorder.Start: the tracer's ring, keeping at least minAgeNanos or at most maxBytes. */
    public static void traceStartRing(long minAgeNanos, long maxBytes) {
        Trace.startRing(minAgeNanos, maxBytes);
    }

    /** FlightRecorder.Stop. */
    public static void traceStopRing() {
        Trace.stopRing();
    }

    /** FlightRecorder.Enabled. */
    public static boolean traceRingOn() {
        return Trace.ringOn();
    }

    /** FlightRecorder.WriteTo: false if no ring is running. */
    public static boolean traceWriteRing(java.nio.file.Path file) throws java.io.IOException {
        return Trace.writeRing(file);
    }
}
