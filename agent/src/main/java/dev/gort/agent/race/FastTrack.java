package dev.gort.agent.race;

import com.google.common.collect.MapMaker;
import dev.gort.Go;
import dev.gort.runtime.Race;

import java.util.Arrays;
import java.util.concurrent.ConcurrentMap;

/*
 * FastTrack: gort's race detector, the algorithm of Flanagan & Freund, "FastTrack: Efficient and
 * Precise Dynamic Race Detection" (PLDI 2009), fed by the agent's hooks (RaceRuntime) and by gort's
 * own synchronisation (dev.gort.runtime.Race, Go's raceacquire/racerelease/racereleasemerge/
 * racegostart, called by channels, sync, context and timers). It plays the part of Go's -race
 * runtime (race.go + ThreadSanitizer's v2 runtime).
 *
 * Concepts
 * --------
 * Every thread (goroutine or platform thread) t has a vector clock C_t and a tid; its current
 * epoch is C_t[t]@t. Every synchronisation address m (a lock, a channel, a volatile field, ...)
 * has a clock L_m. Every variable x (an object's field, a static field, an array element) has:
 *   W_x  the epoch of its last write;
 *   R_x  the epoch of its last read, or, once two reads are concurrent, a read vector clock.
 * Epochs make the common cases O(1); the read vector clock exists only for read-shared data.
 *
 * Rules (the paper's, with its names)
 * -----------------------------------
 *   acquire(t, m):      C_t := C_t join L_m
 *   release(t, m):      L_m := C_t;           C_t[t]++          (Go's racerelease)
 *   releaseMerge(t, m): L_m := L_m join C_t;  C_t[t]++          (Go's racereleasemerge)
 *   releaseMergeFrom(m, n): L_n := L_n join L_m                 (C_t untouched: a waker passing on
 *                                                                what a parked waiter released to m,
 *                                                                Go's racereleaseg)
 *   fork(t, u):         C_u := C_t (u new);   C_t[t]++          (goStart, Thread.start)
 *   join(t, u):         C_t := C_t join C_u                     (Thread.join)
 *   read(t, x):   [SAME EPOCH] R_x = E(t): nothing.
 *                 race if W_x is not <= C_t (write-read);
 *                 [EXCLUSIVE] R_x <= C_t: R_x := E(t);  [SHARE] else R_x := {R_x, E(t)} as a clock;
 *                 [SHARED] R_x[t] := C_t[t].
 *   write(t, x):  [SAME EPOCH] W_x = E(t): nothing.
 *                 race if W_x is not <= C_t (write-write), or R_x (epoch or every entry of the
 *                 clock) is not <= C_t (read-write); then W_x := E(t), and a shared R_x is
 *                 reset to empty ([WRITE SHARED]).
 *
 * Protocol and invariants
 * -----------------------
 *  - A variable's state is updated under its VarState's monitor; the same-epoch checks read the
 *    volatile epochs first and skip the monitor (only the owning thread can find its own epoch).
 *  - A thread's clock is only written by that thread, except by its creator before it starts and
 *    read by a joiner after it ended (Thread.start/join order those accesses).
 *  - Hooks that release run BEFORE the releasing operation (unlock, volatile write, send) and hooks
 *    that acquire run AFTER the acquiring one (lock, volatile read, receive); otherwise the acquirer
 *    could read a clock that does not yet contain the releaser's history, a false race.
 *  - Each race is reported once per unordered pair of access sites (Reports).
 *  - Every thread's own clock starts at 1, so epoch 0 means "no access yet".
 *
 * Which happens-before edges exist
 * --------------------------------
 *  gort: goroutine start (Proc.newproc -> Race.goStart), and whatever gort's channels, sync,
 *  context and timers pass to Race.acquire/release/releaseMerge (Go's memory model: a send happens
 *  before the matching receive completes; the k-th receive on a channel of capacity C before the
 *  (k+C)-th send completes; close before a receive that sees it; Unlock before the next Lock;
 *  WaitGroup.Done before Wait returns; ...).
 *  JDK, at call sites in instrumented code (RaceMethodVisitor): synchronized blocks and methods;
 *  Object.wait; volatile fields (a read acquires, a write release-merges, as Go's sync/atomic);
 *  every call on a java.util.concurrent object (atomics, locks, latches, queues, concurrent maps,
 *  futures): release-merge on the object before the call, acquire after it; Condition.await also
 *  on the Condition's lock; Thread.start and Thread.join, for every kind of thread; and the
 *  hand-overs of work to executors, futures and fork/join pools below.
 *
 * Tasks, futures and threads (Tasks)
 * ----------------------------------
 * Ordinary Java hands work to threads the detector does not start: ExecutorService.submit ->
 * Future.get, CompletableFuture.supplyAsync -> join, a stage -> its dependents, a ForkJoinTask's
 * fork -> join, Thread.ofVirtual().start -> join. The edges a user relies on are those the JDK
 * documents ("actions prior to submission happen-before the task's actions, which happen-before
 * the result is retrieved via get()"), so the detector adds exactly those:
 *   submission -> task start        the submitter releases to a Task wrapped around the code,
 *                                    which the Task acquires when it starts to run;
 *   task end -> get/join/isDone     the Task releases to itself when the code returns or throws;
 *                                    the returned Future/stage is linked to it (acquiring a future
 *                                    acquires what it links to);
 *   stage completion -> dependent   a dependent's Task (thenApply, whenComplete, thenCombine,
 *                                    ...) acquires the stages it depends on; complete(v) on a
 *                                    stage is a j.u.c call, a release; thenCompose links the
 *                                    stage to the one its function returned;
 *   task end -> close/awaitTermination/invokeAll/invokeAny   through the executor's termination
 *                                    address, acquired only by those calls (a later submit does
 *                                    not make earlier tasks happen before the submitter);
 *   fork -> compute() -> join       fork/execute/submit/invoke(task) release the ForkJoinTask;
 *                                    an instrumented compute() acquires it at entry and releases
 *                                    it at exit; join/invoke/get/invokeAll acquire it;
 *   Thread.Builder.start(r), Thread.startVirtualThread(r)   are rewritten as unstarted(r), the
 *                                    fork edge, start(): the thread gets its creation stack and
 *                                    join's edge, as new Thread(r).start() always had.
 * Decision: wrap the code at the call site in the application (the agent's only vantage point:
 * it never instruments the JDK), rather than retransforming FutureTask, CompletableFuture,
 * ThreadPoolExecutor and ForkJoinPool. Retransforming java.base would need the hooks on the
 * boot class path, would fire for the JDK's and gort's own internal tasks, and would depend on
 * private JDK internals (CompletableFuture.postComplete, FutureTask.set) that change between
 * releases; the call-site wrap depends only on the public signatures. Its limits:
 *  - only calls in instrumented code whose static receiver type is a JDK executor or stage type
 *    (Executor, ExecutorService, ScheduledExecutorService, ThreadPoolExecutor, ForkJoinPool,
 *    CompletableFuture, CompletionStage, CompletionService, ...) are seen: work submitted through
 *    a library's own executor class, or by uninstrumented code, has no edges (use a j.u.c object
 *    or a channel in between, or include the library);
 *  - the executor receives the Task, not the application's object: remove(r), the list
 *    shutdownNow() returns, and beforeExecute/afterExecute of a custom ThreadPoolExecutor see
 *    the wrapper (whose toString is the original's);
 *  - a ForkJoinTask's body must be a compute() the agent instruments (RecursiveTask,
 *    RecursiveAction, CountedCompleter subclasses of the application); CountedCompleter's
 *    tryComplete/onCompletion chain adds no edge beyond its compute();
 *  - acquiring a future follows its links whenever it is called, as the JDK's volatile state
 *    does: a call on a future whose task has just ended may see the end a moment before the
 *    future's own state says so (never before the task really ended); invokeAny acquires every
 *    task it was given, so a task that ended without being the one chosen is ordered before the
 *    caller too, which the JDK does not promise.
 *
 * Tid reuse
 * ---------
 * Vector clocks are dense arrays indexed by tid, so their size is the number of tids, and a
 * release copies one. Go programs start goroutines by the million; one tid per goroutine ever
 * started would make every clock operation O(goroutines ever). So, as TSan recycles thread slots,
 * the tid of an ended thread is reused: newState looks at a few live states each time (reap) and
 * frees the tids of threads that have TERMINATED, remembering each one's final clock. The next
 * tenant of that tid starts its clock one past it, so every epoch the old tenant left in a shadow
 * is below every epoch of the new one: accesses of the new tenant are unordered with everything
 * that has not synchronised with it, so no race is invented. The new tenant's own slot holds its
 * own clock, so what it knows of its predecessors is kept apart (ThreadState.prevKnown, used by
 * ThreadState.knows): a goroutine started after the one whose tid it took still races with it.
 * A clock slot cannot tell tenants apart, though, so whenever one slot value could stand for both
 * (a third thread, or a lock, that has seen the new tenant; a clock the new tenant receives back
 * with its own time in its slot), the old tenant is taken as fully seen. That never invents a race
 * and can hide one with an ended goroutine, the price TSan pays for its slot reuse too. Clocks stay as wide as the most threads
 * alive at once. Each tid keeps its last 16 tenants' infos (Info.previous) for reports.
 *
 * Rejected alternatives
 * ---------------------
 *  - Full vector clocks per variable (DJIT+): O(n) per access; FastTrack's epochs are O(1) for
 *    nearly all of them with the same precision.
 *  - Lockset (Eraser): reports false positives on channel- and fork/join-synchronised code, which is
 *    most Go-style code.
 *  - Shadow memory off-heap by address: the JVM moves objects; identity-keyed weak maps follow them.
 *  - Capturing a stack trace at every access, so the "Previous" section has a full stack: orders of
 *    magnitude slower. TSan keeps a per-thread trace ring and replays it; gort keeps a shadow
 *    call stack instead (Go's racefuncenter/exit): every instrumented call pushes its site, and
 *    an access that updates a shadow stores an immutable chain of those sites (StackNode),
 *    shared with the thread's previous accesses from the same frames. A global interned trie of
 *    stacks was rejected: recursion makes its size exponential in the depth, and it never dies.
 *
 * Differences from Go
 * -------------------
 *  - "Previous write at ..." shows the previous access's site and the instrumented frames that
 *    called it (the shadow stack); JDK frames between them (a Stream's, a forEach's) are not
 *    recorded, while the current access's stack, walked at the report, has them. Frames of gort,
 *    the launcher, the agent and the JDK's thread/executor plumbing are left out of both.
 *  - Go prints an address ("Read at 0x00c0000a6010"); a Java variable has a name, so the report
 *    prints it: "field com.acme.Counter.n of com.acme.Counter@1b6d3586", "static field ...",
 *    "element [5] of int[]@4554617c", "contents of java.util.HashMap@... (put)" (Reports.location).
 *  - Granularity is a Java variable (field, array element), not 8 bytes of memory.
 *  - Other threads appear as "thread NAME", "virtual thread NAME", or by id ("virtual thread #31")
 *    when unnamed, next to Go's "goroutine N".
 *  - Only instrumented code is checked (the JDK is not, as Go does not check C code): a race
 *    inside a JDK class that is not thread-safe (two threads appending to one StringBuilder,
 *    a SimpleDateFormat) is not seen, except for java.util collections, whose calls are checked
 *    as one variable. Only the JDK edges listed above are known (see "Tasks, futures and
 *    threads" for what a hand-over must look like to be seen).
 *  - gort's runtime gives the detector happens-before edges only (Race's hooks), no accesses of
 *    its own. Go's also treats a channel as a variable (chansend reads it, closechan writes it)
 *    and a WaitGroup's semaphore as one (the Add from 0 reads it, the first Wait writes it), so it
 *    reports a send racing with a close of its channel, or an Add racing with a Wait, with no
 *    variable of the program involved; gort finds such a race only through the program's own
 *    variables, in the runs where the send comes after the close (GoRacePorts' "unmodelled"
 *    ports of Go's TestRaceChanSendClose and its kin).
 *  - A call on a java.util.concurrent object releases before the call and acquires after it, as
 *    the agent cannot make the hooks one step with the JDK's operation: a call's acquire can take
 *    in the release of another thread's call that has not operated yet, an edge the operations do
 *    not give, which hides a race in that interleaving only (two AtomicLong adds, the one that
 *    returned 1 then writing what the other wrote before its add: GoRacePorts' "inexact" port of
 *    Go's TestRaceAtomicAddInt64). Go's detector makes an atomic and its edge one step.
 *  - Tids are reused (see Tid reuse), which can hide a race with an ended goroutine; and a report
 *    names the previous access's goroutine only if its tid has had fewer than 16 later tenants
 *    (otherwise it says "an ended goroutine").
 */
public final class FastTrack implements Race.Detector {
    /** The detector; installed once by the agent's premain. */
    static final FastTrack INSTANCE = new FastTrack();

    private FastTrack() {}

    public static FastTrack instance() {
        return INSTANCE;
    }

    // ---------------------------------------------------------------- threads

    private static final ThreadLocal<ThreadState> current = new ThreadLocal<>();
    /** States made by goStart/Thread.start for threads that have not touched the detector yet. */
    private static final ConcurrentMap<Thread, ThreadState> pending = new MapMaker().weakKeys().makeMap();
    /** Every thread's state, for Thread.join. */
    private static final ConcurrentMap<Thread, ThreadState> byThread = new MapMaker().weakKeys().makeMap();
    /** The newest tenant of each tid, for reports. Copy-on-write under FastTrack.class. */
    private static volatile ThreadState.Info[] infos = new ThreadState.Info[64];
    private static int ntid;
    /** Tids whose thread ended, and the final clock of each. Under FastTrack.class. */
    private static final java.util.ArrayDeque<Integer> freeTids = new java.util.ArrayDeque<>();
    private static int[] lastClock = new int[64];
    /** States of threads not yet seen ended; scanned a few at a time by newInfo. Under FastTrack.class. */
    private static final java.util.ArrayList<ThreadState> live = new java.util.ArrayList<>();
    private static int scan;
    /** How many earlier tenants of a tid reports can still name. */
    private static final int TENURES = 16;

    /**
     * A tid for thread t: a recycled one if an ended thread left one, else a new one.
     * See "Tid reuse" in the essay.
     */
    private static synchronized ThreadState newState(Thread t, StackTraceElement[] createdAt, VectorClock vc) {
        reap(4);
        int tid;
        int start;
        ThreadState.Info prev = null;
        Integer free = freeTids.pollLast(); // LIFO: the most recently ended thread's tid
        if (free != null) {
            tid = free;
            start = lastClock[tid] + 1;
            prev = infos[tid];
        } else {
            if (ntid == infos.length) {
                infos = Arrays.copyOf(infos, ntid * 2);
                lastClock = Arrays.copyOf(lastClock, ntid * 2);
            }
            tid = ntid++;
            start = 1;
        }
        ThreadState.Info info = new ThreadState.Info(tid, start, t, createdAt);
        info.previous = prev;
        int depth = 0;
        for (ThreadState.Info i = info; i != null; i = i.previous) {
            if (++depth == TENURES) {
                i.previous = null;
            }
        }
        ThreadState.Info[] a = infos;
        a[tid] = info;
        infos = a;
        ThreadState ts = new ThreadState(tid, vc, info);
        live.add(ts);
        return ts;
    }

    /** Looks at up to n live states and frees the tids of ended threads. FastTrack.class must be held. */
    private static void reap(int n) {
        for (int k = 0; k < n && !live.isEmpty(); k++) {
            if (scan >= live.size()) {
                scan = 0;
            }
            ThreadState ts = live.get(scan);
            Thread t = ts.info.thread.get();
            if (t == null || t.getState() == Thread.State.TERMINATED) {
                live.set(scan, live.get(live.size() - 1));
                live.remove(live.size() - 1);
                lastClock[ts.tid] = ts.vc.get(ts.tid); // final: the thread has ended
                freeTids.add(ts.tid);
            } else {
                scan++;
            }
        }
    }

    /** Frees the tids of every ended thread now (tests use it to force a reuse). */
    static synchronized void reapAll() {
        reap(live.size());
    }

    /** Tids handed out so far (the width of the widest clock). */
    static synchronized int tidCount() {
        return ntid;
    }

    /** The tenant of tid that made an access at clock c, for reports; null if too old to know. */
    static ThreadState.Info info(int tid, int c) {
        ThreadState.Info i = infos[tid];
        return i == null ? null : i.at(c);
    }

    /** The calling thread's state, adopting the one its creator made, or a fresh one. */
    static ThreadState ts() {
        ThreadState ts = current.get();
        return ts != null ? ts : adopt();
    }

    private static ThreadState adopt() {
        Thread self = Thread.currentThread();
        ThreadState ts = pending.remove(self);
        if (ts == null) {
            ts = newState(self, null, new VectorClock());
        }
        long goid = Go.goid();
        if (goid > 0) {
            ts.info.goid = goid;
        }
        ts.info.threadName = self.getName();
        current.set(ts);
        byThread.put(self, ts);
        return ts;
    }

    /** fork: the calling thread is about to start child. */
    static void fork(Thread child) {
        ThreadState parent = ts();
        ThreadState cs = newState(child, Reports.callerStack(), new VectorClock(parent.vc));
        pending.put(child, cs);
        parent.tick();
    }

    /** join: the calling thread has seen child end. */
    static void join(Thread child) {
        if (child.isAlive()) {
            return;
        }
        ThreadState cs = byThread.get(child);
        if (cs == null) {
            cs = pending.get(child); // ended without touching the detector
        }
        if (cs != null) {
            ts().join(cs.vc);
        }
    }

    // ---------------------------------------------------------------- sync (Race.Detector)

    @Override
    public void acquire(Object addr) {
        VarState s = Shadows.syncIfPresent(addr);
        if (s != null) {
            acquire(ts(), s);
        }
    }

    @Override
    public void release(Object addr) {
        release(ts(), Shadows.sync(addr), false);
    }

    @Override
    public void releaseMerge(Object addr) {
        release(ts(), Shadows.sync(addr), true);
    }

    @Override
    public void goStart(Thread child) {
        fork(child);
    }

    @Override
    public void releaseMergeFrom(Object from, Object to) {
        VarState f = Shadows.syncIfPresent(from);
        if (f == null) {
            return;
        }
        VectorClock c;
        synchronized (f) {
            if (f.sync == null) {
                return;
            }
            c = new VectorClock(f.sync);
        }
        VarState t = Shadows.sync(to);
        synchronized (t) {
            if (t.sync == null) {
                t.sync = c;
            } else {
                t.sync.join(c);
            }
        }
    }

    static void acquire(ThreadState ts, VarState s) {
        synchronized (s) {
            if (s.sync != null) {
                ts.join(s.sync);
            }
        }
    }

    static void release(ThreadState ts, VarState s, boolean merge) {
        synchronized (s) {
            if (s.sync == null) {
                s.sync = new VectorClock(ts.vc);
            } else if (merge) {
                s.sync.join(ts.vc);
            } else {
                s.sync.copyFrom(ts.vc);
            }
        }
        ts.tick();
    }

    // ---------------------------------------------------------------- accesses

    /** FastTrack's read rule. obj and slot name x in reports (see Reports.location). */
    static void read(ThreadState ts, VarState x, int site, Object obj, Object slot) {
        if (x.r != ts.epoch) { // else [READ SAME EPOCH]; the slow path apart, so this one inlines
            readSlow(ts, x, site, obj, slot);
        }
    }

    private static void readSlow(ThreadState ts, VarState x, int site, Object obj, Object slot) {
        long e = ts.epoch;
        synchronized (x) {
            long r = x.r;
            if (r == e) {
                return;
            }
            if (r == Epoch.SHARED && x.rvc.get(ts.tid) == Epoch.clock(e)) {
                return; // [READ SHARED SAME EPOCH]
            }
            long w = x.w;
            if (w != Epoch.NONE && !ts.knows(w)) {
                Reports.race(ts, Sites.READ, site, obj, slot, w, Sites.WRITE, x.wSite, x.wStack);
            }
            StackNode stack = ts.stack();
            if (r == Epoch.SHARED) {
                x.rvc.set(ts.tid, Epoch.clock(e)); // [READ SHARED]
                setReadSite(x, ts.tid, site, stack);
            } else if (r == Epoch.NONE || ts.knows(r)) {
                x.r = e; // [READ EXCLUSIVE]
                x.rSite = site;
                x.rStack = stack;
            } else {
                VectorClock rvc = new VectorClock(); // [READ SHARE]
                rvc.set(Epoch.tid(r), Epoch.clock(r));
                rvc.set(ts.tid, Epoch.clock(e));
                x.rvc = rvc;
                int n = Math.max(Epoch.tid(r), ts.tid) + 1;
                x.rSites = new int[n];
                x.rStacks = new StackNode[n];
                x.rSites[Epoch.tid(r)] = x.rSite;
                x.rStacks[Epoch.tid(r)] = x.rStack;
                x.rSites[ts.tid] = site;
                x.rStacks[ts.tid] = stack;
                x.rStack = null;
                x.r = Epoch.SHARED;
            }
        }
    }

    private static void setReadSite(VarState x, int tid, int site, StackNode stack) {
        if (tid >= x.rSites.length) {
            int n = Math.max(tid + 1, x.rSites.length * 2);
            x.rSites = Arrays.copyOf(x.rSites, n);
            x.rStacks = Arrays.copyOf(x.rStacks, n);
        }
        x.rSites[tid] = site;
        x.rStacks[tid] = stack;
    }

    /** FastTrack's write rule. */
    static void write(ThreadState ts, VarState x, int site, Object obj, Object slot) {
        if (x.w != ts.epoch) { // else [WRITE SAME EPOCH]
            writeSlow(ts, x, site, obj, slot);
        }
    }

    private static void writeSlow(ThreadState ts, VarState x, int site, Object obj, Object slot) {
        long e = ts.epoch;
        synchronized (x) {
            long w = x.w;
            if (w == e) {
                return;
            }
            if (w != Epoch.NONE && !ts.knows(w)) {
                Reports.race(ts, Sites.WRITE, site, obj, slot, w, Sites.WRITE, x.wSite, x.wStack);
            }
            long r = x.r;
            if (r == Epoch.SHARED) {
                VectorClock rvc = x.rvc; // [WRITE SHARED]
                for (int u = 0; u < rvc.size(); u++) {
                    if (rvc.get(u) > 0 && !ts.knows(Epoch.of(u, rvc.get(u)))) {
                        Reports.race(ts, Sites.WRITE, site, obj, slot, Epoch.of(u, rvc.get(u)), Sites.READ,
                                x.rSites[u], x.rStacks[u]);
                    }
                }
                x.rvc = null;
                x.rSites = null;
                x.rStacks = null;
                x.r = Epoch.NONE;
            } else if (r != Epoch.NONE && !ts.knows(r)) {
                Reports.race(ts, Sites.WRITE, site, obj, slot, r, Sites.READ, x.rSite, x.rStack); // [WRITE EXCLUSIVE]
            }
            x.w = e;
            x.wSite = site;
            x.wStack = ts.stack();
        }
    }
}
