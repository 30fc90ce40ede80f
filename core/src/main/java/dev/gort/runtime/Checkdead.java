package dev.gort.runtime;

import dev.gort.DeadlockError;

import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/*
 * Checkdead: global deadlock detection, Go's checkdead (proc.go).
 *
 * Go's version
 * ------------
 * Go calls checkdead from mput, under sched.lock, whenever an M goes idle. If no M is running Go
 * code (mcount - nmidle - nmidlelocked - nmsys == 0), every goroutine must be waiting; if none is
 * left and main called Goexit, it throws "no goroutines (main called runtime.Goexit) - deadlock!";
 * if no P has a timer, it throws "all goroutines are asleep - deadlock!" (since Go 1.23 a channel
 * timer is in a heap only while a receiver waits on its channel, so timers nobody waits on do not
 * count; gort's too: Timer, "Timer channels"). Go can decide under one
 * lock because nothing outside the scheduler can wake a goroutine except a timer or the netpoller
 * (whose waiters are counted as running).
 *
 * Why gort cannot decide under one lock
 * -------------------------------------
 *  1. Statuses are not under sched.lock: a G's status word is CASed by whoever readies it (any
 *     thread, through G.execute) and by its M.
 *  2. Much of the world is outside the scheduler: platform threads (main, executors, the JDK's
 *     timer and unblocker threads) can unpark a goroutine at any time, and so can virtual threads
 *     created with the JDK's API inside a goroutine ("foreign" threads, which run as anonymous Gs).
 *  3. A goroutine parked inside a class initialiser (or under a native frame) is pinned: the JDK
 *     parks its M, so the G stays RUNNING and its M never goes idle.
 *
 * When a goroutine counts as asleep
 * ---------------------------------
 * Only when it parked through Proc.gopark (waitreason != null) for a reason only goroutines can
 * end (canSleepForever: channels, select, sync, semaphores, a Synctest.test caller's wait; not
 * sleep or IO wait, except a bubble member's sleep on the fake clock: see "Bubbles"), its thread is
 * parked (G status WAITING, or RUNNING with the thread in Thread.State.WAITING: parked while
 * pinned) and its park permit is clear (not unparked since), and either the reason is one nothing
 * can end (select with no cases, send or receive on a nil channel), or the park blocker
 * (LockSupport.getBlocker) is a Blocker whose touchedByPlatformThread() is false. A goroutine
 * parked in JDK code (waitreason null), on anything else, or on a Blocker a thread outside the
 * goroutines (a platform thread, or a virtual thread of the JDK's own scheduler:
 * Proc.outsideGoroutines) created or used, is not asleep: something outside the goroutines may
 * wake it.
 *
 * The protocol
 * ------------
 *  - mput pokes this class when the last M goes idle (nmidle == mcount), as Go's mput calls
 *    checkdead; Run.start pokes it too. The poke sets a flag and unparks the "gort-checkdead"
 *    platform thread; the M goes to sleep at once (no work under sched.lock). After each check the
 *    checker rests 10 ms, during which pokes only set the flag: at most 100 checks and wake-ups a
 *    second however often the program goes idle.
 *  - A check first looks at the goroutine the previous check found awake (the witness), then walks
 *    allgs unsorted and stops at the first goroutine that is not asleep (the usual outcome); only
 *    if all are asleep does it build a snapshot. An idle server with 10,000 parked workers and a
 *    main goroutine in accept() therefore costs O(1) per check, not O(10,000).
 *  - While some Go.run is live, the checker also polls with back-off (10 ms doubling to 1 s, reset
 *    by every poke), because a pinned goroutine's M never reaches mput (case 3). Each poll first
 *    checks, in O(#M), that every M is idle or carries a goroutine parked while pinned.
 *  - It then takes two snapshots GRACE (10 ms) apart and reports only if both show a deadlock and
 *    are identical. A snapshot holds, in goid order, every live G with its status word (status and
 *    ready-epoch), its park count and its park blocker, plus goidgen, nmidle and mcount read under
 *    sched.lock, the P run queues' emptiness, and the leak-scan generation. It fails (no deadlock)
 *    if some Run is not live, a timer is pending (see Timers), a foreign thread is alive, a leak
 *    scan is in progress, a run queue is not empty, some G is not asleep, or the Ms that are not
 *    idle are not exactly the Ms of pinned asleep Gs.
 *
 * Why two identical snapshots prove a deadlock (the argument)
 * -----------------------------------------------------------
 * Let G_i be read at t_i in snapshot 1 and at t_i' in snapshot 2, and T = max t_i < T' = min t_i'.
 * A G leaves WAITING only through G.markRunnable, which bumps the epoch in the same word; its
 * status word is identical at t_i and t_i', and epochs only grow, so no G was readied in [t_i,
 * t_i'], and every G was asleep throughout [T, T']. The epoch moves at G.execute, which the JDK
 * calls only at the end of an unpark: VirtualThread.unpark sets the park permit, CASes the thread
 * from PARKED to UNPARKED (runnable, for the JDK) and then submits it. Between the two the word
 * still reads WAITING with the old epoch, but the permit is set, so the G is not asleep (without
 * that test, an unparker that is not a goroutine, such as a platform thread's Thread.interrupt,
 * kept off its core by the OS for longer than the grace, faked a deadlock:
 * CheckdeadPinnedWakeTest's aParkedGoroutineUnparkedButNotYetReadiedIsNotAsleep). An unparker
 * that is a goroutine or an M is running, so its M is not idle. The permit is cleared only when
 * the thread runs again (VirtualThread.runContinuation) or parks (which consumes it). A pinned G
 * is unparked without the epoch moving at all (the JDK sets its park permit and unparks the
 * carrier). From the unpark until its carrier runs it still reads WAITING, but its permit is set,
 * so it is not asleep (without that test, a
 * carrier the OS kept off its core for longer than the grace, after the last other goroutine
 * parked, faked a deadlock). Once its carrier runs, the thread is RUNNABLE before the permit is
 * cleared, and its park count moves at its next gopark; so it would have to be woken and re-park
 * between the snapshots with the same park count, which gopark's increment forbids (modulo 2^32;
 * the count is read after the thread's state, which the park writes after the increment). No G was
 * created in between (goidgen is unchanged), and none was half-made: a goroutine creating one is
 * running, hence awake, and a thread outside the runtime counts itself in Proc.creating before it
 * takes a goid and until the G is in allgs and started; snapshot 2 read creating as 0 after reading
 * goidgen, so every goid up to goidgen belongs to a G that was in allgs before the walk began, or
 * has exited. So the set is the whole set. (Without Proc.creating, Go.run's caller, descheduled by
 * the OS between taking main's goid and adding main to allgs, made a live run with no goroutine
 * look deadlocked.) In [T, T'] nothing could have woken any of them: every goroutine was asleep (so
 * none ran), no foreign thread was alive, no timer was pending, and a platform thread could only
 * act through a blocker, whose touched flag was false in both snapshots. A G parked on an untouched
 * Blocker is woken only by a party that operates on that Blocker, and every possible party is
 * asleep; so they are asleep for ever, which is Go's deadlock. The grace period is not part of the
 * proof; it only lets in-flight scheduling settle so that checks are not wasted.
 *
 * Bubbles
 * -------
 * A synctest bubble's fake clock moves only when every member is durably blocked (Bubble's
 * protocol, steps 5 and 6). A member asleep on that clock (SLEEP on one of the bubble's timers) or
 * in Synctest.await therefore counts as asleep exactly when its bubble is stalled: no member holds
 * or waits for the token, no timer is due, no wake of the awaiting member is under way (step 5
 * decides it under the lock and unparks after; the member reads WAITING until the unpark's ready,
 * on whatever thread ran step 5), and some member is not durably blocked (Bubble.stalled, read
 * under the bubble's lock). Such a member is parked on something outside the bubble, so the
 * walk judges it by the rules above; if it is asleep too, nothing will ever move the clock. The
 * caller of Synctest.test parks with reason "synctest.Run" on the bubble, a Blocker only members
 * can end. So a bubble stuck on a channel made outside it, inside a Go.run where nothing else can
 * run, is Go's "all goroutines are asleep - deadlock!", as in Go, whose checkdead looks only at the
 * Ps' timer heaps, which never hold a bubble's timers. The argument below holds unchanged: a
 * stalled bubble leaves that state only when a member is readied, which moves its status word.
 *
 * The one hole is stated in Go.run's contract: a platform thread that holds a
 * goroutine-made channel it has not used yet (say, captured by a task queued on an ExecutorService)
 * is invisible. Go has no such threads; Go.run's contract makes "used" the boundary.
 *
 * What happens then
 * -----------------
 * stderr gets "fatal error: all goroutines are asleep - deadlock!", a blank line and the goroutine
 * dump (Traceback.dump), then (while a JFR recording runs) a dev.gort.Deadlock event is committed
 * and (with -Dgort.flightrecorder=DIR) the flight recorder's trace is written beside the report,
 * then every live Go.run fails with a DeadlockError (Run.failAll), as Go's fatal. With no goroutine
 * left and every live run's main ended by Go.goexit, the message is Go's "no goroutines (main called
 * runtime.Goexit) - deadlock!". The asleep goroutines stay parked: the JVM is the embedder's (gort
 * run exits with status 2). A dump that fails (out of memory) is replaced by a line saying so; the
 * runs still end.
 *
 * A check that throws is Go's throw, as in Go, where checkdead is scheduler code: "unexpected
 * EXCEPTION in gort-checkdead", the report of Proc's "A runtime throw", every run ended with the
 * FatalError, the runtime dead. Before, the checker printed a line and went on, so a check that
 * failed every time (a broken invariant it trips over) made every later deadlock a silent hang.
 *
 * Rejected alternatives
 * ---------------------
 *  - Deciding in mput under sched.lock, as Go: the statuses are not under that lock (1), and a
 *    dump (getStackTrace) under sched.lock would stall every M.
 *  - A grace period alone ("nothing changed for 100 ms"): a slow machine makes it a false positive,
 *    and it proves nothing. The epoch in the status word is what makes the snapshots comparable.
 *  - Using the JDK's Thread.State alone: a goroutine parked on a JDK lock is WAITING too, and may be
 *    released by a platform thread; only the runtime's own park (waitreason + Blocker) is evidence.
 *
 * Differences from Go
 * -------------------
 *  - Confirmed on a separate platform thread, about 10 ms after the last M went idle; Go throws
 *    synchronously in mput.
 *  - A goroutine parked in JDK code, a live foreign virtual thread (including the JDK's SubPoller
 *    threads once a goroutine has done socket I/O, unless -Djdk.pollerMode=1), or a Blocker touched
 *    by a thread outside the goroutines (a platform thread, or a virtual thread of the JDK's own
 *    scheduler) disables the report; Go has none of these.
 *  - Several Go.run may be live at once; a deadlock is process-wide, as in Go, and fails them all.
 *  - Members of a synctest bubble left behind by a failed bubble count as asleep, so they never
 *    hide a later deadlock. A member asleep on the fake clock or in synctest.Wait counts only while
 *    its bubble is stalled ("Bubbles"); Go reaches the same verdict by never looking at a bubble's
 *    timers, since its bubble advances its clock the moment the last member blocks durably.
 */
final class Checkdead {
    private Checkdead() {}

    /** Go's message, without "fatal error: ". */
    static final String ASLEEP = "all goroutines are asleep - deadlock!";
    /** Go's message when main called Goexit and nothing is left. */
    static final String GOEXIT = "no goroutines (main called runtime.Goexit) - deadlock!";

    private static final long GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long POLL_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long POLL_MAX_NANOS = TimeUnit.SECONDS.toNanos(1);

    /**
     * Leak-scan generation: GoroutineLeak bumps it when a scan starts and when it ends, so it is odd
     * while a scan has taken goroutines out of allgs. Snapshots fail while odd and must agree on it.
     */
    static final AtomicInteger leakScanGen = new AtomicInteger();

    // ================================================================== foreign virtual threads

    /** Virtual threads created with the JDK's API inside goroutines, weakly. Guarded by itself. */
    private static final Set<Thread> foreign = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    /** Set for good if a foreign thread could not be identified: checkdead then never reports. */
    private static volatile boolean foreignUnknown;

    /** The field of the JDK's runContinuation lambda that holds its VirtualThread, per lambda class. */
    private static final ClassValue<Field> VTHREAD_FIELD = new ClassValue<>() {
        @Override
        protected Field computeValue(Class<?> c) {
            for (Field f : c.getDeclaredFields()) {
                if (Thread.class.isAssignableFrom(f.getType())) {
                    f.setAccessible(true);
                    return f;
                }
            }
            return null;
        }
    };

    /**
     * Notes a foreign virtual thread from its runContinuation (VirtualThread's this::runContinuation,
     * whose one captured field is the thread), and returns it, or null if it could not be found.
     * Called from G.execute (the anonymous G's constructor) for every foreign run; never throws.
     */
    static Thread noteForeign(Runnable cont) {
        try {
            Field f = VTHREAD_FIELD.get(cont.getClass());
            Object t = f != null ? f.get(cont) : null;
            if (t instanceof Thread th) {
                foreign.add(th);
                return th;
            }
            foreignUnknown = true;
        } catch (Throwable e) {
            foreignUnknown = true;
        }
        return null;
    }

    private static boolean foreignAlive() {
        if (foreignUnknown) {
            return true;
        }
        synchronized (foreign) {
            for (Thread t : foreign) {
                if (t.isAlive()) {
                    return true;
                }
            }
        }
        return false;
    }

    // ================================================================== the checker thread

    /** Set by poke, cleared by the checker. */
    private static volatile boolean poked;
    /** True while the checker rests after a check; pokes then only set the flag. Checker only. */
    private static volatile boolean cooling;
    private static final Thread checker = Thread.ofPlatform().daemon().name("gort-checkdead").start(Checkdead::run);

    /**
     * Asks the checker to look. Cheap: one unpark at most per POLL_MIN (pokes while it rests only
     * set the flag), so a program that goes idle 100,000 times a second does not wake it as often.
     * Called by mput under sched.lock and by Run.start.
     */
    static void poke() {
        if (!poked) {
            poked = true;
            if (!cooling) {
                LockSupport.unpark(checker);
            }
        }
    }

    /**
     * The checker thread's body. An exception escaping a check is Go's throw (see Proc's "A runtime
     * throw"): checkdead is the scheduler's own code in Go, and a checker that failed and went on
     * would turn every later deadlock into a silent hang. The thread then ends.
     */
    private static void run() {
        try {
            loop();
        } catch (Throwable t) {
            Proc.threadDied(Thread.currentThread(), t);
        }
    }

    /**
     * The checker: wait for a poke (or, while a run is live, the back-off poll), check, rest
     * POLL_MIN. poke writes poked then reads cooling; the checker writes cooling then reads poked:
     * one of them sees the other, so no poke is lost.
     */
    private static void loop() {
        long backoff = POLL_MIN_NANOS;
        for (;;) {
            if (!poked) {
                if (Run.anyLive()) {
                    LockSupport.parkNanos(Checkdead.class, backoff);
                } else {
                    LockSupport.park(Checkdead.class);
                }
            }
            if (poked) {
                poked = false;
                backoff = POLL_MIN_NANOS;
            } else {
                backoff = Math.min(backoff * 2, POLL_MAX_NANOS);
            }
            checkdead();
            cooling = true;
            sleepNanos(POLL_MIN_NANOS);
            cooling = false;
        }
    }

    /** Sleeps d nanoseconds on the calling platform thread, ignoring unparks. */
    private static void sleepNanos(long d) {
        long deadline = System.nanoTime() + d;
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(Checkdead.class, left);
        }
    }

    // ================================================================== checkdead

    /** Go's checkdead: report and end the live runs if every goroutine is asleep. True if it fired. */
    static boolean checkdead() {
        if (!Run.anyLive() || !msIdleOrPinned()) {
            return false;
        }
        Snapshot s1 = snapshot();
        if (s1 == null) {
            return false;
        }
        sleepNanos(GRACE_NANOS);
        Snapshot s2 = snapshot();
        if (s2 == null || !s1.same(s2) || !Run.anyLive()) {
            return false;
        }
        return fire(s2);
    }

    /** The O(#M) pre-check: every M is idle-looking or carries a G parked while pinned in gopark. */
    private static boolean msIdleOrPinned() {
        for (M mp : Proc.allm) {
            G gp = mp.curg;
            if (gp != null && !(gp.waitreason != null && gp.thread != null
                    && gp.thread.getState() == Thread.State.WAITING)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The last goroutine a check found awake (parked in JDK code, say): checked first next time.
     * Weak, so that it never keeps a leaked goroutine reachable. Checker thread only.
     */
    private static WeakReference<G> witness = new WeakReference<>(null);

    /** One snapshot of everything the argument needs; null if it shows no deadlock. Checker thread only. */
    private static Snapshot snapshot() {
        int scan = leakScanGen.get();
        if ((scan & 1) != 0 || Timers.pending() || foreignAlive()) { // a timer: Go's "len(pp.timers.heap) > 0"
            return null;
        }
        long gen = Proc.goidgen.get();
        if (Proc.creating.get() != 0) {
            return null; // a thread outside the runtime is making a goroutine (see the argument)
        }
        int nmidle, mcount;
        Proc.lock.lock();
        try {
            if (Proc.globalRunqSize() != 0) {
                return null;
            }
            nmidle = Proc.nmidle() + Proc.nmidlelocked();
            mcount = Proc.mcount;
        } finally {
            Proc.lock.unlock();
        }
        P[] ps = Proc.allp;
        for (int i = 0, n = Math.min(Proc.gomaxprocs, ps.length); i < n; i++) {
            if (!ps[i].runqempty()) {
                return null;
            }
        }
        G awake = witness.get();
        if (awake != null && !asleep(awake, G.statusOf(awake.word())) && Proc.allgs.contains(awake)) {
            return null; // the last goroutine found awake still is: O(1)
        }
        for (G gp : Proc.allgs) {
            if (!asleep(gp, G.statusOf(gp.word()))) {
                witness = new WeakReference<>(gp);
                return null; // the common case: found before copying more than a stripe, without sorting
            }
        }
        G[] gs = Proc.allgs.snapshot().toArray(new G[0]);
        Arrays.sort(gs, Comparator.comparingLong(g -> g.goid));
        int n = gs.length, pinned = 0;
        int[] words = new int[n];
        int[] parks = new int[n];
        Object[] blockers = new Object[n];
        for (int i = 0; i < n; i++) {
            G gp = gs[i];
            int w = gp.word();
            GStatus st = G.statusOf(w);
            if (!asleep(gp, st)) {
                return null;
            }
            // After asleep's read of the thread's state: the park that state records comes after
            // the G's parks++ (a pinned G has no status CAS to publish it).
            int pk = gp.parks;
            Object b = LockSupport.getBlocker(gp.thread);
            if (st == GStatus.RUNNING) {
                pinned++;
            }
            words[i] = w;
            parks[i] = pk;
            blockers[i] = b;
        }
        if (nmidle + pinned != mcount || Proc.goidgen.get() != gen || leakScanGen.get() != scan) {
            return null;
        }
        return new Snapshot(gen, scan, nmidle, mcount, gs, words, parks, blockers);
    }

    /** See "When a goroutine counts as asleep". st is gp's status, read before. */
    private static boolean asleep(G gp, GStatus st) {
        if (gp.bubble != null && gp.bubble.abandoned()) {
            return true; // left behind by a failed synctest bubble: nothing will run it again
        }
        Thread t = gp.thread;
        WaitReason r = gp.waitreason;
        boolean fakeClock = gp.bubble != null && (r == WaitReason.SLEEP || r == WaitReason.SYNCTEST_WAIT);
        if (t == null || r == null || !(canSleepForever(r) || fakeClock)) {
            return false;
        }
        if (!(st == GStatus.WAITING || st == GStatus.RUNNING && t.getState() == Thread.State.WAITING)
                || VThreads.parkPermit(t)) {
            return false; // running; or unparked, and not yet readied (WAITING) or its carrier not yet run (pinned)
        }
        Object b = LockSupport.getBlocker(t);
        if (fakeClock) { // see "Bubbles"
            return (r == WaitReason.SYNCTEST_WAIT || b instanceof Timer tm && tm.bubble == gp.bubble)
                    && gp.bubble.stalled();
        }
        return foreverReason(r) || b instanceof Blocker bl && !bl.touchedByPlatformThread();
    }

    /**
     * The wait reasons of parks only goroutines can end: channels, select, sync, semaphores. An
     * allow-list, so that a reason added later (a timer's sleep, IO wait) never counts by default.
     */
    static boolean canSleepForever(WaitReason r) {
        return switch (r) {
            case CHAN_RECEIVE, CHAN_SEND, CHAN_RECEIVE_NIL_CHAN, CHAN_SEND_NIL_CHAN, SELECT, SELECT_NO_CASES,
                 SYNC_MUTEX_LOCK, SYNC_RWMUTEX_RLOCK, SYNC_RWMUTEX_LOCK, SYNC_WAITGROUP_WAIT, SYNC_COND_WAIT,
                 SEMACQUIRE, SYNCTEST_RUN -> true;
            // SLEEP and IO_WAIT end by a timer or the poller (a bubble's sleep: see "Bubbles");
            // JDK_PARK is not ours
            default -> false;
        };
    }

    /** Reasons nothing can end: select {} and nil-channel operations. */
    static boolean foreverReason(WaitReason r) {
        return r == WaitReason.SELECT_NO_CASES || r == WaitReason.CHAN_RECEIVE_NIL_CHAN
                || r == WaitReason.CHAN_SEND_NIL_CHAN;
    }

    /** Go's fatal("... deadlock!"): report on stderr, then fail every live run. */
    private static boolean fire(Snapshot s) {
        DeadlockError e;
        String report;
        if (s.gs.length == 0) {
            if (!Run.allLiveMainsGoexited()) {
                return false; // a main is ending normally: not Go's Goexit deadlock
            }
            e = new DeadlockError(GOEXIT);
            report = "fatal error: " + GOEXIT + "\n";
        } else {
            e = new DeadlockError();
            String dump;
            try {
                dump = Traceback.dump(List.of(s.gs));
            } catch (Throwable t) { // out of memory, say: the verdict stands and the runs must end
                dump = "gort: the goroutine dump failed: " + t + "\n";
            }
            report = "fatal error: " + ASLEEP + "\n" + dump;
        }
        System.err.print(report);
        System.err.flush();
        if (Trace.jfr) Jfr.deadlock(e.getMessage(), s.gs.length, report);
        Trace.snapshotOnFailure("deadlock"); // -Dgort.flightrecorder: before Go.run throws
        Run.failAll(e);
        return true;
    }

    /** See "The protocol". Arrays are indexed alike, in goid order. */
    private record Snapshot(long goidgen, int scan, int nmidle, int mcount, G[] gs, int[] words, int[] parks,
                            Object[] blockers) {
        boolean same(Snapshot o) {
            if (goidgen != o.goidgen || scan != o.scan || nmidle != o.nmidle || mcount != o.mcount
                    || gs.length != o.gs.length) {
                return false;
            }
            for (int i = 0; i < gs.length; i++) {
                if (gs[i] != o.gs[i] || words[i] != o.words[i] || parks[i] != o.parks[i]
                        || blockers[i] != o.blockers[i]) {
                    return false;
                }
            }
            return true;
        }
    }
}
