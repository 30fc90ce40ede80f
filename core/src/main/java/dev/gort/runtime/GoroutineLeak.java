package dev.gort.runtime;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/*
 * GoroutineLeak: partial deadlocks, after Go's experimental goroutine leak profile
 * (GOEXPERIMENT=goroutineleakprofile: mgc.go's findGoleaks, mprof.go's goroutineleak profile).
 *
 * Go's idea
 * ---------
 * A goroutine blocked on a channel or lock is leaked if no goroutine that can still run can reach
 * that channel or lock. Go's GC finds them by marking from the roots while treating blocked
 * goroutines' stacks as not roots; a blocked goroutine whose blocking object stays unmarked can
 * never be woken.
 *
 * The JVM's version of the same argument
 * --------------------------------------
 * gort cannot choose the GC's roots, but it can arrange the heap so that the JVM's own GC answers
 * the same question. To wake a parked goroutine, someone must call LockSupport.unpark on its
 * thread, so someone must hold a reference to the thread: normally the channel or lock's wait
 * queue, which someone must hold in turn. While a goroutine is parked (and not on a timer), nothing
 * else references its virtual thread except
 *   (a) gort's registry, Proc.allgs (G -> thread), and
 *   (b) its thread container: gort's own (VThreads) holds no thread (its threads() walks allgs);
 *       only if VThreads fell back to the JDK's root container (another JDK) does the JDK's
 *       registry hold every goroutine, while jdk.trackAllThreads is true (the default).
 * So: take every parked G out of allgs, hold it only through a WeakReference, and run a full
 * GC. A G whose reference is cleared was reachable from nothing but other such goroutines: a
 * cycle of parked goroutines and the objects they wait on, which no
 * running or runnable goroutine, platform thread or static field can reach. It can never run again:
 * leaked. The others are put back.
 *
 * Protocol
 * --------
 *  1. One scan at a time (synchronized on the class). Checkdead.leakScanGen becomes odd: checkdead
 *     stands down, because allgs is incomplete meanwhile.
 *  2. For every G that is WAITING (parked and unmounted; a pinned G is on its M's stack, hence
 *     reachable): render its dump block now (its stack is gone after the GC), detach it from allgs
 *     (AllGs.detach: unlinked, still counted, so numGoroutine does not change, as Go's NumGoroutine
 *     during a leak profile; a G that exited since its status was read is skipped), keep a
 *     WeakReference. No strong reference survives this step's frame.
 *  3. System.gc() twice.
 *  4. Cleared: leaked, report the block and uncount it (AllGs.forget), unless the goroutine exited
 *     during the scan (a detached goroutine woken by a timer or by a running goroutine may run to
 *     its end and be collected: goexit, after it sets DEAD, records the goid while leakScanGen is
 *     odd, and the scan skips those; goexit's remove uncounted it). Not cleared: AllGs.reattach
 *     links it in again, or does nothing if it exited meanwhile (goexit's remove of a detached G
 *     uncounts it and clears its detached mark; a remove after the reattach is an ordinary one).
 *  5. leakScanGen becomes even again. Each leaked goroutine is a dev.gort.GoroutineLeak JFR event
 *     (while a recording runs); with -Dgort.flightrecorder=DIR, the flight recorder's trace is
 *     written when any was found.
 *
 * Limits (also in Go.leakedGoroutines' contract)
 * ----------------------------------------------
 *  - Needs no JVM flag while goroutines start in gort's container (VThreads.ownContainer). In the
 *    root container it needs -Djdk.trackAllThreads=false, read by the JDK at start-up, and throws
 *    without it. (It demanded the flag always, from before gort's container; the flag is not
 *    needed since: DeadlockProgramsTest.leakedGoroutinesNeedsNoFlag.) Virtual threads a goroutine
 *    starts with the JDK's API go to the root container and are kept alive by it without the
 *    flag: what they reference is then never reported, which keeps the scan sound.
 *  - Sound, not complete: only what the GC proves is reported. Anything that still references a
 *    leaked goroutine hides it: a stale slot of a P's run-queue ring, a tracer buffer, a user's list
 *    of threads, a ThreadLocal, a debugger.
 *  - The main goroutine of a live run is held by its Run and never reported (a main that cannot
 *    proceed is a global deadlock, which checkdead reports).
 *  - Costs two full GCs; the candidates are missing from dumps meanwhile, not from numGoroutine
 *    (they stay counted, as in Go; before the twentieth session they left the count for the scan:
 *    ChildProgTest.numGoroutineDoesNotDropDuringALeakScan). With -XX:+DisableExplicitGC,
 *    System.gc() does nothing and nothing is reported.
 *  - A reported goroutine is collected: it never runs again, and its finally blocks never run, as
 *    a leaked goroutine in Go never runs again.
 *
 * Differences from Go
 * -------------------
 *  - Go marks with the GC it already runs; gort forces two full GCs per call.
 *  - Go keeps the leaked goroutines (and their memory, and NumGoroutine counts them); gort's are
 *    collected, and leave numGoroutine when the scan ends.
 *  - Every parked goroutine is a candidate, including one parked in JDK code (a lock nobody can
 *    reach is as dead as a channel); Go considers only channel, select and sync waits.
 */
final class GoroutineLeak {
    private GoroutineLeak() {}

    /**
     * Goids of goroutines that exited while a scan ran (Proc.goexit adds them while leakScanGen is
     * odd): a detached goroutine woken during the GCs may run to its end and be collected, and must
     * not then be reported. Cleared by each scan before it starts.
     */
    private static final Set<Long> exitedDuringScan = ConcurrentHashMap.newKeySet();

    /** Proc.goexit, while a scan runs: gp ended, so it is not leaked whatever the GC says. */
    static void exited(G gp) {
        exitedDuringScan.add(gp.goid);
    }

    /**
     * A test seam (Exports.onLeakScan): run by the scanning goroutine after the candidates left
     * allgs, before the GCs. Null outside tests.
     */
    static volatile Runnable scanHook;

    /** One candidate: the weak reference and the dump block rendered before the GC. */
    private record Candidate(WeakReference<G> ref, long goid, String block) {}

    /** See the essay; Go.leakedGoroutines is the contract. */
    static synchronized List<String> find() {
        if (!VThreads.ownContainer() && !"false".equalsIgnoreCase(System.getProperty("jdk.trackAllThreads"))) {
            throw new IllegalStateException("leakedGoroutines: start the JVM with -Djdk.trackAllThreads=false "
                    + "(goroutines are in the JDK's root container on this JDK, whose registry keeps every "
                    + "goroutine reachable)");
        }
        exitedDuringScan.clear();
        Checkdead.leakScanGen.incrementAndGet();
        try {
            List<Candidate> cs = detach();
            Runnable hook = scanHook;
            if (hook != null) {
                hook.run();
            }
            System.gc();
            System.gc();
            List<String> leaked = reattach(cs);
            if (!leaked.isEmpty()) {
                Trace.snapshotOnFailure("leak"); // -Dgort.flightrecorder
            }
            return leaked;
        } finally {
            Checkdead.leakScanGen.incrementAndGet();
            exitedDuringScan.clear();
        }
    }

    /** Step 2: takes the parked Gs out of allgs and returns weak references to them. */
    private static List<Candidate> detach() {
        List<Candidate> cs = new ArrayList<>();
        for (G gp : Proc.allgs()) {
            if (gp.thread == null || gp.status() != GStatus.WAITING) {
                continue;
            }
            StringBuilder sb = new StringBuilder();
            Traceback.goroutine(sb, gp, " (leaked)");
            if (Proc.allgs.detach(gp)) { // false: it exited since the status was read
                cs.add(new Candidate(new WeakReference<>(gp), gp.goid, sb.toString()));
            }
        }
        return cs;
    }

    /** Step 4: the leaked blocks, in goid order; the survivors go back to allgs. */
    private static List<String> reattach(List<Candidate> cs) {
        cs.sort(Comparator.comparingLong(Candidate::goid));
        List<String> leaked = new ArrayList<>();
        for (Candidate c : cs) {
            G gp = c.ref.get();
            if (gp == null) {
                if (exitedDuringScan.contains(c.goid)) {
                    continue; // it ended during the scan (goexit uncounted it), then was collected
                }
                Proc.allgs.forget(c.goid); // still counted: it leaves numGoroutine now
                leaked.add(c.block);
                if (Trace.jfr) Jfr.leak(c.goid, c.block);
                continue;
            }
            Proc.allgs.reattach(gp); // no-op if goexit uncounted it meanwhile
        }
        return leaked;
    }
}
