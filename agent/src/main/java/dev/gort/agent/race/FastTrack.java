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
 *  every call on a java.util.concurrent object (atomics, locks, latches, queues, concurrent maps):
 *  release-merge on the object before the call, acquire after it; Condition.await also on the
 *  Condition's lock; Thread.start and Thread.join.
 *
 * Rejected alternatives
 * ---------------------
 *  - Full vector clocks per variable (DJIT+): O(n) per access; FastTrack's epochs are O(1) for
 *    nearly all of them with the same precision.
 *  - Lockset (Eraser): reports false positives on channel- and fork/join-synchronised code, which is
 *    most Go-style code.
 *  - Shadow memory off-heap by address: the JVM moves objects; identity-keyed weak maps follow them.
 *  - Capturing a stack trace at every access, so the "Previous" section has a full stack: orders of
 *    magnitude slower. TSan keeps a per-thread trace ring to rebuild it; gort keeps the site.
 *
 * Differences from Go
 * -------------------
 *  - "Previous write at ..." shows one frame, the previous access's source line (its site), not
 *    the full stack Go rebuilds from TSan's history. The current access has its full stack.
 *  - Addresses are not memory addresses: 0x<identity hash of the object><field hash or index>.
 *  - Granularity is a Java variable (field, array element), not 8 bytes of memory.
 *  - Platform threads appear as "thread NAME" next to Go's "goroutine N".
 *  - Only instrumented code is checked (the JDK is not, as Go does not check C code), and only the
 *    JDK edges listed above are known: tasks handed to JDK executors or CompletableFuture run on
 *    JDK-started threads with no edge from the submitter, so code synchronising only through
 *    them may get false reports. Use goroutines (or add the edge with a j.u.c object).
 *  - Vector clocks are dense over all tids ever used (Go recycles goroutine slots); memory grows
 *    with (live variables x goroutines ever started) in the worst case.
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
    /** Thread infos by tid, for reports. Copy-on-write under FastTrack.class. */
    private static volatile ThreadState.Info[] infos = new ThreadState.Info[64];
    private static int ntid;

    private static synchronized ThreadState.Info newInfo(Thread t, StackTraceElement[] createdAt) {
        if (ntid == infos.length) {
            infos = Arrays.copyOf(infos, ntid * 2);
        }
        ThreadState.Info info = new ThreadState.Info(ntid, t, createdAt);
        ThreadState.Info[] a = infos;
        a[ntid++] = info;
        infos = a;
        return info;
    }

    static ThreadState.Info info(int tid) {
        return infos[tid];
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
            ThreadState.Info info = newInfo(self, null);
            ts = new ThreadState(info.tid, new VectorClock(), info);
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
        ThreadState.Info info = newInfo(child, Reports.callerStack());
        ThreadState cs = new ThreadState(info.tid, new VectorClock(parent.vc), info);
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
            ts().vc.join(cs.vc);
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

    static void acquire(ThreadState ts, VarState s) {
        synchronized (s) {
            if (s.sync != null) {
                ts.vc.join(s.sync);
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

    /** FastTrack's read rule. addr identifies x in reports. */
    static void read(ThreadState ts, VarState x, int site, Object obj, long slot) {
        long e = ts.epoch;
        if (x.r == e) {
            return; // [READ SAME EPOCH]
        }
        VectorClock c = ts.vc;
        synchronized (x) {
            long r = x.r;
            if (r == e) {
                return;
            }
            if (r == Epoch.SHARED && x.rvc.get(ts.tid) == Epoch.clock(e)) {
                return; // [READ SHARED SAME EPOCH]
            }
            long w = x.w;
            if (w != Epoch.NONE && !Epoch.leq(w, c)) {
                Reports.race(ts, Sites.READ, site, obj, slot, Epoch.tid(w), Sites.WRITE, x.wSite);
            }
            if (r == Epoch.SHARED) {
                x.rvc.set(ts.tid, Epoch.clock(e)); // [READ SHARED]
                setReadSite(x, ts.tid, site);
            } else if (r == Epoch.NONE || Epoch.leq(r, c)) {
                x.r = e; // [READ EXCLUSIVE]
                x.rSite = site;
            } else {
                VectorClock rvc = new VectorClock(); // [READ SHARE]
                rvc.set(Epoch.tid(r), Epoch.clock(r));
                rvc.set(ts.tid, Epoch.clock(e));
                x.rvc = rvc;
                x.rSites = new int[Math.max(Epoch.tid(r), ts.tid) + 1];
                x.rSites[Epoch.tid(r)] = x.rSite;
                x.rSites[ts.tid] = site;
                x.r = Epoch.SHARED;
            }
        }
    }

    private static void setReadSite(VarState x, int tid, int site) {
        if (tid >= x.rSites.length) {
            x.rSites = Arrays.copyOf(x.rSites, Math.max(tid + 1, x.rSites.length * 2));
        }
        x.rSites[tid] = site;
    }

    /** FastTrack's write rule. */
    static void write(ThreadState ts, VarState x, int site, Object obj, long slot) {
        long e = ts.epoch;
        if (x.w == e) {
            return; // [WRITE SAME EPOCH]
        }
        VectorClock c = ts.vc;
        synchronized (x) {
            long w = x.w;
            if (w == e) {
                return;
            }
            if (w != Epoch.NONE && !Epoch.leq(w, c)) {
                Reports.race(ts, Sites.WRITE, site, obj, slot, Epoch.tid(w), Sites.WRITE, x.wSite);
            }
            long r = x.r;
            if (r == Epoch.SHARED) {
                VectorClock rvc = x.rvc; // [WRITE SHARED]
                for (int u = 0; u < rvc.size(); u++) {
                    if (rvc.get(u) > c.get(u)) {
                        Reports.race(ts, Sites.WRITE, site, obj, slot, u, Sites.READ, x.rSites[u]);
                    }
                }
                x.rvc = null;
                x.rSites = null;
                x.r = Epoch.NONE;
            } else if (r != Epoch.NONE && !Epoch.leq(r, c)) {
                Reports.race(ts, Sites.WRITE, site, obj, slot, Epoch.tid(r), Sites.READ, x.rSite); // [WRITE EXCLUSIVE]
            }
            x.w = e;
            x.wSite = site;
        }
    }
}
