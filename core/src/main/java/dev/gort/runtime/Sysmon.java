package dev.gort.runtime;

import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/*
 * Sysmon: the system monitor, Go's sysmon and retake in proc.go. One platform thread, running
 * without a P, that keeps the scheduler honest:
 *
 *  - Syscall retake. A P left in SYSCALL (by Go.syscall) for more than one sysmon tick (20us or
 *    more) is CASed to IDLE and handed off (handoffp) if it has work queued, if no M is spinning
 *    and no P is idle, or once the syscall has lasted 10ms. So is a P in SYSCALL whose time slice
 *    is over (below), however often its syscalltick moves (Go's sysretake): a goroutine in a loop
 *    of syscalls shorter than sysmon's poll is never seen twice in the same one, and kept its P
 *    for good while main waited (Go's TestPreemptionAfterSyscall hung so, 60s at a time). Go's
 *    rule, to the letter. The goroutine is also asked to yield, and Go.syscall's return is a safe
 *    point (gort's: Go's preemptone leaves a P in a syscall alone, and its exitsyscall turns a
 *    pending request into a preemption at the next function call).
 *  - End of time slice. A P whose schedtick has not moved for 10ms has been running one G, or one
 *    chain of Gs readying each other through runnext (which inherit the slice), for too long. Go
 *    preempts that G (preemptone). gort cannot stop a running continuation, so it asks:
 *    G.preempt and Proc.preemptRequested make the G yield at its next safe point (gort's channels,
 *    locks, timers, Go.syscall's return, Go.checkPreempt, and the agent's loop back-edges), and P.preemptSlice makes the
 *    P's M stop the runnext chain at its next schedule (the chained G goes to the global queue).
 *  - Hog retake. A P (any P, also one past a shrunk GOMAXPROCS that its M still holds) whose M
 *    has not returned to the scheduler for 20ms (P.runs unchanged: one G,
 *    mounted all along, in a loop with no safe point, a pinned park, JNI, blocking file I/O) while
 *    goroutines are queued on that P (or on the global queue with no P idle) is CASed from RUNNING to IDLE and handed to another M, so the
 *    queued goroutines run. 20ms, not 10: the G was asked to yield at 10ms, and one that reaches a
 *    safe point yields within microseconds, keeping GOMAXPROCS's bound on parallelism; only a G
 *    that cannot yield costs an extra M. The hog keeps its M and runs on it without a P, as if in a syscall;
 *    when it returns to the scheduler its M finds the P gone (see Proc.execute) and looks for
 *    another. This is how gort keeps its promise that no goroutine starves behind a hog. The
 *    request stands after the retake: no P's curg names the hog any more, so retake keeps it in
 *    a list of its own (retakenMarked) and holds the safe points' flag up until the hog answers
 *    at its next safe point (and so stops running beyond GOMAXPROCS), parks or ends. Without the
 *    list the flag dropped at the next poll, and a hog that then reached safe points (the
 *    agent's loop back-edges, say) ran on P-less beside the P's new goroutines until it parked
 *    (SysmonTest.aRetakenHogYieldsAtItsNextSafePoint). The flag then stays up for as long as the
 *    hog stays mounted: a goroutine retaken because it blocks its M (JNI, a pinned park, blocking
 *    file I/O) keeps it up until that call returns, seconds perhaps, and every other goroutine's
 *    safe points take their slow path meanwhile (currentG and a read of its mark: about a
 *    nanosecond once compiled, measured on a loaded 2-core machine); before the list it dropped
 *    at the next poll.
 *
 * Events: a hog retake and a syscall hand-off are reported to the event consumers (Trace.on: JFR's
 * dev.gort.Retake and dev.gort.SyscallHandoff), before the P is handed off.
 *
 * Stalls: if a poll comes more than 10ms later than planned, sysmon itself was stopped (a GC pause
 * stops every thread, and then every P looks stuck), so it restarts each P's clock rather than
 * retake on evidence it did not see.
 *
 * Coarse clock: each poll stores System.nanoTime() in Sysmon.clock, which gopark reads for a
 * parked G's waitsince (dumps' "N minutes") instead of paying for a clock read on every park.
 * Go's waitsince is approximate too (the garbage collector stamps it). The clock is fresh only
 * while sysmon polls: every store to it precedes the sysmonwait write that follows (wake() stamps
 * it as it ends the deep sleep), and while sysmonwait is set gopark reads System.nanoTime()
 * instead, since a goroutine with no P (retaken from a hog, or pinned) can park while every P is
 * idle.
 *
 * Polling interval: 20us while it finds work, doubling after 1ms of idleness up to 10ms (Go's
 * numbers). When every P is idle (IDLE or DEAD: a P past a shrunk GOMAXPROCS may still run),
 * sysmon parks (sysmonwait) until pidleget hands an idle P out, for whatever reason (startm,
 * exitsyscall, a timer runner), and never past the next timer nor past a minute, as Go's sysmon
 * (whose minute is half its forced-GC period); so an idle runtime costs no CPU but a wake-up per
 * timer and one a minute. That rests on one rule: a P reads IDLE only on the idle list, or in
 * pidleget under sched.lock, or in sysmon's own retake. Go.syscall's hand-off once CASed RUNNING
 * to IDLE: sysmon, seeing it, slept, handoffp gave the P straight to an M, and with no pidleget
 * nobody woke sysmon; a hog then kept the P for good, a goroutine starving in the global queue
 * behind it (SysmonTest's exitsyscallWithNoPFree hung so once, on a loaded machine). Go's sysmon
 * counts the idle list (npidle), which a P in hand-off is not on; gort reads each P, as a P past a
 * shrunk GOMAXPROCS may still run. The retake itself reads each P's counters with opaque loads: no
 * locks, and no allocation but the growth of the list of retaken hogs (see "Hog retake").
 *
 * Timers with every P idle: a pending timer always has an M sleeping for it then (TimerSleeper),
 * and sysmon's deep sleep ends at the earliest timer it saw as it went to sleep, so after that
 * sleep sysmon runs the timers that are over 1ms overdue with no M sleeping for them
 * (Timers.sysmonCheck, as in a busy round), as Go's sysmon starts an M for a timer that should
 * have run already. A backstop: no path is known to lose the sleeper; without it, one would be a
 * hang with sysmon polling beside it (TimersTest.sysmonRunsAnOverdueTimerThatNoMSleepsForWithEveryPIdle
 * plays a lost sleeper). A timer added during a deep sleep that found none wakes sysmon only through
 * pidleget, which a setter that finds a sleeper registered does not call; the backstop reaches such
 * a timer when the sleep's minute is up.
 *
 * Back-off across deep sleeps: the deep sleep counts as an idle round, and only a wake by a
 * goroutine coming back from a syscall or a retake (Proc.exitsyscall, a hog's M finding its P
 * gone) starts the polling again at 20us, as Go's syscallWake: a goroutine that sleeps 1ms in a
 * loop would otherwise wake sysmon at every sleep and keep it polling at 20us, about 40us of
 * sysmon's CPU per sleep, where with the back-off it polls every 10ms. A hog that starts after
 * the back-off is retaken within 30ms (20ms of hogging and a 10ms poll), as one that starts in
 * any busy program. After any other wake sysmon is "dozing": Go's would still be asleep, and
 * there the first goroutine to enter a syscall wakes it and resets its back-off
 * (entersyscall_sysmon), so that a P blocked in a syscall with work queued is handed off within
 * 20us. gort's Proc.syscall does the same (entersyscall: syscallKick and an unpark), once per
 * dozing spell: a volatile read on every syscall, an unpark on the first. Sysmon takes the kick
 * at the top of its loop, before it picks the next delay: the kick's unpark often merges with
 * the wake's own (the readied goroutine can enter its syscall before sysmon's thread has run), so
 * the deep sleep's exit and the poll both lead there; and the round the kick cut short is judged
 * by the delay it slept (the stall check).
 *
 * Differences from Go
 *  - Go preempts a hog asynchronously with a signal; the JVM cannot (Continuation.tryPreempt throws
 *    in JDK 25), so gort retakes the P instead and the hog runs on beyond GOMAXPROCS until it
 *    reaches a safe point or returns to the scheduler. With the agent, that is the next loop
 *    back-edge.
 *  - Go's sysmon also forces GCs and polls the network; the JVM does both itself.
 *  - Go's sysmon sleeps when the idle list holds every P (npidle == gomaxprocs); gort's when every
 *    P reads IDLE or DEAD ("Polling interval"). So a P on its way to another M is SCHED in gort
 *    (Go.syscall's hand-off), where Go's releasep leaves it _Pidle off the list.
 *  - Go wakes a deeply sleeping sysmon only when a goroutine enters or leaves a syscall and when
 *    the world restarts after a stop (a GC), and otherwise lets it sleep until the next timer or
 *    for a minute, however busy the Ps become meanwhile: a goroutine readied by the network poller
 *    into an idle runtime can then hog its P unpreempted until a GC comes. gort has no GC stops to
 *    rely on and retakes a hog where Go preempts it, so every pidleget wakes sysmon; only a
 *    syscall's (or a retake's) wake resets its back-off, as Go's, and a sysmon woken otherwise
 *    "dozes" (polls with its back-off) where Go's would sleep, until a syscall's entry kicks it
 *    as Go's entersyscall would wake it ("Back-off across deep sleeps").
 *  - Go's waitsince is stamped by the garbage collector when it first finds the goroutine
 *    blocked; gort's comes from sysmon's coarse clock at the park (see "Coarse clock").
 */
final class Sysmon extends Thread {
    static final long FORCE_PREEMPT_NS = TimeUnit.MILLISECONDS.toNanos(10);
    /** A hog is retaken one preemption interval after it was asked to yield and did not. */
    static final long HOG_RETAKE_NS = 2 * FORCE_PREEMPT_NS;
    private static final long MIN_DELAY_US = 20, MAX_DELAY_US = 10_000;
    /** The longest deep sleep: Go's forcegcperiod / 2 (see "Polling interval"). */
    private static final long DEEP_SLEEP_MAX_NS = TimeUnit.MINUTES.toNanos(1);

    /** Sysmon is parked because every P is idle; pidleget unparks it. Volatile (Dekker with pidleget). */
    static volatile boolean sysmonwait;
    /**
     * Go's syscallWake: the wake that ended sysmon's deep sleep came from a goroutine back from a
     * syscall or a retake, so sysmon polls at 20us again. Set by wake(true) before it clears
     * sysmonwait, cleared by sysmon before it sets sysmonwait; volatile (sysmon reads it after the
     * park, which orders nothing). A hint: a wake(true) that read sysmonwait just before sysmon
     * woke on its own (at a timer) may set it after sysmon read it; the clear before the next
     * deep sleep drops such a write, unless it lands later still, and then it resets the back-off
     * at that sleep's wake.
     */
    private static volatile boolean syscallWake;
    /**
     * Set by wake(false) as it ends sysmon's deep sleep (Go's sysmon would sleep on), so before
     * the goroutine that takes the P runs; cleared by the entersyscall that kicks sysmon, and by
     * sysmon when it resets its back-off or is about to sleep deeply (also when it then finds a P
     * busy again and does not sleep: Go's sysmon, checking under sched.lock, would stay awake
     * too). Volatile: read by every Proc.syscall.
     */
    private static volatile boolean dozing;
    /** Set by entersyscall before it unparks sysmon, cleared by sysmon as it takes the kick. Volatile. */
    private static volatile boolean syscallKick;
    /** Kicks sysmon took (each reset its back-off), for tests. Written by sysmon only. */
    static volatile long syscallKicks;
    /** Whether sysmon is on (-Dgort.sysmon=false turns it off, for the demo's comparison). */
    static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty("gort.sysmon"));
    private static Sysmon instance;
    /**
     * The coarse clock: System.nanoTime() at sysmon's last poll, when it started, and when wake()
     * ended its deep sleep; each store comes before the sysmonwait write that follows it. Written
     * by sysmon, by start0 and by wake() (any thread in pidleget, under sched.lock); volatile.
     * Read through coarseNanotime.
     */
    static volatile long clock = System.nanoTime();

    /**
     * About now, for gopark's waitsince: the coarse clock while sysmon polls (at least every 10ms,
     * so it lags by at most that plus any stall of sysmon's own thread), System.nanoTime() while
     * sysmon sleeps deeply or is off. A goroutine can park while every P is idle (one that runs
     * with no P since a retake, a pinned or hogging one), and the clock then holds the time sysmon
     * went to sleep. Any thread.
     */
    static long coarseNanotime() {
        return !ENABLED || sysmonwait ? System.nanoTime() : clock;
    }

    /**
     * Retakes done, for schedtrace and tests. Written by sysmon only, each before its hand-off, so
     * a goroutine that ran because of a retake sees it counted.
     */
    static volatile long retakes;
    /**
     * Time slices ended (preemptone), for tests. Written by sysmon only, each before the request it
     * counts, so a scheduler that acted on the request sees it counted.
     */
    static volatile long preempts;

    /**
     * The interval of sysmon's polls, in microseconds, for tests (Go's delay). Written by sysmon
     * only, at each poll, before it sleeps.
     */
    static volatile long delayUs = MIN_DELAY_US;

    private Sysmon() {
        super(null, null, "gort-sysmon", 0, false);
        setDaemon(true);
    }

    static synchronized void start0() {
        if (ENABLED && instance == null) {
            clock = System.nanoTime(); // the class may have been loaded long before
            instance = new Sysmon();
            instance.start();
        }
    }

    /**
     * Called by pidleget, the one way out of the idle list, after it marks the P busy: wake sysmon
     * from its deep sleep. Volatile on both sides (sysmonwait here, the P's status in allIdle), so
     * sysmon either sees the busy P or is woken. syscall: the P goes to a goroutine back from a
     * syscall or a retake (Go's syscallWake), so sysmon's polling starts again at 20us.
     */
    static void wake(boolean syscall) {
        if (sysmonwait) {
            clock = System.nanoTime(); // the first gopark may come before sysmon runs again
            if (syscall) {
                syscallWake = true;
            } else {
                dozing = true; // before the goroutine that takes the P can enter a syscall
            }
            sysmonwait = false;
            Sysmon s = instance;
            if (s != null) {
                LockSupport.unpark(s);
            }
        }
    }

    /**
     * Go's entersyscall_sysmon, called by Proc.syscall once its P reads SYSCALL: if sysmon dozes
     * (see "Back-off across deep sleeps"), wake it and reset its back-off, so that it soon sees the P.
     */
    static void entersyscall() {
        if (dozing) {
            dozing = false;
            syscallKick = true;
            Sysmon s = instance;
            if (s != null) {
                LockSupport.unpark(s);
            }
        }
    }

    @Override
    public void run() {
        try {
            loop();
        } catch (Throwable t) {
            Proc.threadDied(this, t); // Go's throw: see Proc's "A runtime throw"
        }
    }

    private void loop() {
        long idle = 0, delay = MIN_DELAY_US;
        for (;;) {
            if (syscallKick) { // Go's syscallWake, from entersyscall: see "Back-off across deep sleeps"
                syscallKick = false;
                syscallKicks++;
                idle = 0;
            }
            if (idle == 0) {
                delay = MIN_DELAY_US;
            } else if (idle > 50) {
                delay = Math.min(delay * 2, MAX_DELAY_US);
            }
            delayUs = delay;
            LockSupport.parkNanos(this, delay * 1000);
            long now = System.nanoTime();
            clock = now;
            if (allIdle()) {
                dozing = false;
                syscallWake = false;
                sysmonwait = true;
                if (allIdle()) { // never past the next timer, nor past a minute, as Go's sysmon
                    long next = Timers.earliest(), sleep = DEEP_SLEEP_MAX_NS;
                    if (next != 0) {
                        sleep = Math.min(sleep, Math.max(next - Timers.nanotime(), MIN_DELAY_US * 1000));
                    }
                    LockSupport.parkNanos(this, sleep);
                }
                lastPoll = clock = System.nanoTime(); // before sysmonwait: a wake() that reads false sees it
                sysmonwait = false;
                idle = syscallWake ? 0 : idle + 1; // a round like any other, unless a syscall woke it
                restartClocks(lastPoll); // every P was idle: restart their clocks
                if (Timers.sysmonCheck()) { // the backstop: see "Timers with every P idle"
                    idle = 0;
                }
                continue;
            }
            if (now - lastPoll > delay * 1000 + STALL_NS) {
                // Sysmon itself was stalled (a GC pause, an overloaded machine): what looks like
                // 10ms without progress may be the whole JVM stopped. Restart every P's clock.
                // Counted as an idle round, so that on a machine overloaded for good the poll still
                // backs off instead of staying at 20us.
                lastPoll = now;
                restartClocks(now);
                idle++;
                continue;
            }
            lastPoll = now;
            int taken = retake(now);
            idle = taken != 0 ? 0 : idle + 1;
            if (Timers.sysmonCheck()) { // Go's sysmon: overdue timers and no M to run them
                idle = 0;
            }
            if (idle == 0) {
                dozing = false;
            }
        }
    }

    /** When the previous poll ran. Sysmon only. */
    private long lastPoll = System.nanoTime();
    /** A poll this much later than planned means sysmon (likely the JVM) was stalled. */
    private static final long STALL_NS = TimeUnit.MILLISECONDS.toNanos(10);

    private static void restartClocks(long now) {
        for (P pp : Proc.allp) {
            pp.sysmonWhen = pp.sysmonRunsWhen = pp.sysmonSyscallWhen = now;
        }
    }

    /**
     * Whether no P is in use: each is IDLE or DEAD. Every P is read, not npidle against gomaxprocs:
     * after a GOMAXPROCS shrink an M may still run a P past gomaxprocs until its next schedule.
     */
    private static boolean allIdle() {
        for (P pp : Proc.allp) {
            PStatus st = pp.status;
            if (st != PStatus.IDLE && st != PStatus.DEAD) {
                return false;
            }
        }
        return true;
    }

    /** Go's retake: see the essay. Returns how many Ps were retaken. Sysmon only. */
    static int retake(long now) {
        // Every P, not only those below gomaxprocs: after a shrink, a P past it stays with its M
        // until that M's next schedule (see Proc's GOMAXPROCS), and a hog there would otherwise
        // keep the goroutines queued on it for ever. Its hand-off destroys it (destroyp).
        P[] ps = Proc.allp;
        int n = ps.length;
        int taken = 0;
        boolean anyPreempt = false;
        for (int i = 0; i < n; i++) {
            P pp = ps[i];
            PStatus s = pp.status;
            boolean sysretake = false;
            if (s == PStatus.RUNNING || s == PStatus.SCHED || s == PStatus.SYSCALL) {
                long t = pp.schedtickOpaque();
                if (pp.sysmonTick != t) {
                    pp.sysmonTick = t;
                    pp.sysmonWhen = now;
                } else if (pp.sysmonWhen + FORCE_PREEMPT_NS <= now) {
                    if (s != PStatus.SYSCALL) {
                        preemptone(pp);
                        pp.sysmonWhen = now;
                    } else {
                        // Go's sysretake: a goroutine in a syscall cannot answer a request, and
                        // one in a loop of short syscalls moves syscalltick at every call, so the
                        // check below would never see the P still in the same syscall: take it.
                        // Armed at every poll until schedtick moves, as Go's (whose slice is not
                        // restarted here); the goroutine is asked once, for its return (gort's:
                        // Go's preemptone does nothing to a P in a syscall).
                        sysretake = true;
                        if (!curgMarked(pp)) {
                            preemptone(pp);
                        }
                    }
                }
                anyPreempt |= curgMarked(pp); // SYSCALL too: its goroutine answers at its return
            }
            if (s == PStatus.RUNNING || s == PStatus.SCHED) {
                long r = pp.runsOpaque();
                if (pp.sysmonRuns != r) {
                    pp.sysmonRuns = r;
                    pp.sysmonRunsWhen = now;
                } else if (s == PStatus.RUNNING && pp.sysmonRunsWhen + HOG_RETAKE_NS <= now
                        && starving(pp) && pp.casStatus(PStatus.RUNNING, PStatus.IDLE)) {
                    G hog = curgOf(pp);
                    if (hog != null && hog.preempt) {
                        retakenMarked.add(hog); // it runs on without a P: keep asking (below)
                    }
                    if (Trace.on) Trace.retake(pp, hog, now - pp.sysmonRunsWhen);
                    pp.sysmonRunsWhen = now;
                    taken++;
                    retakes++; // before the hand-off: whoever the hand-off lets run sees the count
                    Proc.handoffp(pp);
                }
            } else if (s == PStatus.SYSCALL) {
                long t = pp.syscalltick;
                if (!sysretake && pp.sysmonSyscallTick != t) {
                    pp.sysmonSyscallTick = t;
                    pp.sysmonSyscallWhen = now;
                    continue;
                }
                // Don't retake a P that has nothing to run while others could take work anyway,
                // but do retake it eventually (Go's rule).
                if (pp.runqempty() && Proc.nmspinning.get() + Proc.npidle.get() > 0
                        && pp.sysmonSyscallWhen + FORCE_PREEMPT_NS > now) {
                    continue;
                }
                if (pp.casStatus(PStatus.SYSCALL, PStatus.IDLE)) {
                    if (Trace.on) Trace.syscallHandoff(pp, curgOf(pp), true);
                    taken++;
                    retakes++;
                    Proc.handoffp(pp);
                }
            }
        }
        for (int i = retakenMarked.size() - 1; i >= 0; i--) {
            G gp = retakenMarked.get(i);
            GStatus st = gp.status();
            if (gp.preempt && (st == GStatus.RUNNING || st == GStatus.SYSCALL)) {
                anyPreempt = true; // still running P-less and still asked: the flag stays up
            } else {
                retakenMarked.set(i, retakenMarked.getLast()); // it answered, parked or ended
                retakenMarked.removeLast();
            }
        }
        if (!anyPreempt && Proc.preemptRequested) {
            Proc.preemptRequested = false;
        }
        return taken;
    }

    /**
     * Goroutines that were asked to yield and then had their P retaken: they run on without one,
     * where no P's curg names them, and the safe points' flag must stay up until each answers (see
     * "Hog retake"). Added by retake, dropped by retake once the goroutine's mark is gone or it no
     * longer runs. A plain list: sysmon only.
     */
    private static final ArrayList<G> retakenMarked = new ArrayList<>();

    /** The goroutine on pp's M, or null; racy. */
    private static G curgOf(P pp) {
        M mp = pp.m;
        return mp != null ? mp.curg : null;
    }

    /** Whether goroutines wait behind pp: on its own queue, or on the global queue with no P idle. */
    private static boolean starving(P pp) {
        return !pp.runqempty() || (Proc.globalRunqSize() != 0 && Proc.npidle.get() == 0);
    }

    /** Whether pp's M runs a goroutine asked to yield; racy. Sysmon only. */
    private static boolean curgMarked(P pp) {
        G gp = curgOf(pp);
        return gp != null && gp.preempt;
    }

    /**
     * Go's preemptone: ask pp's running G to yield, and end pp's runnext chain. The flag safe
     * points read is raised even for a G already asked (retake may have lowered it meanwhile, with
     * no marked G in sight). Sysmon only.
     */
    private static void preemptone(P pp) {
        preempts++;
        pp.preemptSlice = true;
        G gp = curgOf(pp);
        if (gp != null) {
            gp.preempt = true;
            Proc.preemptRequested = true;
        }
    }
}
