package dev.gort.runtime;

import dev.gort.FatalError;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/*
 * Proc: gort's goroutine scheduler, after Go's src/runtime/proc.go. Read that file's opening essay
 * first; this one says what is the same and what the JVM made different. The JDK behaviour it
 * relies on (who calls G.execute from where, pinning, pollers, no preemption) is in
 * docs/jdk-virtual-thread-scheduling.md; docs/design.md maps all the essays.
 *
 * Concepts
 * --------
 * G - goroutine. A JDK virtual thread whose scheduler (Executor) is its own G object. See G.
 * M - machine. A platform thread that carries goroutines: it runs their continuations. See M.
 * P - processor, the right to run goroutines. There are exactly GOMAXPROCS of them. Each has a local
 *     run queue of 256 slots plus runnext. An M must hold a P to run goroutines. See P.
 * There is also one global run queue, guarded by sched.lock.
 *
 * The JDK parks for us
 * --------------------
 * Go's gopark switches to g0 and calls schedule. Here a goroutine parks with LockSupport.park (or
 * anything in the JDK that parks: monitors under JEP 491, j.u.c locks, sockets, sleep); the JDK
 * yields the continuation, which returns control to the M inside execute(), and the M schedules
 * the next G. Go's goready is LockSupport.unpark: the JDK calls G.execute, which lands in ready()
 * below. So every park and unpark in the JVM, ours or the JDK's, goes through this scheduler.
 *
 * Where a readied G goes (ready)
 * ------------------------------
 *  - on an M that holds a P (the readier is a goroutine, or the JDK on the carrier after
 *    unmounting one, with the P RUNNING; or the M itself in scheduler code, holding its P as
 *    SCHED): runqput(pp, gp, next=true), so it runs next and inherits the time slice, then wakep().
 *    Which case it is comes from the M's own curg (null only in scheduler code), never from the
 *    P's m and status alone: under a run the P may be SYSCALL, and sysmon retaking it writes
 *    both, so two plain reads could see the old owner and the new SCHED. A P that is neither
 *    RUNNING under a run nor SCHED in scheduler code, or a P past GOMAXPROCS under a run (see
 *    "GOMAXPROCS"): the global queue, then wakep().
 *    Go's newproc does the same for a new goroutine, so a started goroutine goes to runnext too.
 *  - a Thread.yield (the JDK resubmits the G from the M, with the thread in state YIELDED): the
 *    global queue, behind everything else, as Go's goschedImpl. The M's curg is the G it was
 *    running; for an inherited child (G's "Inherited children") that is the wrapper of its previous
 *    run, a G other than the new wrapper, so the test is the continuation (the same one for every
 *    run of a thread), and the state is read off the child's own thread (G.vthread). Testing the
 *    G itself (gort before) sent a child's yield to runnext, where it inherited the time slice
 *    and ran again at once: the goroutines queued on its P waited for sysmon to end the slice, and
 *    with sysmon off for ever (ChildProgTest's anInheritedChildsYieldLetsTheGoroutinesQueuedOnItsPRun).
 *    Go's goyield (goyield below: Sema's hand-off, the one caller, as in Go) is the same yield with
 *    the M's goyield flag up: to the tail of the M's own P, with no wakep, as Go's goyield_m. The
 *    flag is the goroutine's request, written before its yield and read by the M that runs the
 *    yield; a yield that does not happen (a pinned goroutine's) leaves it up, and goyield lowers it.
 *  - from a thread that is not an M (main, the JDK's timer, unblocker and poller threads): the
 *    global queue, then wakep() to get an idle P going.
 *  - a member of a synctest bubble (gp.bubble != null, the one check on this path): to its bubble's
 *    own queue (Bubble.ready), which hands one member at a time back to runqready, the placement
 *    above. execute() tells the bubble when a member's continuation returns (Bubble.stopped), and
 *    goready/newproc1 are the yield points of seeded bubbles (one static-volatile read otherwise).
 *
 * schedule and findRunnable
 * -------------------------
 * In this order, as Go (first, if sysmon ended the P's time slice, its runnext goes to the global
 * queue, then wakep(), as Go's goschedImpl: sysmon sees no starving P while one is idle):
 *  1. every 61st schedtick, one G from the global queue (so two goroutines that keep readying each
 *     other through runnext cannot starve the global queue);
 *  2. the local queue: runnext, then the ring;
 *  3. the global queue, a batch (globrunqget);
 *  4. steal: if this M is spinning, or fewer than half the busy Ps have a spinning M, become
 *     spinning and try 4 rounds over all Ps in random order, stealing half a queue, and in the
 *     last round a runnext (after a back-off if its P is running, see P);
 *  5. give up: under sched.lock, recheck the global queue, release the P to the idle list, stop
 *     spinning, recheck every queue (see "Delicate dance"), and sleep on the M's note (stopm).
 *
 * Spinning and the delicate dance (Go's words, proc.go "Worker thread parking/unparking")
 * -------------------------------------------------------------------------------------
 * A spinning M is one looking for work. wakep() starts a new spinning M only when no M is spinning
 * and a P is idle; a spinning M that finds work calls wakep() before running it (resetspinning), so
 * parallelism ramps up one M at a time. An M that stops spinning decrements nmspinning and only
 * then rechecks every run queue; a readier queues its G and only then checks nmspinning. One of
 * the two always sees the other, so no readied G is left with every P idle. Each side needs a
 * StoreLoad barrier between its write and its read: the M's is the atomic decrement; a readier's
 * is runqput's CAS of runnext (a ready always CASes runnext, and a spinner that sees runnext
 * taken has found work), or sched.lock for the global queue, as in Go. Nothing after the queueing
 * (setting the P back to RUNNING, a release store) is needed for it.
 *
 * A spinning M may sleep while it spins: before it takes a running P's runnext it backs off off
 * the CPU, ~60us (P, "The runnext back-off"), as Go's spinning M does in usleep(3). It stays
 * counted in nmspinning meanwhile, so a ready in that window sees a spinning M and starts none.
 * That cannot lose a wake-up: the sleep is timed and ends by itself (an unpark only ends it
 * early), and after it the M carries on as a spinning M that never slept: it steals, or it stops
 * spinning, decrements nmspinning and only then rechecks every queue, where it finds whatever was
 * readied while it slept. The one thing a ready in that window waits for is the sleeper's wake-up
 * (~60us, plus whatever the OS takes to run it), instead of an M started just for it:
 * latency, Go's as well, never a G left with every M asleep.
 *
 * Needing a spinning M (Go's sched.needspinning)
 * ----------------------------------------------
 * The dance covers an M that stops spinning; a readier that finds no P idle relies on the busy Ps'
 * Ms to find its G. One of them may be on its way to give up its P: it skipped stealing (enough
 * Ms were spinning), and the spinners then found other work. Without more, it idles its P beside
 * the queued G, and only sysmon's retake (20 ms) or the busy goroutine's next park runs it. So a
 * wakep that finds no P idle sets needspinning, and an M about to idle its P spins instead (Go
 * 1.21's protocol). Go's wakep takes sched.lock to find that no P is idle; gort's reads npidle
 * without it (a ready at GOMAXPROCS 1 would otherwise take the lock every time): it writes
 * needspinning and reads npidle again, while an M that idled its P without spinning reads
 * needspinning after writing npidle and, if it is set, takes a P back and spins (handoffp, which
 * idles a P for another M, calls wakep): one of the two sees the other. The delicate dance, that
 * take-back (pidlegetSpinning) and startm, which look for an idle P under sched.lock, set it
 * there when they find none. Whoever counts a spinning M
 * clears it (becomeSpinning; wakep and handoffp before their startm): a flag left set would make
 * every later idling M spin once for nothing. At GOMAXPROCS 1 wakep does not set it: the one P's
 * own M runs what is queued on it. The scratch program that found the gap (a goroutine queued
 * behind a busy main while GOMAXPROCS shrank and grew, sysmon off) waited for ever about once in
 * 400 rounds without it.
 *
 * Ownership of a P (PStatus)
 * --------------------------
 * Go can tell who owns a P by where the code runs (an M on g0, or a G with m.p set and no
 * preemption). On the JVM the running goroutine's code and sysmon race, so the P's status is its
 * lock: the M holds its P as SCHED while scheduling, store-releases RUNNING just before mounting a G,
 * and CASes RUNNING back to SCHED when the continuation returns. A goroutine that readies another
 * enters the runtime by CASing its P from RUNNING to SCHED and leaves by setting RUNNING. Sysmon
 * retakes a P by CASing it from RUNNING or SYSCALL; whoever loses a CAS has lost the P. A winner
 * then checks p.m: a goroutine whose M lost its P to a retake may win a CAS on the P's next owner's
 * RUNNING; seeing another M in p.m, it puts the status back at once and goes to the global queue. It
 * puts it back by CAS: SYSCALL (Go.syscall's intrusion) is a status that sysmon and the owner's
 * reclaimp CAS from, and their move stands. The owner spins through that brief intrusion: an M
 * reclaiming its own P (reclaimp), and a goroutine entering or leaving a syscall on its own P
 * (syscall, exitsyscall).
 *
 * GOMAXPROCS (procresize)
 * -----------------------
 * Go stops the world. gort cannot stop a goroutine, so: growing adds idle Ps; shrinking marks Ps
 * past n dead. An idle one is drained to the global queue at once; a held one is destroyed by its
 * M the next time it reaches schedule(), after which the M looks for another P or stops. A
 * goroutine running on a held P when GOMAXPROCS shrinks runs on until it parks, yields or is
 * retaken (Go's world stop would have stopped it first), and an M that passed its check just
 * before the shrink may still start a G queued before it; but no G queued after Go.gomaxprocs
 * returned starts on a P past the new count: an M that was already in findRunnable when the count
 * shrank checks it again with the G in hand (the dequeue that gave it the G is ordered after the
 * enqueue, so such a G is seen with the new count), puts the G back and destroys the P. Without
 * that check a goroutine started after GOMAXPROCS(1) could run beside another on the old second P
 * (SysmonTest's hog and victim, 1 in 120 runs).
 * No other M looks at a held dead P's queue (stealWork and findRunnable's re-check stop at
 * gomaxprocs), so nothing waits there for its M: procresize takes the queue of every held P past
 * the new count to the global queue, as a stealer takes (globrunqgrabAll), and the goroutine
 * running on such a P readies to the global queue, not to its P (runqready reads gomaxprocs after
 * runqput's runnext CAS, and then takes its own queue to the global one). Before, a goroutine
 * queued there waited, with live Ps idle, until the dead P's goroutine parked or sysmon retook
 * the P (20 ms and more; for ever with sysmon off: ChildProgTest's
 * aGoroutineQueuedOnADyingPRunsOnALiveOne, both variants, hung in their first round). The runnext
 * CAS is the ready's StoreLoad barrier against procresize's count write and runnext read (the
 * Dekker pair), so the readied G itself cannot be missed by both; one narrower window is left: the
 * older runnext that the put kicks into the ring is written after the CAS (a release store of
 * tail), and procresize may read tail before that store is visible while the readier's count
 * read still sees the old count. That G waits for the dead P's M (or sysmon's retake), as every
 * G did before; closing it would need a StoreLoad fence after every put.
 * Either way the resize ends with wakep(), as Go's startTheWorldWithSema does: new Ps can steal
 * from the busy Ps' local queues, which no readier will announce again (ChildProgTest's
 * raisingGomaxprocsWakesAnMForQueuedWork hung without it while sysmon was off, and waited 20 ms
 * for sysmon's retake while it was on).
 *
 * Network I/O
 * -----------
 * A goroutine blocked on a JDK socket parks like any virtual thread, freeing its M; the JDK's
 * poller wakes it when the socket is ready, which lands in ready() as a foreign-thread wake-up:
 * global queue and wakep, as Go's netpoll injects into the global queue. Which threads poll is a
 * deliberate choice: schedinit sets -Djdk.pollerMode=1 (unless the user set it), so the JDK uses
 * platform Read-Poller/Write-Poller threads. The JDK's default on Linux, mode 2, runs "SubPoller"
 * virtual threads that inherit the scheduler of the first thread to touch a socket; started from a
 * goroutine, they would become anonymous goroutines competing for Ps, and a hog on that P would
 * delay every socket wake-up in the process. (If a platform thread used a socket before gort
 * started, the pollers already run on the JDK's scheduler, which is fine too.)
 *
 * LockOSThread
 * ------------
 * A locked G runs only on its M and that M runs nothing else (Go's startlockedm/stoplockedm): when
 * the locked G parks, its M hands its P off and sleeps; an M that dequeues the G hands its own P to
 * the locked M and stops. The protocol:
 *  - A locked M (lockedg set) goes from schedule straight to stoplockedm, before anything else:
 *    with a P, a P past GOMAXPROCS, or none (sysmon retook it while the G ran, or exitsyscall found
 *    no P). It never looks for a P of its own, never stops as an idle M, never calls findRunnable.
 *    (It did: a locked M whose P had been retaken slept in stopm, on the idle list, where the
 *    hand-off that brought its G back woke it as an ordinary idle M; it then handed that P off and
 *    slept in stoplockedm on a wake-up already spent, and the G, runnable, was never run again.)
 *  - The hand-off is the P itself, in M.lockedp, not startm's nextp and note: startlockedm CASes
 *    an offer of its P into lockedp from null and unparks the locked M; stoplockedm sleeps until
 *    lockedp is non-null and takes it. A sleep cannot spend a wake-up meant for the other kind.
 *  - At most one hand-off is pending. Go queues a G once; gort's queues may hold one G twice (the JDK
 *    can submit it twice; see G), or hold an entry that went stale. A second startlockedm finds
 *    lockedp taken, keeps its P and drops the entry: the pending hand-off is taken after that
 *    entry's readying (it was not taken yet), and the locked M runs the G right after taking it,
 *    so that readying is not lost; nor is a P, as overwriting a pending one lost it.
 *  - The G may unlock (or exit) while a hand-off for a stale entry is on its way: startlockedm
 *    rereads lm.lockedg after its CAS and takes its offer back if the G is no longer locked there;
 *    the unlocked M, in schedule, gives away a hand-off it still finds pending (droplockedp).
 *    Volatile on both sides (lockedp then lockedg; lockedg then lockedp), so one of the two sees it.
 *    The offer is an object of its own, taken back only if it is still the one pending: by the time
 *    startlockedm rereads lockedg, lm may have taken the offer, run the G to its end, locked the
 *    next goroutine and been offered the same P again by another M for that one. (Comparing the P
 *    itself, startlockedm took that second hand-off back and the next goroutine was never run:
 *    found porting Go's TestYieldLockedProgress, a hang in most runs at GOMAXPROCS 1.)
 *  - Running the G's continuation when it is not runnable (the M took a hand-off from an entry
 *    that had become stale) is a no-op inside the JDK; the M goes round to stoplockedm again.
 *  - One gap, found by a review and left open: an M that dequeued a duplicate entry (see G) while
 *    the G was not yet locked, and reaches the run only after the G locked, parked and was
 *    readied, runs it once on itself rather than on its locked M; the JDK mounts the G with no
 *    hook between our check of lockedm and the mount. The G's next park and ready bring it back
 *    to its M. Only a stack dump of a queued goroutine makes duplicates.
 *
 * Inside the runtime (acquirem)
 * -----------------------------
 * The rule: a goroutine inside the runtime, holding a runtime lock or owning a P in a
 * transitional state, is never descheduled. Go gets this for free: runtime transitions run on g0
 * (mcall, systemstack) or under acquirem, where nothing preempts the goroutine, and a contended
 * runtime lock sleeps the whole M. On the JVM any park, contended monitor or Thread.yield would
 * unmount the goroutine and leave the runtime half-way: a P handed off to nobody, a timer's lock
 * held by a goroutine waiting in a run queue for the very M that blocks on that lock. (Both
 * happened: a syscall hand-off that yielded in startm lost its P, and an M blocked on a timer
 * behind a goroutine that had yielded with its lock held.)
 *
 * gort restores the rule by pinning. acquirem pins the calling virtual thread to its carrier
 * (VThreads.pin: the JDK's own Continuation pin count, 2-3 ns with releasem; see
 * docs/jdk-virtual-thread-scheduling.md, "Pinning a goroutine to its carrier") and releasem unpins
 * it. While pinned, a park or a contended lock blocks the M itself and a yield does nothing, so
 * the goroutine stays mounted on its M, as Go's goroutine stays on its M under acquirem. It is
 * used
 *  - by every RLock (sched.lock, resizeLock, timers, timer heaps, channels): lock pins, unlock
 *    unpins, so a goroutine holds no runtime lock unpinned;
 *  - around Go.syscall's P transitions and hand-off (entersyscall, exitsyscall's slow path);
 *  - implicitly in ready(): the JDK pins the caller of G.execute itself.
 * Checked under -ea: RLock asserts the lock order (LockRank) and gopark asserts that the parking
 * goroutine holds no runtime lock.
 *
 * A panic no run hears
 * ---------------------
 * A goroutine's panic ends its run (Go.run rethrows it). A goroutine with no run (started from a
 * thread outside every run), or whose run's Go.run has already returned (Run.fail returns false
 * once Run.await has closed the run), has nobody to tell: its report is printed and, in a plain
 * JVM, that is all (Go.run's return does not stop goroutines, and the JVM's exit status is the
 * program's, as for an uncaught exception in any Java thread). gort run's JVM is Go's process,
 * though, where an unrecovered panic in any goroutine ends the process with status 2 (fatalpanic's
 * exit(2)), and runtime.main, once main returns, parks while a panic is being reported rather than
 * exit 0 under it. So the Launcher sets processMode and ends through exit(status): an orphan panic
 * then calls exit(2) after its report; exit(0) waits while any panic is being reported (panicking),
 * which then either reaches a run or exits 2 itself; an orphan panic that comes after exit(0)
 * began, while the JVM runs its shutdown hooks, halts with 2. Before the twentieth session such a
 * panic was printed and gort run exited 0 (DeadlockProgramsTest.panicAtExitIsStatusTwo).
 *
 * A runtime throw
 * ---------------
 * Go's throw ends the process: the runtime's state is no longer trusted. gort's equivalent is for
 * the same cases: a broken scheduler invariant (a negative nmspinning, a non-empty queue on an
 * idle P, a run-queue overflow), and any exception that escapes an M's scheduling loop, a
 * goroutine's continuation on its M, sysmon's loop or a deadlock check (M.run, execute,
 * Sysmon.run, Checkdead.run), such as an OutOfMemoryError. It has two halves:
 *  - throwRuntime marks the runtime dead (the first error is kept in `crash`, by CAS) and returns
 *    that error for the caller to throw. It only does that: several sites hold sched.lock, and the
 *    report must not run there (the dump reads bubbles under their locks, and reading a runnable
 *    goroutine's stack readies it again, which may need a bubble's lock: lower ranks than SCHED).
 *  - crashed() reports, where the error lands holding no runtime lock: the M's, sysmon's or the
 *    deadlock checker's run() (threadDied), a goroutine's panicked, G.execute's executeFailed, a
 *    timer function's callSafely, and every Go.run or bubble started after it (Go.run, Run.start,
 *    Synctest, Bubble.start). The first caller prints Go's report ("fatal error: MSG" first,
 *    flushed, then "runtime stack:" with the failing thread's Java stack, then every goroutine, as
 *    Go prints them for a runtime throw), ends every active run and every live synctest bubble
 *    with the error (Run.failAll, Bubble.failAll), and opens `crashReported`; the others wait for
 *    that (so a refused Go.run does not return, and its JVM exit, before the report is out). A
 *    caller that holds sched.lock leaves the report to the next one.
 * The runtime is then dead: every later Go.run or Synctest.test throws a FatalError with the same
 * message whose cause is the first one (a new instance per call: a test framework may add
 * suppressed exceptions to what it gets; a bubble the throw ended throws such an instance too).
 * Before, such an exception ended the M's thread with the JDK's uncaught-exception line, stranding
 * its P and the spinning count, and the runs hung; and a bubble ended only if one of its members
 * got the error, so a Synctest.test whose members were parked waited for ever. Go's
 * user-level fatal errors (sync misuse, thread exhaustion, deadlock) leave the scheduler sound and
 * do not kill the runtime: they end the runs (fatal).
 *
 * Lock order
 * ----------
 * One table, LockRank, asserted under -ea (Go's lockrank.go):
 *   RESIZE (procresize) -> TIMER (a timer) -> HCHAN (channels, in id order) -> TIMERS (a timer
 *   heap) -> BUBBLE (a synctest bubble) -> SCHED (sched.lock: global run queue, idle P and M
 *   lists, mcount).
 * sched.lock is last: timers and channels may call into the scheduler (ready) while holding their
 * own locks. Every lock is released in a finally. The P status word is a lock of its own kind
 * (see "Ownership of a P"); sched.lock may be taken while owning a P, never the other way round.
 *
 * Rejected alternatives
 * ---------------------
 *  - The JDK's ForkJoinPool with a custom parallelism: no per-P queues, no runnext, no 61-tick
 *    fairness, no idle-P accounting to observe. It is the peer gort is measured against.
 *  - A ThreadLocal to find the current M: the virtual thread has its own map; the carrier handle
 *    (Thread.currentCarrierThread) costs about as much as currentThread().
 *  - Intrusive run-queue links (Go's schedlink): the JDK may queue one G twice.
 *
 * Differences from Go
 * -------------------
 *  - No forced preemption: the JVM cannot stop a running continuation (Continuation.tryPreempt
 *    throws). Sysmon retakes the P instead (see Sysmon).
 *  - procresize does not stop the world; see above. It moves the queues of Ps it removes to the
 *    global queue, as Go's does, but a P an M still holds keeps its running goroutine.
 *  - M0 is the first M gort starts, not the JVM's main thread, and there is no separate g0: the M's
 *    own stack runs the scheduler.
 *  - When Go.run's main returns, other goroutines keep running (the JVM is not exited); their Ms
 *    are daemon threads, so they do not keep the JVM alive.
 *  - A virtual thread created with the JDK's API inside a goroutine runs as an anonymous goroutine
 *    (goid 0): scheduled on gort's Ps, but not counted by numGoroutine.
 *  - Ms are never destroyed; idle Ms sleep. Go does the same, except that Go kills the thread of a
 *    goroutine that exits while locked (LockOSThread); gort unlocks the M and keeps it, since a
 *    carrier thread holds none of the goroutine's thread state.
 *  - Go's startlockedm throws if the locked M already has a P handed to it (a G is queued once);
 *    gort's queues may hold a G twice, so the second hand-off is refused and its entry dropped
 *    (see "LockOSThread"). The locked M counts itself out of nmidlelocked when it wakes, not the
 *    M that hands it the P, as a hand-off may come before the locked M has gone to sleep. Such a
 *    duplicate can also run a locked G once on another M (the gap in "LockOSThread"); Go's G is
 *    never queued twice.
 *  - wakep finds that no P is idle without sched.lock, and sets needspinning unless GOMAXPROCS is
 *    1; an M that idles its P without spinning looks at needspinning again after it has (see
 *    "Needing a spinning M").
 *  - Go.syscall may be called inside Go.syscall (Go's entersyscall cannot nest): the inner call
 *    runs as a plain call, under the outer call's state.
 *  - A runtime throw (a broken invariant, or an exception escaping an M's loop, sysmon's or a
 *    deadlock check, such as an OutOfMemoryError) cannot end the process, as Go's does: gort
 *    prints Go's report (the message, the failing thread's stack as "runtime stack:", every
 *    goroutine), ends every run and synctest bubble with the error, and refuses every later
 *    Go.run and bubble (see "A runtime throw").
 */
final class Proc {
    private Proc() {}

    // ================================================================== sched (Go's schedt)

    /** sched.lock. Guards runq, pidle, midle, mcount. The last lock in the order (LockRank.SCHED). */
    static final ReentrantLock lock = new RLock(LockRank.SCHED);
    /** procresize's lock, taken before sched.lock. */
    private static final ReentrantLock resizeLock = new RLock(LockRank.RESIZE);

    /** The global run queue. Under sched.lock. Duplicates allowed (see G). */
    static final ArrayDeque<G> runq = new ArrayDeque<>();
    /** runq.size(), written under sched.lock, read without it for fast checks. */
    static volatile int runqsize;

    /** Idle Ps, LIFO. Under sched.lock. */
    private static final ArrayDeque<P> pidle = new ArrayDeque<>();
    /** pidle.size(). Written under sched.lock, read without it. */
    static final AtomicInteger npidle = new AtomicInteger();
    /** Idle Ms, LIFO. Under sched.lock. */
    private static final ArrayDeque<M> midle = new ArrayDeque<>();
    /** Ms created. Under sched.lock. */
    static volatile int mcount;
    /** Go's sched.maxmcount: 10000 by default (SetMaxThreads). */
    private static volatile int maxmcount = 10_000;
    /** Spinning Ms. Atomic; see "Delicate dance". */
    static final AtomicInteger nmspinning = new AtomicInteger();
    /**
     * Go's sched.needspinning: a wake-up found no idle P for a spinning M, so the next M that
     * would give up its P spins instead (see "Needing a spinning M"). Set by wakep (without the
     * lock, when it finds no P idle), by startm and pidlegetSpinning (under sched.lock, when
     * pidleget finds none); cleared, with or without the lock, by whoever has just counted a
     * spinning M in nmspinning (becomeSpinning, and wakep and handoffp before their startm).
     * Volatile.
     */
    static volatile boolean needspinning;

    /** Every P ever made; entries past gomaxprocs are DEAD. Copy-on-write under resizeLock+sched.lock. */
    static volatile P[] allp = new P[0];
    /** Every M ever made. Copy-on-write under sched.lock. */
    static volatile M[] allm = new M[0];
    /** GOMAXPROCS. Written under resizeLock and sched.lock. */
    static volatile int gomaxprocs;

    /** Live goroutines (Go's allgs, minus the dead): newproc1 adds, goexit removes (see AllGs). */
    static final AllGs allgs = new AllGs();
    /** The last goid handed out; checkdead reads it to see that no goroutine was created meanwhile. */
    static final AtomicLong goidgen = new AtomicLong();
    /**
     * Goroutines being created by a thread that is not a goroutine (Go.run's caller, an M starting
     * a timer's goroutine): incremented before the goid is taken, decremented once the G is in allgs
     * and started. checkdead reads it after goidgen (see its argument): such a creator is invisible
     * to it otherwise, while a goroutine that creates one is running, hence awake.
     */
    static final AtomicInteger creating = new AtomicInteger();
    private static final AtomicLong midgen = new AtomicLong();

    /** The runtime is started lazily by the first go() or run(). Written once under resizeLock; read by SchedMetrics. */
    static volatile boolean started;
    static final long startNanos = System.nanoTime();

    // ================================================================== start-up

    /**
     * Default GOMAXPROCS: -Dgort.maxprocs, else env GOMAXPROCS, else the CPU count. The property
     * wins because it is the more specific setting: it is given to this one JVM, where the
     * environment variable is inherited by every process of a shell (and by Go programs beside
     * it), as a JVM system property usually overrides the environment. A value that is not an
     * integer >= 1 is ignored, as Go ignores a malformed GOMAXPROCS.
     */
    static int defaultProcs() {
        String v = System.getProperty("gort.maxprocs");
        if (v == null) {
            v = System.getenv("GOMAXPROCS");
        }
        if (v != null && !v.isBlank()) {
            try {
                int n = Integer.parseInt(v.trim());
                if (n >= 1) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // fall through to the CPU count, as Go ignores a malformed GOMAXPROCS (see the javadoc)
            }
        }
        return Runtime.getRuntime().availableProcessors();
    }

    /** Go's schedinit: make the Ps. Idempotent. */
    static void schedinit() {
        if (started) {
            return;
        }
        VThreads.check();
        resizeLock.lock();
        try {
            if (!started) {
                if (System.getProperty("jdk.pollerMode") == null) {
                    System.setProperty("jdk.pollerMode", "1"); // see "Network I/O"
                }
                procresize(defaultProcs());
                started = true;
                SchedTrace.startIfConfigured();
                Sysmon.start0();
                Trace.initConsumers(); // JFR's listener, -Dgort.metrics, -Dgort.flightrecorder
            }
        } finally {
            resizeLock.unlock();
        }
    }

    // ================================================================== goroutine creation and exit

    /** Go's newproc: create a goroutine running fn and make it runnable; with run, as that run's main. */
    static G newproc(Runnable fn, Run run) {
        return newproc1(fn, run, run != null, null, null);
    }

    /** newproc for Go.go(label, fn): the G's thread is named with label (see G.threadName). */
    static G newprocLabelled(Runnable fn, String label) {
        return newproc1(fn, null, false, null, label);
    }

    /** newproc, saying whether the G is run's main (AfterFunc's timer starts non-main Gs of a run from an M). */
    static G newproc1(Runnable fn, Run run, boolean runMain) {
        return newproc1(fn, run, runMain, null, null);
    }

    /** newproc1 into a synctest bubble: the creator's, or bubble (a bubble's root, or its afterFunc timers). */
    static G newproc1(Runnable fn, Run run, boolean runMain, Bubble bubble) {
        return newproc1(fn, run, runMain, bubble, null);
    }

    /** newproc1 with everything: the bubble (or the creator's), the thread's label (or none). */
    private static G newproc1(Runnable fn, Run run, boolean runMain, Bubble bubble, String label) {
        schedinit();
        G parent = currentG();
        if (parent == null) {
            G wrapper = currentWrapperG();
            if (wrapper != null) {
                // a JDK-API virtual thread a goroutine started (an inherited child): the new
                // goroutine belongs to that goroutine's run, as Go.run's contract says
                return newproc2(fn, run, runMain, bubble, label, wrapper);
            }
            creating.incrementAndGet();
            try {
                return newproc2(fn, run, runMain, bubble, label, null);
            } finally {
                creating.decrementAndGet();
            }
        }
        return newproc2(fn, run, runMain, bubble, label, parent);
    }

    /** newproc1's body; parent is the creating goroutine, or null. */
    private static G newproc2(Runnable fn, Run run, boolean runMain, Bubble bubble, String label, G parent) {
        Bubble b = bubble != null ? bubble : parent != null ? parent.bubble : null;
        Run r = b != null ? null : run != null ? run : parent != null ? parent.run : null;
        G newg = new G(goidgen.incrementAndGet(), parent != null ? parent.goid : 0, r, fn);
        if (b != null) {
            newg.bubble = b; // published to the new thread by start()
            b.add(newg);
        }
        if (label != null) {
            newg.setLabel(label);
        }
        allgs.add(newg);
        if (runMain) {
            run.started(newg); // a run's main: published before it can end
        }
        if (Trace.on) Trace.goCreate(newg, fn);
        Race.goStart(newg.thread);
        VThreads.start(newg.thread); // in gort's container; the JDK calls newg.execute(cont) -> ready -> runqput(runnext)
        if (Bubble.seededLive != 0) Bubble.yieldPoint(); // a seeded bubble may end the time slice here
        return newg;
    }

    /** Go's goexit0: the G's function returned. Called by the G itself as its last act. */
    static void goexit(G gp) {
        if (gp.lockedm != null) {
            // Go terminates a thread whose goroutine exits locked; a carrier has no state of the
            // goroutine's to taint, so gort just frees the M (see Differences from Go).
            gp.lockedm.lockedg = null;
            gp.lockedm = null;
            gp.lockedExt = 0;
        }
        gp.setStatus(GStatus.DEAD); // before leaving allgs: the leak detector's re-attach relies on it
        if ((Checkdead.leakScanGen.get() & 1) != 0) {
            GoroutineLeak.exited(gp); // read after DEAD: a scan that detached gp is seen (GoroutineLeak)
        }
        allgs.remove(gp);
        if (gp.run != null) {
            gp.run.goexit(gp);
        }
    }

    /** An exception escaped gp: report it Go-style and end gp's run. Called by gp itself. */
    static void panicked(G gp, Throwable t) {
        if (isCrash(t)) {
            crashed(); // reports it and ends every run (see "A runtime throw")
            if (gp.bubble != null) {
                gp.bubble.fail(t);
            }
            return;
        }
        if (t instanceof Goexit) {
            if (gp.run != null) {
                gp.run.goexitCalled(gp); // Go.goexit: not a panic
            }
            return;
        }
        if (gp.bubble != null) {
            gp.bubble.fail(t); // Synctest.test rethrows it
            return;
        }
        if (t instanceof FatalError) {
            if (gp.run == null || !gp.run.fail(t)) { // already reported by throw()
                orphanPanic(); // no run hears it: see "A panic no run hears"
            }
            return;
        }
        Run run = gp.run;
        // A panic an inner Go.run reported and rethrew into this goroutine (Go.run called from a
        // goroutine other than a main) is the same panic: reported once, but it fails this run too.
        boolean first = Traceback.firstReport(t);
        panicking.incrementAndGet(); // the process's exit waits for the report ("A panic no run hears")
        try {
            if (run == null) {
                if (first) {
                    Traceback.printPanic(gp, t);
                }
                orphanPanic();
                return;
            }
            run.panicking.incrementAndGet(); // Go.run waits for the report: Run, "Main returns while..."
            boolean heard = true;
            try {
                if (first) {
                    Traceback.printPanic(gp, t);
                    Trace.snapshotOnFailure("panic"); // -Dgort.flightrecorder: before Go.run returns
                }
            } finally {
                heard = run.fail(t); // even if the report itself failed: the run must not end normally
                run.panicking.decrementAndGet();
            }
            if (!heard) {
                orphanPanic(); // its Go.run had returned
            }
        } finally {
            panicking.decrementAndGet();
        }
    }

    /**
     * Goroutines reporting a panic (Go's panicking): exit(0) waits while it is above 0. See "A
     * panic no run hears".
     */
    private static final AtomicInteger panicking = new AtomicInteger();
    /** gort run's JVM: an orphan panic ends the process (Linkname.processMode, set by the Launcher). */
    static volatile boolean processMode;
    private static final Object exitLock = new Object();
    /** The status of the exit under way, or -1. Under exitLock. */
    private static int exitStatus = -1;

    /** A panic (or fatal error) no run hears was reported: Go's fatalpanic's exit(2), in process mode. */
    private static void orphanPanic() {
        if (processMode) {
            exit(2);
        }
    }

    /**
     * The process's exit, Go's exit after runtime.main (status 0) or fatalpanic (2): the first
     * caller's System.exit wins, hooks and all; exit(0) waits while a panic is being reported
     * first (Go's main parks while panicking); a non-zero exit after an exit(0) began halts with
     * its status (the hooks are cut short, as Go's process would already be gone); any other later
     * caller parks for good. Never returns. See "A panic no run hears".
     */
    static void exit(int status) {
        int prior;
        for (;;) {
            synchronized (exitLock) {
                prior = exitStatus;
                if (prior < 0 && (status != 0 || panicking.get() == 0)) {
                    exitStatus = status;
                    break;
                }
                if (prior >= 0) {
                    break;
                }
            }
            LockSupport.parkNanos(1_000_000L); // a panic is being reported: it may exit(2) first
        }
        System.out.flush();
        System.err.flush();
        if (prior < 0) {
            System.exit(status);
        } else if (prior == 0 && status != 0) {
            Runtime.getRuntime().halt(status);
        }
        for (;;) {
            LockSupport.park(exitLock); // the exit under way ends the process
        }
    }

    // ================================================================== inside the runtime

    /**
     * Go's acquirem: the calling goroutine may not be descheduled until the matching releasem; a
     * park or contended lock in between blocks its M with it. Nests. No-op on a platform thread.
     * See "Inside the runtime".
     */
    static void acquirem() {
        Thread t = Thread.currentThread();
        if (t.isVirtual()) {
            VThreads.pin(t);
        }
    }

    /** Go's releasem: undoes one acquirem. */
    static void releasem() {
        Thread t = Thread.currentThread();
        if (t.isVirtual()) {
            VThreads.unpin(t);
        }
    }

    // ================================================================== gopark / goready

    /**
     * Go's gopark: parks the calling goroutine with a wait reason until {@link #goready}. Outside a
     * goroutine it parks the calling platform thread. Like LockSupport.park it may return
     * spuriously, and a pending Thread.sleep permit makes it return at once: callers loop on their
     * own condition. gp must be the calling goroutine (as from currentG()), or null.
     */
    static void gopark(G gp, WaitReason reason, Object blocker) {
        assert !LockRank.CHECK || LockRank.held() == 0 : "gopark: holding runtime locks";
        if (gp != null) {
            if (Race.ENABLED && gp.bubble != null) {
                // Go's changegstatus: a member that blocks releases to its bubble, which
                // synctest.Wait acquires (any park, durable or not: Wait returns only when all are)
                Race.releaseMerge(gp.bubble);
            }
            gp.waitreason = reason;
            gp.waitsince = Sysmon.coarseNanotime(); // not System.nanoTime(): a clock read per park (docs/benchmarks.md, cut 11)
            gp.parks++;
            if (Trace.on) Trace.gopark(gp, reason, blocker); else LockSupport.park(blocker);
            gp.waitreason = null;
        } else {
            LockSupport.park(blocker);
        }
    }

    /** Go's goready: makes the goroutine or thread t runnable again (t's next park returns). Any thread. */
    static void goready(Thread t) {
        LockSupport.unpark(t);
        if (Bubble.seededLive != 0) Bubble.yieldPoint(); // a seeded bubble may end the time slice here
    }

    // ================================================================== ready

    /**
     * Makes gp runnable (Go's ready/goready, reached through G.execute). See "Where a readied G goes".
     * Any thread.
     */
    static void ready(G gp) {
        gp.markRunnable();
        if (Trace.on) Trace.goUnblock(gp);
        if (gp.bubble != null) {
            gp.bubble.ready(gp); // the bubble queues it and dispatches through runqready
            return;
        }
        runqready(gp);
    }

    /** The placement half of ready: gp (runnable) to a run queue. Bubble dispatches through it. Any thread. */
    static void runqready(G gp) {
        Thread self = Thread.currentThread();
        M mp = self instanceof M m ? m : M.current();
        if (mp != null) {
            G cur = self == mp ? mp.curg : null;
            if (cur != null && cur.cont == gp.cont && gp.vthread != null && VThreads.state(gp.vthread) == VThreads.YIELDED) {
                // cur.cont, not cur: an inherited child's wrapper is a new G at each run (see above).
                if (mp.goyield) {
                    // Go's goyield (Sema's hand-off): to this P's local tail, no wakep.
                    mp.goyield = false;
                    if (runqputUnderRun(mp, gp, false)) {
                        return;
                    }
                }
                // Thread.yield / Go.gosched: behind everybody, on the global queue (goschedImpl).
                globrunqputLocked(gp);
                wakep();
                return;
            }
            P pp = mp.p;
            if (runqputUnderRun(mp, gp, true)) {
                wakep();
                return;
            }
            if (pp != null && self == mp && mp.curg == null && pp.m == mp && pp.status == PStatus.SCHED) {
                // The M itself, in scheduler code (curg is null only there; only this M writes it).
                // Not the JDK calling us on the carrier inside a run (a park that raced an unpark):
                // there the P may be SYSCALL, and sysmon may retake it between these two reads.
                pp.runqput(gp, true);
                wakep();
                return;
            }
        }
        globrunqputLocked(gp);
        wakep();
    }

    /**
     * runqput(pp, gp, next) on mp's P, if mp holds it under a run (RUNNING, taken to SCHED for the
     * put); false if mp holds no P or sysmon retook it (the caller then takes another route). A
     * P past GOMAXPROCS passes its queue, gp included, to the global queue. The M's own thread.
     */
    private static boolean runqputUnderRun(M mp, G gp, boolean next) {
        P pp = mp.p;
        if (pp == null || !pp.casStatus(PStatus.RUNNING, PStatus.SCHED)) {
            return false;
        }
        boolean mine = pp.m == mp; // else retaken and now another M's: hands off
        try {
            if (mine) {
                pp.runqput(gp, next);
                if (pp.id >= gomaxprocs) {
                    // Past GOMAXPROCS, where no other M looks (see "GOMAXPROCS"): to the global
                    // queue. Read after runqput's runnext CAS (a full fence), so either this read
                    // sees the shrink or the shrink's globrunqgrabAll, which reads runnext after
                    // writing the count, sees gp there. A put to the tail (next == false, goyield)
                    // is a release store, not a fence, and may miss the shrink; but its caller is
                    // this M between runs, which reaches schedule() next and there runs gp or
                    // destroys the P (destroyp drains it).
                    lock.lock();
                    try {
                        globrunqgrabAll(pp);
                    } finally {
                        lock.unlock();
                    }
                }
            }
        } finally {
            pp.setRunning();
        }
        return mine;
    }

    /** execute() must never throw: put the G on the global queue by the simplest route, or report. */
    static void executeFailed(G gp, Throwable t) {
        if (isCrash(t)) {
            crashed(); // the runtime threw on the ready path: report it (see "A runtime throw")
            return;
        }
        try {
            globrunqputLocked(gp);
            wakep();
        } catch (Throwable t2) {
            if (isCrash(t2)) {
                crashed(); // the global queue could not grow (outOfMemory)
                return;
            }
            t2.addSuppressed(t);
            System.err.println("gort: lost goroutine " + gp.goid + " while readying it: " + t2);
        }
    }

    // ================================================================== global run queue

    private static void globrunqputLocked(G gp) {
        lock.lock();
        try {
            globrunqput(gp);
        } finally {
            lock.unlock();
        }
    }

    /** Go's globrunqput. sched.lock must be held. */
    private static void globrunqput(G gp) {
        assert lock.isHeldByCurrentThread() : "globrunqput: sched.lock not held";
        try {
            runq.addLast(gp);
        } catch (OutOfMemoryError e) {
            throw outOfMemory(e);
        } finally {
            runqsize = runq.size();
        }
    }

    /** Go's globrunqputbatch: n Gs from batch, in order. Takes sched.lock. */
    static void globrunqputbatch(G[] batch, int n) {
        lock.lock();
        try {
            for (int i = 0; i < n; i++) {
                runq.addLast(batch[i]);
            }
        } catch (OutOfMemoryError e) {
            throw outOfMemory(e);
        } finally {
            runqsize = runq.size();
            lock.unlock();
        }
    }

    /**
     * The global queue could not grow: the goroutines being queued are held nowhere else (a
     * runqputslow batch has left its P's ring), so they would be lost without a word. Go's
     * allocator throws "out of memory" instead; so does this (see "A runtime throw").
     */
    private static FatalError outOfMemory(OutOfMemoryError e) {
        return throwRuntime("out of memory", e);
    }

    /**
     * Go's globrunqget: take a fair share of the global queue (at most max if max > 0, and at most
     * half a local ring), return one and put the rest on pp's local queue.
     * sched.lock must be held; owner of pp only.
     */
    private static G globrunqget(P pp, int max) {
        assert lock.isHeldByCurrentThread() : "globrunqget: sched.lock not held";
        int size = runq.size();
        if (size == 0) {
            return null;
        }
        int n = Math.min(size, size / gomaxprocs + 1);
        if (max > 0 && n > max) {
            n = max;
        }
        n = Math.min(n, P.RUNQ_SIZE / 2);
        G gp = runq.pollFirst();
        for (int i = 1; i < n; i++) {
            pp.runqput(runq.pollFirst(), false);
        }
        runqsize = runq.size();
        return gp;
    }

    /** globrunqget under sched.lock, for findRunnable: a G from the global queue starts a new time slice. */
    private static G globrunqgetLocked(M mp, P pp, int max) {
        lock.lock();
        try {
            mp.inheritTime = false;
            return globrunqget(pp, max);
        } finally {
            lock.unlock();
        }
    }

    // ================================================================== P and M lists

    /** Go's pidleput. sched.lock must be held. */
    private static void pidleput(P pp) {
        assert lock.isHeldByCurrentThread() : "pidleput: sched.lock not held";
        if (!pp.runqempty()) {
            throw throwRuntime("pidleput: P has non-empty run queue", null);
        }
        pp.status = PStatus.IDLE;
        pp.m = null;
        pidle.push(pp);
        npidle.set(pidle.size());
    }

    /** Go's pidleget. sched.lock must be held. */
    static P pidleget() {
        return pidleget(false);
    }

    /**
     * Go's pidleget, and its callers' wake of a deeply sleeping sysmon (see Sysmon's "Back-off
     * across deep sleeps"): syscall when the P goes to a goroutine back from a syscall or a
     * retake (Go's exitsyscallfast_pidle and exitsyscall0). sched.lock must be held.
     */
    private static P pidleget(boolean syscall) {
        assert lock.isHeldByCurrentThread() : "pidleget: sched.lock not held";
        P pp = pidle.poll();
        if (pp != null) {
            npidle.set(pidle.size());
            pp.status = PStatus.SCHED;
            Sysmon.wake(syscall); // a P is busy again: sysmon must watch it
        }
        return pp;
    }

    /** Go's mput. sched.lock must be held. */
    private static void mput(M mp) {
        assert lock.isHeldByCurrentThread() : "mput: sched.lock not held";
        midle.push(mp);
        if (midle.size() == mcount) {
            Checkdead.poke(); // Go's mput calls checkdead; gort's confirms on its own thread
        }
    }

    /** Go's mget. sched.lock must be held. */
    private static M mget() {
        assert lock.isHeldByCurrentThread() : "mget: sched.lock not held";
        return midle.poll();
    }

    static int nmidle() {
        return midle.size();
    }

    /** pidleget under sched.lock (for TimerSleeper.timerSleep). */
    static P pidlegetLocked() {
        lock.lock();
        try {
            return pidleget();
        } finally {
            lock.unlock();
        }
    }

    /** Ms asleep in stoplockedm, waiting for their locked G (Go's nmidlelocked). Under sched.lock. */
    private static int nmidlelocked;

    static int nmidlelocked() {
        return nmidlelocked;
    }

    /** Go's acquirep. The P must be SCHED and unowned (fresh from pidleget or nextp). This M only. */
    static void acquirep(M mp, P pp) {
        assert mp.p == null : "acquirep: already in go";
        pp.m = mp;
        pp.status = PStatus.SCHED;
        mp.p = pp;
        if (Trace.on) Trace.procStart(pp, mp);
    }

    /** Go's releasep: detach the P from this M. This M only. */
    private static P releasep(M mp) {
        P pp = mp.p;
        mp.p = null;
        pp.m = null;
        if (Trace.on) Trace.procStop(pp);
        return pp;
    }

    // ================================================================== M management

    /**
     * Go's wakep: try to get one more M spinning, if no M is spinning and a P is idle; with no P
     * idle, ask for the next P to go idle to spin instead (needspinning). Any thread.
     */
    static void wakep() {
        if (nmspinning.get() != 0) {
            return; // the spinning M finds the work, or rechecks after it stops (the dance)
        }
        if (npidle.get() == 0) {
            // Go takes sched.lock here to find no idle P and set needspinning (pidlegetSpinning).
            // gort sets it without the lock, then looks at npidle again: an M that idles its P
            // writes npidle, then reads needspinning, so one of the two sees the other. With one
            // P there is no other P to idle beside the queued G (its own M runs it, or finds the
            // global queue under the lock before it idles), so the flag would only cost each idle
            // transition a round of spinning; a resize ends with its own wakep.
            if (!needspinning && gomaxprocs > 1) {
                needspinning = true;
            }
            if (npidle.get() == 0) {
                return;
            }
        }
        if (!nmspinning.compareAndSet(0, 1)) {
            return;
        }
        needspinning = false; // the M startm wakes spins (startm sets it again if it finds no P)
        startm(null, true);
    }

    /**
     * Go's startm: run pp (or an idle P if null) on an idle M, or a new one. With spinning, the
     * caller has already counted the M in nmspinning; if there is no P that count is undone.
     */
    static void startm(P pp, boolean spinning) {
        M nmp;
        boolean fresh = false;
        lock.lock();
        try {
            if (pp == null) {
                pp = pidleget();
                if (pp == null) {
                    if (spinning) {
                        needspinning = true; // Go's pidlegetSpinning: the next M to idle its P spins
                        if (nmspinning.decrementAndGet() < 0) {
                            throw throwRuntime("startm: negative nmspinning", null);
                        }
                    }
                    return;
                }
            }
            nmp = mget();
            if (nmp == null) {
                nmp = newm();
                fresh = true;
            }
            nmp.spinning = spinning;
            nmp.nextp = pp;
        } catch (Throwable t) {
            if (isCrash(t)) {
                throw t; // a runtime throw: reported where it lands (see "A runtime throw")
            }
            unstartm(pp, spinning);
            if (t instanceof FatalError) {
                // Thread exhaustion (newm), reported once and every run ended with it: Go's
                // program is over. The callers (ready, handoffp, wakep) carry on as if an M had
                // started, so no goroutine is lost in between; the Ms that exist keep running.
                return;
            }
            throw t;
        } finally {
            lock.unlock();
        }
        if (fresh) {
            try {
                nmp.start();
            } catch (Throwable t) {
                newmFailed(nmp, pp, spinning, t);
            }
        } else {
            nmp.notewakeup();
        }
    }

    /**
     * An M's thread would not start (the OS's thread limit: OutOfMemoryError "unable to create
     * native thread"). Go's newosproc failure is fatal; as for thread exhaustion in startm, the M is
     * undone and its P goes back on the idle list, queued work and all, so that the Ms that exist
     * carry on while the runs end with the error. Any thread.
     */
    private static void newmFailed(M nmp, P pp, boolean spinning, Throwable t) {
        int have;
        lock.lock();
        try {
            mcount--;
            allm = java.util.Arrays.stream(allm).filter(m -> m != nmp).toArray(M[]::new);
            have = mcount;
            unstartm(pp, spinning);
        } finally {
            lock.unlock();
        }
        fatal("runtime: failed to create new OS thread (have " + have + " already; " + t + ")", "newosproc");
    }

    /**
     * Undoes a startm that got no M: pp (if any) back on the idle list, queued work and all, and
     * the spinning count. sched.lock must be held.
     */
    private static void unstartm(P pp, boolean spinning) {
        if (pp != null) {
            pp.status = PStatus.IDLE;
            pp.m = null;
            pidle.push(pp);
            npidle.set(pidle.size());
        }
        if (spinning) {
            nmspinning.decrementAndGet();
        }
    }

    /**
     * The thread-exhaustion error once reported, until setMaxThreads changes the limit: Go's
     * program dies at the first one, so gort reports it once and throws the same error after.
     * Under sched.lock.
     */
    private static FatalError exhausted;

    /** Go's newm/allocm: a new, unstarted M. sched.lock must be held. Fatal past maxmcount. */
    private static M newm() {
        assert lock.isHeldByCurrentThread() : "newm: sched.lock not held";
        if (mcount >= maxmcount) {
            if (exhausted == null) {
                exhausted = fatal("runtime: program exceeds " + maxmcount + "-thread limit", "thread exhaustion");
            }
            throw exhausted;
        }
        M mp = new M(midgen.getAndIncrement());
        mcount++;
        M[] a = allm;
        M[] b = java.util.Arrays.copyOf(a, a.length + 1);
        b[a.length] = mp;
        allm = b;
        return mp;
    }

    /** Go's stopm: put this M on the idle list and sleep until startm gives it a P. This M only. */
    private static void stopm(M mp) {
        assert mp.p == null : "stopm: holding p";
        assert !mp.spinning : "stopm: spinning";
        lock.lock();
        try {
            mput(mp);
        } finally {
            lock.unlock();
        }
        mp.notesleep();
        P pp = mp.nextp;
        mp.nextp = null;
        acquirep(mp, pp);
    }

    /**
     * Go's handoffp: find an M for a P that its M gave up (a syscall) or lost (a retake). The caller
     * has just CASed pp out of RUNNING or SYSCALL, so it owns pp. Any thread.
     */
    static void handoffp(P pp) {
        pp.m = null;
        pp.status = PStatus.SCHED;
        // if it has local work, or there is global work, start it straight away
        if (!pp.runqempty() || runqsize != 0) {
            startm(pp, false);
            return;
        }
        // no local work: start a spinning M only if nobody else is looking for work
        if (nmspinning.get() + npidle.get() == 0 && nmspinning.compareAndSet(0, 1)) {
            needspinning = false;
            startm(pp, true);
            return;
        }
        boolean idled = false;
        lock.lock();
        try {
            if (runqsize != 0 || !pp.runqempty()) {
                // fall through to startm below, outside the lock
            } else if (pp.id >= gomaxprocs) {
                killp(pp); // its queue is empty: nothing moved
                idled = true;
            } else {
                pidleput(pp);
                idled = true;
            }
        } finally {
            lock.unlock();
        }
        if (idled) {
            if (needspinning) {
                wakep(); // a readier found no idle P just before this one went idle (wakep)
            }
            TimerSleeper.wakeNetPoller(); // Go's handoffp: pending timers need a sleeping M
            return;
        }
        startm(pp, false);
    }

    // ================================================================== syscalls

    /**
     * Go's entersyscall (or, with handoff, entersyscallblock: the P is handed off at once), fn, and
     * exitsyscall. See Go.syscall.
     * The calling goroutine only; from a platform thread fn is simply called.
     */
    static <T> T syscall(java.util.concurrent.Callable<T> fn, boolean handoff) throws Exception {
        G gp = currentG();
        if (gp == null) {
            return fn.call();
        }
        if (gp.status() == GStatus.SYSCALL) {
            // Nested in another Go.syscall: the outer call's state stands until it returns. Entering
            // again found its own P in SYSCALL (or handed off), and the inner exitsyscall took the
            // P back to RUNNING (or took an idle one) while the outer call still blocked.
            return fn.call();
        }
        M mp = M.current();
        P pp = mp.p;
        gp.setStatus(GStatus.SYSCALL);
        try {
            if (Trace.on) Trace.goSysCall(gp);
            if (pp != null) {
                acquirem(); // see "Inside the runtime": the P's transition ends on this M
                try {
                    // entersyscallblock (handoff) takes the P straight from RUNNING to SCHED, which
                    // handoffp keeps: never SYSCALL, where sysmon could retake it first, nor IDLE, which
                    // sysmon takes for a P on the idle list (see Sysmon's "Polling interval"): it could
                    // go to sleep, and handoffp give the P to an M without the idle list's wake-up
                    PStatus to = handoff ? PStatus.SCHED : PStatus.SYSCALL;
                    while (pp.status == PStatus.SCHED && pp.m == mp) {
                        // a stale M's reclaimp, or a goroutine on a stale M readying another
                        // (runqready), holds our P for an instant and puts RUNNING back (see "Ownership
                        // of a P"): wait it out, as exitsyscall does, rather than run the call on a P
                        // that reads RUNNING
                        Thread.onSpinWait();
                    }
                    if (pp.casStatus(PStatus.RUNNING, to)) {
                        if (pp.m != mp) {
                            // Retaken under us and now another M's: not ours to mark. Put RUNNING back
                            // by CAS: sysmon may have retaken a SYSCALL P meanwhile, or its M's reclaimp
                            // taken it back, and either stands (see "Ownership of a P"). Nobody else
                            // moves a SCHED P, so that CAS cannot fail.
                            pp.casStatus(to, PStatus.RUNNING);
                        } else {
                            pp.syscalltick++;
                            if (handoff) {
                                if (Trace.on) Trace.syscallHandoff(pp, gp, false);
                                handoffp(pp); // hand the P off at once
                            } else {
                                Sysmon.entersyscall(); // a dozing sysmon polls at 20us again
                            }
                        }
                    }
                } finally {
                    releasem();
                }
            }
        } catch (Throwable t) {
            exitsyscall(gp); // a JVM error in the entry (Go's cannot fail): undo it, or the G would
            throw t;         // read SYSCALL for good, and its later syscalls would look nested
        }
        T r;
        try {
            r = fn.call();
        } finally {
            exitsyscall(gp);
        }
        if (preemptRequested) {
            preemptCheck(); // a safe point: Go's exitsyscall leaves a pending preemption to the next call
        }
        return r;
    }

    /**
     * Go's exitsyscall: keep the P if it is still ours (fast path), else take an idle P, else put
     * the G on the global queue and let its M stop. The calling goroutine only.
     */
    private static void exitsyscall(G gp) {
        gp.setStatus(GStatus.RUNNING);
        M mp = M.current(); // the G may have parked inside fn and come back on another M
        P pp = mp.p;
        // The tracer's GO_SYSEXIT is written once the P the goroutine goes on with is known (Go's
        // traceGoSysExit after the P is reacquired): mp.p may still name a P handed off meanwhile.
        while (pp != null && pp.m == mp) {
            if (pp.casStatus(PStatus.SYSCALL, PStatus.RUNNING)) {
                if (Trace.on) Trace.goSysExit(gp);
                return; // exitsyscallfast: the P was still ours
            }
            PStatus s = pp.status;
            if (s == PStatus.RUNNING && pp.m == mp) {
                if (Trace.on) Trace.goSysExit(gp);
                return; // fn parked and this M mounted us again with its own P
            }
            if (s != PStatus.SCHED && s != PStatus.SYSCALL) {
                break; // retaken by sysmon (and p.m cleared, or about to be)
            }
            // SCHED while our goroutine runs: a stale M's reclaimp holds our P for an instant and
            // puts SYSCALL back (see "Ownership of a P"); SYSCALL: just put back. Giving the P up
            // here would leave it in SYSCALL with no M, until sysmon retook it.
            Thread.onSpinWait();
        }
        acquirem(); // see "Inside the runtime": np is SCHED and unowned until we own it
        try {
            P np;
            lock.lock();
            try {
                np = pidleget(true); // exitsyscallfast_pidle
            } finally {
                lock.unlock();
            }
            if (np != null) {
                np.m = mp;
                mp.p = np;
                np.status = PStatus.RUNNING;
                if (Trace.on) Trace.goSysExit(gp);
                return;
            }
        } finally {
            releasem();
        }
        // exitsyscall0: no P. Off to the global queue; the M, P-less, stops in schedule().
        mp.p = null;
        if (Trace.on) Trace.goSysExit(gp); // on no P
        Thread.yield();
    }

    /** Go's SetMaxThreads: returns the previous limit. */
    static int setMaxThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("setMaxThreads: limit must be at least 1, got " + n);
        }
        lock.lock();
        try {
            int old = maxmcount;
            maxmcount = n;
            exhausted = null;
            if (mcount > n) {
                throw fatal("runtime: program exceeds " + n + "-thread limit", "thread exhaustion");
            }
            return old;
        } finally {
            lock.unlock();
        }
    }

    // ================================================================== the scheduler loop

    /** Go's mstart: the body of every M. */
    static void mstart(M mp) {
        P pp = mp.nextp;
        mp.nextp = null;
        acquirep(mp, pp);
        for (;;) {
            schedule(mp);
        }
    }

    /** Go's schedule: one round of find a G, run it. This M only. */
    private static void schedule(M mp) {
        G locked = mp.lockedg;
        if (locked != null) {
            // This M runs only its locked G: give the P away (if it still has one) until that G is
            // ready again. First of all: a locked M never looks for a P or sleeps as an idle M.
            stoplockedm(mp);
            execute(mp, locked, false);
            return;
        }
        if (mp.hasLockedp()) {
            droplockedp(mp);
        }
        P pp = mp.p;
        if (pp == null && mp.spinning) {
            mp.spinning = false; // it will not look for work with no P
            nmspinning.decrementAndGet();
        }
        if (pp == null) {
            // the P was retaken while our G ran (by sysmon): find another or sleep
            lock.lock();
            try {
                pp = pidleget(true); // exitsyscall0: a retake is gort's syscall
            } finally {
                lock.unlock();
            }
            if (pp != null) {
                acquirep(mp, pp);
            } else {
                stopm(mp);
            }
            return;
        }
        if (pp.id >= gomaxprocs) {
            destroyp(mp);
            return;
        }
        G gp = findRunnable(mp);
        if (mp.spinning) {
            resetspinning(mp);
        }
        if (mp.p.id >= gomaxprocs) {
            // GOMAXPROCS shrank while this M looked for work: no G starts on a P past it after
            // Go.gomaxprocs returned (see "GOMAXPROCS"). Back on the P, which destroyp drains.
            mp.p.runqput(gp, false);
            destroyp(mp);
            return;
        }
        M lm = gp.lockedm;
        if (lm != null && lm != mp) {
            startlockedm(mp, gp, lm);
            return;
        }
        execute(mp, gp, mp.inheritTime);
    }

    // ================================================================== LockOSThread

    /** Go's LockOSThread: wire the calling goroutine to its M. Nests. The calling goroutine only. */
    static void lockOSThread() {
        G gp = currentG();
        if (gp == null) {
            return; // a platform thread is its own OS thread already
        }
        if (gp.lockedExt++ == 0) {
            M mp = M.current(); // the carrier it runs on; G.m may name another M for a moment (G)
            gp.lockedm = mp;
            mp.lockedg = gp;
        }
    }

    /** Go's UnlockOSThread: undo one lockOSThread; at zero the goroutine may move again. The calling goroutine only. */
    static void unlockOSThread() {
        G gp = currentG();
        if (gp == null || gp.lockedExt == 0) {
            return; // as Go: unlocking an unlocked goroutine is a no-op
        }
        if (--gp.lockedExt == 0) {
            M mp = gp.lockedm;
            gp.lockedm = null;
            if (mp != null) {
                mp.lockedg = null;
            }
        }
    }

    /**
     * Go's stoplockedm: the locked G is not running; hand this M's P off (if sysmon or exitsyscall
     * left it one) and sleep until startlockedm hands it a P to run the G on. This M only.
     */
    private static void stoplockedm(M mp) {
        if (mp.spinning) {
            mp.spinning = false;
            nmspinning.decrementAndGet();
        }
        if (mp.p != null) {
            handoffp(releasep(mp)); // a P past GOMAXPROCS included: handoffp kills or passes it on
        }
        lock.lock();
        try {
            nmidlelocked++;
            if (midle.size() + nmidlelocked == mcount) {
                Checkdead.poke(); // as mput: every M is idle now
            }
        } finally {
            lock.unlock();
        }
        P np = mp.waitLockedp();
        lock.lock();
        try {
            nmidlelocked--;
        } finally {
            lock.unlock();
        }
        acquirep(mp, np);
    }

    /**
     * Go's startlockedm: mp dequeued gp, which is locked to lm; hand lm this P (lm will run gp) and
     * stop. If lm already has a hand-off pending, or gp unlocked before lm took this one, the entry
     * was a duplicate or stale and mp keeps its P. See "LockOSThread". This M only.
     */
    private static void startlockedm(M mp, G gp, M lm) {
        P pp = releasep(mp);
        M.LockedHandoff h = lm.offerLockedp(pp);
        if (h == null) {
            acquirep(mp, pp); // the pending hand-off will run gp: this entry is a duplicate
            return;
        }
        if (lm.lockedg != gp && lm.withdrawLockedp(h)) {
            acquirep(mp, pp); // gp unlocked while running, so the entry was stale
            return;
        }
        stopm(mp);
    }

    /**
     * A P handed to this M for a goroutine that unlocked before the M took it (see startlockedm):
     * keep it if the M has none, else find it another M. This M only, with no locked goroutine.
     */
    private static void droplockedp(M mp) {
        P pp = mp.takeLockedp();
        if (pp == null) {
            return;
        }
        if (mp.p == null) {
            acquirep(mp, pp);
        } else {
            handoffp(pp);
        }
    }

    /**
     * Go's pidlegetSpinning: an idle P for an M that is about to spin, under sched.lock; with none
     * idle, needspinning is set, so that the next M to idle its P spins instead. Any M.
     */
    private static P pidlegetSpinning() {
        lock.lock();
        try {
            P pp = pidleget();
            if (pp == null) {
                needspinning = true;
            }
            return pp;
        } finally {
            lock.unlock();
        }
    }

    /** Go's becomeSpinning: this M, holding a P, starts looking for work. */
    private static void becomeSpinning(M mp) {
        mp.spinning = true;
        nmspinning.incrementAndGet();
        needspinning = false;
    }

    /** Go's resetspinning: this M found work; stop spinning and let another M take its place. */
    private static void resetspinning(M mp) {
        mp.spinning = false;
        if (nmspinning.decrementAndGet() < 0) {
            throw throwRuntime("resetspinning: negative nmspinning", null);
        }
        wakep();
    }

    /**
     * Go's execute: run gp on this M until its continuation returns (it parked, yielded or ended).
     * This M only, holding its P as SCHED.
     */
    private static void execute(M mp, G gp, boolean inheritTime) {
        P pp = mp.p;
        pp.countSchedule(inheritTime);
        mp.setCurg(gp);
        gp.setM(mp);
        if (gp.preempt) {
            gp.preempt = false;
        }
        int word = gp.markRunning();
        if (Trace.on) Trace.goStart(mp, pp, gp);
        pp.setRunning(); // from here sysmon may retake the P
        try {
            gp.cont.run();
        } catch (Throwable t) {
            // The JDK's runContinuation does not throw for a well-formed G (the goroutine's own
            // exceptions end in panicked): this is the runtime's failure. See "A runtime throw".
            throw throwRuntime("unexpected " + t + " running goroutine " + gp.goid + " on " + mp.getName(), t);
        }
        mp.setCurg(null); // gp.m stays: see G's essay
        boolean readiedAgain = Trace.on && gp.readiedSince(word); // only the tracer asks
        gp.afterRun(word);
        if (Trace.on) Trace.goStop(mp, pp, gp, readiedAgain);
        reclaimp(mp);
        if (gp.bubble != null) {
            gp.bubble.stopped(gp); // the bubble's token passes on (see Bubble)
        }
    }

    /**
     * After a continuation returns: take this M's P back from RUNNING (or SYSCALL, when the G parked
     * inside Go.syscall) to SCHED, or notice that it was retaken (its m is no longer this M) and
     * drop it. An M spins only while another M's goroutine briefly holds the P in a failed
     * runtime entry (see "Ownership of a P"). This M only.
     */
    private static void reclaimp(M mp) {
        P pp = mp.p; // may differ from the P the G started on: exitsyscall may have moved it
        if (pp == null) {
            return;
        }
        for (;;) {
            PStatus from = pp.casStatus(PStatus.RUNNING, PStatus.SCHED) ? PStatus.RUNNING
                    : pp.casStatus(PStatus.SYSCALL, PStatus.SCHED) ? PStatus.SYSCALL : null;
            if (from != null) {
                if (pp.m == mp) {
                    return;
                }
                pp.status = from; // not ours: give it back as it was
                mp.p = null;
                return;
            }
            if (pp.m != mp) {
                mp.p = null; // retaken by sysmon
                return;
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Go's findRunnable: find a runnable G, stealing if need be, or sleep until there is one.
     * Returns with this M holding a P (possibly a different one). This M only.
     */
    private static G findRunnable(M mp) {
        top:
        for (;;) {
            P pp = mp.p;
            G gp;

            // Sysmon ended the time slice: the runnext chain loses it, as Go's preempted G does.
            if (pp.preemptSlice) {
                pp.preemptSlice = false;
                G next = pp.takeRunnext();
                if (next != null) {
                    globrunqputLocked(next);
                    wakep(); // as goschedImpl: an idle P must not leave it to this P (sysmon sees no starving)
                }
            }

            Timers.checkTimers(pp); // run this P's (and the global heap's) expired timers

            // Fairness: check the global queue once in a while.
            if (pp.schedtickOpaque() % 61 == 0 && runqsize > 0 && (gp = globrunqgetLocked(mp, pp, 1)) != null) {
                return gp;
            }

            // local runq
            gp = pp.runqget(mp);
            if (gp != null) {
                return gp;
            }

            // global runq
            if (runqsize != 0 && (gp = globrunqgetLocked(mp, pp, 0)) != null) {
                return gp;
            }

            // Steal work from other Ps. Limit the number of spinning Ms to half the busy Ps, to
            // avoid burning CPU when GOMAXPROCS>>1 and the program has little parallelism.
            if (mp.spinning || 2 * nmspinning.get() < gomaxprocs - npidle.get()) {
                if (!mp.spinning) {
                    becomeSpinning(mp);
                }
                gp = stealWork(pp);
                if (gp != null) {
                    mp.inheritTime = false;
                    return gp;
                }
            }

            // Give up the P. Recheck the global queue under the lock first.
            lock.lock();
            try {
                if (runqsize != 0) {
                    gp = globrunqget(pp, 0);
                    mp.inheritTime = false;
                    return gp;
                }
                if (!pp.runqempty()) {
                    // stealWork returns what the timers it ran (stealTimers) readied onto this P;
                    // this is for anything else this M readied in scheduler code since the local
                    // check: go round rather than idle a P with work (pidleput throws).
                    continue top;
                }
                if (!mp.spinning && needspinning && pp.id < gomaxprocs) {
                    // A wake-up found no idle P (Go's needspinning): spin instead of idling
                    becomeSpinning(mp);
                    continue top;
                }
                releasep(mp);
                if (pp.id >= gomaxprocs) {
                    killp(pp); // its queue is empty (checked above): nothing moved
                } else {
                    pidleput(pp);
                }
            } finally {
                lock.unlock();
            }

            // Delicate dance: the M stops spinning, then rechecks every source of work. A readier
            // queues first and checks nmspinning second, so one of us sees the other.
            if (mp.spinning) {
                mp.spinning = false;
                if (nmspinning.decrementAndGet() < 0) {
                    throw throwRuntime("findRunnable: negative nmspinning", null);
                }
                P[] ps = allp;
                int n = Math.min(gomaxprocs, ps.length);
                boolean work = runqsize != 0;
                for (int i = 0; i < n && !work; i++) {
                    work = !ps[i].runqempty();
                }
                if (work) {
                    P p2 = pidlegetSpinning();
                    if (p2 != null) {
                        acquirep(mp, p2);
                        becomeSpinning(mp);
                        continue top;
                    }
                }
            } else if (needspinning) {
                // This P went idle (npidle written under the lock above) as a readier found none
                // idle without the lock (wakep): one of us sees the other's write. Take a P back
                // (ours, unless someone was quicker) and spin, as the check before releasing it does.
                P p2 = pidlegetSpinning();
                if (p2 != null) {
                    acquirep(mp, p2);
                    becomeSpinning(mp);
                    continue top;
                }
            }
            if (TimerSleeper.timerSleep(mp)) {
                continue top; // slept until a timer was due and got a P to run what it readied
            }
            stopm(mp);
        }
    }

    /** Go's stealWork: 4 rounds over all Ps in random order; runnext only in the last. Owner of pp only. */
    private static G stealWork(P pp) {
        P[] ps = allp;
        int n = Math.min(gomaxprocs, ps.length);
        if (n <= 1) {
            return null;
        }
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        for (int round = 0; round < 4; round++) {
            boolean stealRunNext = round == 3;
            int start = rnd.nextInt(n);
            int step = coprime(n, rnd);
            for (int i = 0, k = start; i < n; i++, k = (k + step) % n) {
                P p2 = ps[k];
                if (stealRunNext && p2 != pp && Timers.stealTimers(p2) && !pp.runqempty()) {
                    return pp.runqget(pp.m); // p2's expired timers readied goroutines onto pp
                }
                if (p2 == pp || p2.status == PStatus.IDLE) {
                    continue;
                }
                G gp = pp.runqsteal(p2, stealRunNext);
                if (gp != null) {
                    pp.steals++;
                    if (Trace.on) Trace.steal(pp, p2, gp);
                    return gp;
                }
            }
            if (runqsize != 0) {
                return null; // let findRunnable take from the global queue
            }
        }
        return null;
    }

    /** A random step coprime with n, so that start + i*step visits every index once (Go's randomOrder). */
    private static int coprime(int n, ThreadLocalRandom rnd) {
        for (;;) {
            int c = 1 + rnd.nextInt(n);
            if (gcd(c, n) == 1) {
                return c;
            }
        }
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    // ================================================================== GOMAXPROCS

    /** Go's GOMAXPROCS: set it to n if n >= 1; return the previous value. */
    static int gomaxprocs(int n) {
        schedinit();
        int old = gomaxprocs;
        if (n < 1 || n == old) {
            return old;
        }
        resizeLock.lock();
        try {
            old = gomaxprocs;
            procresize(n);
        } finally {
            resizeLock.unlock();
        }
        // Go's startTheWorldWithSema: wake one spinning M whatever the queues look like. New Ps
        // may have work to steal from the other Ps' local queues (not only the global queue,
        // which gort alone used to test: goroutines queued behind a busy main then waited for
        // sysmon, 25 ms); after a shrink the global queue may hold what procresize or destroyp
        // drained. The spinning M wakes the next when it finds work (resetspinning), so one call
        // ramps up as far as there is work, and with none it parks again.
        wakep();
        return old;
    }


    /** Go's procresize. resizeLock must be held. */
    private static void procresize(int n) {
        assert resizeLock.isHeldByCurrentThread() : "procresize: resizeLock not held";
        if (n > 100_000) {
            throw new IllegalArgumentException("gomaxprocs: " + n + " is more than gort supports (100000)");
        }
        lock.lock();
        try {
            P[] ps = allp;
            if (n > ps.length) {
                P[] b = java.util.Arrays.copyOf(ps, n);
                for (int i = ps.length; i < n; i++) {
                    b[i] = new P(i);
                    b[i].status = PStatus.DEAD;
                }
                allp = ps = b;
            }
            int old = gomaxprocs;
            gomaxprocs = n;
            if (Trace.on) Trace.gomaxprocs(old, n);
            for (int i = old; i < n; i++) {
                if (ps[i].status == PStatus.DEAD) {
                    pidleput(ps[i]);
                }
            }
            for (int i = n; i < ps.length; i++) {
                P pp = ps[i];
                if (i < old && pp.status == PStatus.IDLE && pidle.remove(pp)) {
                    npidle.set(pidle.size());
                    killp(pp);
                } else if (pp.status != PStatus.DEAD) {
                    // A held P is destroyed by its M at its next schedule() (destroyp), but no
                    // other M looks at its queue meanwhile: take it now (Go's world stop has it moved)
                    globrunqgrabAll(pp);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Go's destroyp for a P past gomaxprocs that this M holds: drain it to the global queue, wake
     * an M for what was drained (so idle Ps run it in parallel, as Go's procresize would), and
     * take another P, or, if none is idle, sleep for the pending timers (the dead P's among them:
     * Go moves them to a live P) or stop. schedule() saw pp.id >= gomaxprocs without
     * sched.lock; GOMAXPROCS may have grown back since, and procresize, which puts only DEAD Ps
     * on the idle list, left this one to us: so the test is repeated under the lock. A spinning M
     * stops spinning here, under the lock, and wakes another M in its place. schedule() leaves the
     * count to this re-check: where it dropped the count itself, for a P it saw dead, nothing woke
     * an M for what was readied while this one was counted (found by a review); and where it had
     * seen the P live, a resize before this look left the count held by an M about to stop (under
     * -ea stopm's assertion killed the M; without it, wakep never started another M and the queued
     * goroutines waited for ever: GoTest.gomaxprocsResizeUnderLoadLosesNothing, once, in
     * clean-clone CI). This M only.
     */
    private static void destroyp(M mp) {
        int moved;
        P np;
        boolean wasSpinning = false;
        lock.lock();
        try {
            if (mp.p.id < gomaxprocs) {
                return; // GOMAXPROCS grew back since schedule() looked: the P is live again
            }
            if (mp.spinning) {
                // A spinning M on a P that died: a wakep started it for a P that a shrink killed
                // before it ran, or it saw the P live in findRunnable. A spinning M may not stop
                // (stopm), and while it was counted every wakep (the shrink's own among them)
                // started no other M: so wake one below, for what was readied meanwhile
                mp.spinning = false;
                nmspinning.decrementAndGet();
                wasSpinning = true;
            }
            P pp = releasep(mp);
            moved = killp(pp);
            np = pidleget();
            if (np != null) {
                acquirep(mp, np);
            }
        } finally {
            lock.unlock();
        }
        if (moved > 0 || wasSpinning) {
            wakep(); // and for what was readied while this M's spinning kept others asleep
        }
        if (np == null && !TimerSleeper.timerSleep(mp)) {
            // (timerSleep, as findRunnable: the dead P keeps its timers, and the live Ps, all busy,
            // look only at their own heaps; stopping here left them to sysmon's overdue check)
            stopm(mp);
        }
    }

    /**
     * Moves every G queued on pp, a P past gomaxprocs that an M still holds, to the global queue,
     * taking them as a stealer does (its owner may put and take meanwhile). For procresize: the
     * caller's wakep then finds an M for them. sched.lock must be held.
     */
    private static void globrunqgrabAll(P pp) {
        assert lock.isHeldByCurrentThread() : "globrunqgrabAll: sched.lock not held";
        G next = pp.takeRunnext();
        if (next != null) {
            globrunqput(next);
        }
        G[] buf = new G[P.RUNQ_SIZE];
        int k;
        while ((k = pp.runqgrab(buf, 0, false)) != 0) {
            for (int i = 0; i < k; i++) {
                globrunqput(buf[i]);
            }
        }
    }

    /**
     * Moves a dead P's queued Gs to the global queue and marks it DEAD. Returns how many it moved;
     * the caller calls wakep() for them once it has released sched.lock, so they do not wait for
     * an M that happens to look. sched.lock must be held.
     */
    private static int killp(P pp) {
        assert lock.isHeldByCurrentThread() : "killp: sched.lock not held";
        G[] out = new G[P.RUNQ_SIZE + 1];
        int k = pp.runqdrain(out);
        for (int i = 0; i < k; i++) {
            globrunqput(out[i]);
        }
        pp.status = PStatus.DEAD;
        pp.m = null;
        return k;
    }

    // ================================================================== helpers

    /**
     * Whether the caller is a thread outside the goroutines, for the deadlock detector's marks
     * (Blocker, and Checkdead's "When a goroutine counts as asleep"): a platform thread (an M's own
     * scheduler code included) or a virtual thread of the JDK's own scheduler, whose carrier is not
     * an M. A goroutine, or a virtual thread started inside one (carried by an M: Checkdead tracks
     * those as foreign), is not. Two thread-register loads and a type test; the marks call it only
     * while their object is unmarked.
     */
    static boolean outsideGoroutines() {
        return !Thread.currentThread().isVirtual() || !(VThreads.currentCarrier() instanceof M);
    }

    /** The goroutine calling, or null if the caller is not a goroutine (or is an anonymous one). */
    static G currentG() {
        Thread t = Thread.currentThread();
        if (!t.isVirtual()) {
            return null;
        }
        M mp = M.current();
        if (mp == null) {
            return null;
        }
        G gp = mp.curg;
        return gp != null && gp.thread == t ? gp : null;
    }

    /**
     * The anonymous G carrying the calling thread when it is a virtual thread started with the
     * JDK's API inside a goroutine (G's "inherited" children), else null. Its run and bubble are its
     * creator's; its goid is 0.
     */
    static G currentWrapperG() {
        Thread t = Thread.currentThread();
        if (!t.isVirtual()) {
            return null;
        }
        M mp = M.current();
        G gp = mp != null ? mp.curg : null;
        return gp != null && gp.thread == null && gp.goid == 0 ? gp : null;
    }

    // ================================================================== preemption (sysmon asks, safe points answer)

    /**
     * True while at least one goroutine has been asked to yield. Written by sysmon only: set by
     * preemptone, cleared by retake when no P's goroutine and no retaken hog (Sysmon.retakenMarked)
     * is marked; read by Go.checkPreempt on every safe point.
     */
    static volatile boolean preemptRequested;

    /**
     * Go's goyield: the calling goroutine yields its P to the goroutines queued on it, and waits at
     * the tail of its P's local queue (Gosched waits on the global queue). See "Where a readied G
     * goes". gp is the caller's G. A bubble's member yields as Thread.yield does (its bubble places
     * it), and so does a G whose yield runqready cannot recognise (no vthread), which would leave
     * the flag up on an M it no longer runs on. The calling goroutine.
     */
    static void goyield(G gp) {
        M mp = gp.bubble == null && gp.vthread != null ? M.current() : null;
        if (mp == null) {
            Thread.yield();
            return;
        }
        mp.goyield = true;
        try {
            Thread.yield();
        } finally {
            if (M.current() == mp) {
                mp.goyield = false; // the yield did not happen (pinned), or it did and we are back on mp
            }
        }
    }

    /** The slow path of Go.checkPreempt: yield if the calling goroutine is marked. */
    static void preemptCheck() {
        G gp = currentG();
        if (gp != null && gp.preempt) {
            gp.preempt = false;
            if (gp.bubble != null && gp.bubble.seeded) {
                return; // a seeded bubble ends time slices itself, from its PRNG
            }
            if (Trace.on) Trace.goPreempt(gp);
            Thread.yield(); // Go's gopreempt_m: to the global queue
        }
    }

    /** Number of live goroutines. */
    static int numGoroutine() {
        return allgs.size();
    }

    /**
     * Go's throw: report a fatal error on stderr, end every active run with it, and return it for
     * the caller to throw. A fatal error cannot be recovered: Go exits the process; gort ends the
     * runs (Go.run throws the FatalError) and leaves the JVM to the embedder.
     */
    static FatalError fatal(String preamble, String msg) {
        FatalError e = new FatalError(msg);
        System.err.println((preamble != null ? preamble + "\n" : "") + "fatal error: " + msg);
        Run.failAll(e);
        return e;
    }

    /**
     * The runtime's own fatal error, once thrown (see "A runtime throw"). Set once, by CAS, in
     * throwRuntime; read by crashed().
     */
    private static final AtomicReference<FatalError> crash = new AtomicReference<>();
    /** Claimed by the one thread that reports the crash (crashed()). */
    private static final AtomicBoolean crashReporting = new AtomicBoolean();
    /** Opened once the crash is reported and every run then active has failed. */
    private static final CountDownLatch crashReported = new CountDownLatch(1);

    /**
     * Go's throw for the runtime's own failures, first half (see "A runtime throw"): marks the
     * runtime dead and returns the first such error (an earlier one, if it had thrown already, so
     * callers need not check), for the caller to throw. Prints nothing: safe under any lock. Any
     * thread.
     */
    static FatalError throwRuntime(String msg, Throwable cause) {
        FatalError e = new FatalError(msg);
        if (cause != null) {
            e.initCause(cause);
        }
        return crash.compareAndSet(null, e) ? e : crash.get();
    }

    /** Whether t is the runtime's own fatal error (see "A runtime throw"). Any thread. */
    static boolean isCrash(Throwable t) {
        return t != null && t == crash.get();
    }

    /**
     * Go's throw, second half (see "A runtime throw"): null while the runtime is sound; else the
     * error, reported once and every active run ended with it before this returns (unless the
     * caller holds sched.lock, when the report is left to the next caller). Any thread.
     */
    static FatalError crashed() {
        FatalError e = crash.get();
        if (e == null || lock.isHeldByCurrentThread()) {
            return e;
        }
        if (crashReporting.compareAndSet(false, true)) {
            try {
                System.err.println("fatal error: " + e.getMessage());
                System.err.flush();
                StringWriter w = new StringWriter();
                (e.getCause() != null ? e.getCause() : e).printStackTrace(new PrintWriter(w));
                System.err.print("\nruntime stack:\n" + w + Traceback.dump(allgs.snapshot()));
                System.err.flush();
                Trace.snapshotOnFailure("fatal error"); // -Dgort.flightrecorder: before Go.run throws
            } catch (Throwable reportFailed) { // out of memory, say: the first line is out
                System.err.println("gort: the rest of the report failed: " + reportFailed);
            } finally {
                Run.failAll(e);
                Bubble.failAll(e);
                crashReported.countDown();
            }
        } else {
            try {
                crashReported.await(10, TimeUnit.SECONDS); // bounded: the report itself may be stuck
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
        return e;
    }

    /**
     * What a Go.run started after the runtime threw throws: a new error with the crash's message
     * and the crash as its cause (a new instance each time: callers may add suppressed exceptions).
     * Null while the runtime is sound. Any thread holding no runtime lock.
     */
    static FatalError refusal() {
        FatalError e = crashed();
        if (e == null) {
            return null;
        }
        FatalError r = new FatalError(e.getMessage());
        r.initCause(e);
        return r;
    }

    /**
     * An exception escaped the loop of thread t (an M, sysmon or the deadlock checker): Go's throw
     * (a no-op if the runtime had thrown already, as when cause is that throw), reported here. The
     * thread then ends. Called on t.
     */
    static void threadDied(Thread t, Throwable cause) {
        throwRuntime("unexpected " + cause + " in " + t.getName(), cause);
        crashed();
    }

    /**
     * Go's fatal for packages outside the runtime (sync_fatal, e.g. "sync: unlock of unlocked
     * mutex"): reports msg and ends every active run, as {@link #fatal}; the caller throws the result.
     */
    static FatalError syncFatal(String msg) {
        return fatal(null, msg);
    }

    /** A snapshot of every live goroutine. */
    static List<G> allgs() {
        return allgs.snapshot();
    }

    static int globalRunqSize() {
        return runqsize;
    }
}
