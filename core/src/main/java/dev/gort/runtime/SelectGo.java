package dev.gort.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/*
 * SelectGo: Go's select statement, as src/runtime/select.go (selectgo, sellock, selunlock).
 *
 * Concepts
 * --------
 * One SelectGo is one select statement: a list of cases (channel, direction, value to send), built
 * once and run any number of times by one goroutine at a time. It keeps its sudogs (one per case)
 * and its lock order between runs, so a select in a hot loop allocates nothing of its own.
 *
 * Protocol (selectgo), as Go's
 * ----------------------------
 *  0. pollorder: the non-nil cases in uniformly random order (inside-out Fisher-Yates, Go's
 *     cheaprandn). lockorder: the non-nil cases sorted by channel id, Go's "sort by Hchan
 *     address". Go sorts pollorder, so cases on the same channel keep their random relative
 *     order, and pass 2 enqueues them in it: whichever is queued first on that channel is the
 *     one a waker finds first. gort sorts pollorder stably too when the list has a channel in
 *     more than one case; when every channel is distinct that relative order cannot matter, so
 *     the sorted order is computed once per case list, as ids never change.
 *  1. sellock: lock every channel in lockorder, each channel once. The global order means two
 *     selects never deadlock each other.
 *  2. Pass 1: in pollorder, find a case that can proceed now: a receive with a waiting sender, a
 *     buffered value, or closed; a send on a closed channel (panic), with a waiting receiver, or
 *     with buffer room. Do it, selunlock, return its index. Random pollorder makes the choice
 *     among ready cases uniform.
 *  3. Non-blocking (a default case): selunlock, return -1.
 *  4. Pass 2: enqueue this select's sudog on every channel (sendq or recvq), in lockorder;
 *     selunlock; count this select on the timers of its timer-channel receive cases (Go's
 *     blockTimerChan, after the unlock here: HChan, "Timer channels"); park until param is set;
 *     uncount.
 *  5. A waker (chansend, chanrecv, closechan, another select's pass 1) dequeues one of our sudogs
 *     and, before anything else, CASes selectDone 0 -> 1 (in WaitQ.dequeue). Exactly one waker
 *     wins; losers drop the sudog and look further. The winner fills the sudog and sets param.
 *  6. Woken: sellock again, pass 3: remove our other sudogs from every queue (a loser may already
 *     have removed one: WaitQ.remove tolerates that), reset selectDone, selunlock, return the
 *     case param names. A send case woken with success == false was closed: panic.
 *
 * Invariants
 * ----------
 *  - selectDone is 0 whenever this select is not parked in pass 2..6, and 1 from the winning
 *    wake-up to the end of pass 3.
 *  - While parked, each non-nil case's sudog is in its channel's queue or has been dequeued by a
 *    waker; once pass 3 ends, none is in any queue, so the sudogs can be reused.
 *  - param is written only by the one waker that won selectDone (or read as null).
 *
 * Interrupts
 * ----------
 * An interrupted, parked select CASes selectDone itself. Winning means no waker can claim it: it
 * sellocks, removes every sudog, and throws ChanInterruptedException ("select: interrupted").
 * Losing means a waker has claimed it and sets param under that channel's lock; the select then
 * sellocks (which waits for that waker) and completes normally.
 *
 * Rejected alternatives
 * ---------------------
 *  - First-ready-wins selects (jox, Kotlin): biased; Go picks uniformly among ready cases.
 *  - A global select lock: serialises unrelated selects.
 *
 * Differences from Go
 * -------------------
 *  - Lock order by channel id (a global counter), not by address.
 *  - Sends and receives are not reordered (Go puts sends first in scases); case indices are the
 *    caller's.
 *  - The sudogs and orders are kept per SelectGo and reused, instead of Go's per-call stack
 *    arrays and sudog cache.
 *  - A select whose cases are all nil blocks forever with reason "select", like Go; a select with
 *    no cases at all uses "select (no cases)" (the caller checks, as Go's compiler does).
 *  - Interrupts, see above.
 */
public final class SelectGo implements Blocker {
    // ---------------------------------------------------------------- the case list (owner only)
    private HChan[] cs = new HChan[4];
    private boolean[] isSend = new boolean[4];
    private Object[] elems = new Object[4];
    private Sudog[] sudogs = new Sudog[4];
    private int ncases;
    /**
     * Non-nil case indices: pollorder is reshuffled each run; lockorder is computed from it each
     * run if dups, else cached (valid unless dirty).
     */
    private int[] pollorder = new int[4], lockorder = new int[4];
    private int norder;
    private boolean dirty;
    /** Whether some channel is in more than one case (see protocol step 0). Valid unless dirty. */
    private boolean dups;
    /** Whether some receive case is on a timer's channel (see "Timer channels"). Valid unless dirty. */
    private boolean timers;

    // ---------------------------------------------------------------- the wake-up (shared)
    /** The winning sudog; written by the waker that won selectDone, under its channel's lock. */
    volatile Sudog param;
    /** 0 = not yet woken, 1 = a waker (or the interrupt path) has claimed this select. CAS only, or reset by the owner holding all locks. */
    private volatile int selectDone;

    private static final VarHandle SELECT_DONE;

    static {
        try {
            SELECT_DONE = MethodHandles.lookup().findVarHandle(SelectGo.class, "selectDone", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // ---------------------------------------------------------------- results of the last run (owner only)
    private Object recvValue;
    private boolean recvOK;

    /** True for the waker that claims this select. The caller holds some case channel's lock. */
    boolean casSelectDone() {
        return SELECT_DONE.compareAndSet(this, 0, 1);
    }

    /** Adds a case on c (null: never ready) and returns its index. */
    public int addCase(HChan c, boolean send) {
        int i = ncases;
        if (i == cs.length) {
            int n = i * 2;
            cs = Arrays.copyOf(cs, n);
            isSend = Arrays.copyOf(isSend, n);
            elems = Arrays.copyOf(elems, n);
            sudogs = Arrays.copyOf(sudogs, n);
            pollorder = new int[n];
            lockorder = new int[n];
        }
        cs[i] = c;
        isSend[i] = send;
        ncases = i + 1;
        dirty = true;
        return i;
    }

    /** Sets the value the send case i sends on the next run. */
    public void setElem(int i, Object v) {
        elems[i] = v;
    }

    /** The channel of case i (null: a nil channel). */
    public HChan chan(int i) {
        return cs[i];
    }

    /** The value send case i sends. */
    public Object elem(int i) {
        return elems[i];
    }

    /** Number of cases. */
    public int ncases() {
        return ncases;
    }

    /**
     * The value received by the receive case the last run chose (null if closed). Returns it once:
     * the select lets go of it, so it does not keep the value alive.
     */
    public Object takeRecvValue() {
        Object v = recvValue;
        recvValue = null;
        return v;
    }

    /** Whether the receive case the last run chose got a sent value (Go's recvOK). */
    public boolean recvOK() {
        return recvOK;
    }

    @Override
    public boolean touchedByPlatformThread() {
        for (int i = 0; i < ncases; i++) {
            HChan c = cs[i];
            if (c != null && c.touchedByPlatformThread()) {
                return true;
            }
        }
        return false;
    }

    /** Whether every non-nil case's channel was made in bubble b (a select that blocks durably). */
    boolean allInBubble(Bubble b) {
        for (int i = 0; i < ncases; i++) {
            if (cs[i] != null && cs[i].bubble != b) {
                return false;
            }
        }
        return true;
    }

    /** Counts the non-nil cases, notes duplicates, and caches the lock order of a new case list. */
    private void prepare() {
        int n = 0;
        for (int i = 0; i < ncases; i++) {
            if (cs[i] != null) {
                pollorder[n++] = i;
            }
        }
        norder = n;
        computeLockorder(pollorder);
        boolean d = false;
        for (int k = 1; k < n && !d; k++) {
            d = cs[lockorder[k]] == cs[lockorder[k - 1]];
        }
        dups = d;
        boolean t = false;
        for (int k = 0; k < n && !t; k++) {
            t = !isSend[pollorder[k]] && cs[pollorder[k]].timer != null;
        }
        timers = t;
        dirty = false;
    }

    /**
     * Go's blockTimerChan (block) or unblockTimerChan (!block) for every receive case on a
     * timer's channel, once per case (HChan's "Timer channels").
     */
    private void blockTimers(boolean block) {
        for (int k = 0; k < norder; k++) {
            int casi = lockorder[k];
            Timer t = isSend[casi] ? null : cs[casi].timer;
            if (t != null) {
                if (block) {
                    t.blockChan();
                } else {
                    t.unblockChan();
                }
            }
        }
    }

    /**
     * Go's "sort the cases by Hchan address to get the locking order": lockorder = the norder case
     * indices of from, stably sorted by channel id (insertion sort; n is small).
     */
    private void computeLockorder(int[] from) {
        int[] lo = lockorder;
        for (int k = 0; k < norder; k++) {
            int i = from[k];
            long id = cs[i].id;
            int j = k;
            while (j > 0 && cs[lo[j - 1]].id > id) {
                lo[j] = lo[j - 1];
                j--;
            }
            lo[j] = i;
        }
    }

    private void sellock() {
        HChan last = null;
        for (int k = 0; k < norder; k++) {
            HChan c = cs[lockorder[k]];
            if (c != last) {
                last = c;
                c.lock.lock();
            }
        }
    }

    private void selunlock() {
        // Go's order: reverse, skipping duplicates so each channel is unlocked once (after its last
        // duplicate), since a waker may run and free things the moment the last lock is released.
        for (int k = norder - 1; k >= 0; k--) {
            HChan c = cs[lockorder[k]];
            if (k > 0 && c == cs[lockorder[k - 1]]) {
                continue;
            }
            c.lock.unlock();
        }
    }

    /**
     * Go's selectgo: runs the select once and returns the chosen case's index, or -1 when block is
     * false and no case is ready. After a receive case, see {@link #takeRecvValue} and {@link #recvOK()}.
     * A select with no non-nil case and block true parks forever with reason "select".
     *
     * @throws RuntimeException dev.gort.chan.ChanPanic "send on closed channel" if the chosen send case's channel is closed
     * @throws RuntimeException dev.gort.chan.ChanInterruptedException if interrupted while parked (no case happened)
     */
    public int selectgo(boolean block) {
        if (dirty) {
            prepare();
        }
        int n = norder;
        if (n == 0) {
            if (!block) {
                return -1;
            }
            HChan.blockForever(WaitReason.SELECT);
        }
        HChan[] cs = this.cs;
        // Generate the permuted order (Go's pollorder), over non-nil cases only.
        int[] po = pollorder;
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        Bubble bub = Bubble.chooser(); // a synctest bubble makes this choice from its PRNG
        for (int i = 0, k = 0; i < ncases; i++) {
            if (cs[i] == null) {
                continue;
            }
            if (cs[i].bubble != null) cs[i].bubble.checkChan("select"); // Go's "select on ...", whatever the case
            if (!isSend[i] && cs[i].timer != null) {
                cs[i].timer.maybeRunChan(); // Go 1.23: a due timer's value is there (HChan, "Timer channels")
            }
            int j = bub == null ? rnd.nextInt(k + 1) : bub.selectIndex(k + 1);
            po[k] = po[j];
            po[j] = i;
            k++;
        }
        if (dups) {
            computeLockorder(po); // the same channel's cases in random order (see step 0)
        }
        boolean platform = Proc.outsideGoroutines();
        if (platform) {
            for (int k = 0; k < n; k++) {
                cs[po[k]].touch();
            }
        }

        int chosen = -1;
        Thread woken = null;
        Thread self = Thread.currentThread();
        int[] lo = lockorder;
        sellock();
        try {
            // Pass 1: look for something already waiting.
            pass1:
            for (int k = 0; k < n; k++) {
                int casi = po[k];
                HChan c = cs[casi];
                if (!isSend[casi]) {
                    Sudog sg = c.sendq.dequeue();
                    if (sg != null) { // recv: a sender is waiting
                        woken = sg.thread;
                        recvValue = c.recv(sg);
                        recvOK = true;
                        chosen = casi;
                        break pass1;
                    }
                    if (c.qcount() > 0) { // bufrecv
                        recvValue = c.takeBuf();
                        recvOK = true;
                        chosen = casi;
                        break pass1;
                    }
                    if (c.isClosed()) { // rclose
                        if (Race.ENABLED) {
                            Race.acquire(c);
                        }
                        recvValue = null;
                        recvOK = false;
                        chosen = casi;
                        break pass1;
                    }
                } else {
                    if (c.isClosed()) { // sclose
                        throw ChanErrors.panic(ChanErrors.SEND_ON_CLOSED);
                    }
                    Sudog sg = c.recvq.dequeue();
                    if (sg != null) { // send: a receiver is waiting
                        woken = sg.thread;
                        c.send(sg, elems[casi]);
                        chosen = casi;
                        break pass1;
                    }
                    if (c.qcount() < c.dataqsiz) { // bufsend
                        c.putBuf(elems[casi]);
                        chosen = casi;
                        break pass1;
                    }
                }
            }
            if (chosen < 0 && block) {
                // Pass 2: enqueue on all channels, in lock order.
                for (int k = 0; k < n; k++) {
                    int casi = lo[k];
                    HChan c = cs[casi];
                    Sudog sg = sudogs[casi];
                    if (sg == null) {
                        sg = sudogs[casi] = new Sudog(this, casi);
                    }
                    sg.thread = self;
                    sg.c = c;
                    sg.success = false;
                    if (Race.ENABLED) {
                        Race.release(sg);
                    }
                    if (isSend[casi]) {
                        sg.elem = elems[casi];
                        c.sendq.enqueue(sg);
                    } else {
                        sg.elem = null;
                        c.recvq.enqueue(sg);
                    }
                }
            }
        } finally {
            selunlock();
        }
        if (chosen >= 0) {
            if (woken != null) {
                Proc.goready(woken);
            }
            return chosen;
        }
        if (!block) {
            return -1;
        }

        // Wait for someone to wake us up.
        G gp = Proc.currentG();
        if (gp == null && !platform) {
            for (int k = 0; k < n; k++) {
                cs[lo[k]].markTouched();
            }
        }
        Sudog won;
        boolean timed = timers;
        if (timed) {
            blockTimers(true); // their timers go into heaps while we wait (HChan's "Timer channels")
        }
        try {
            while (param == null) {
                Proc.gopark(gp, WaitReason.SELECT, this);
                if (param == null && Thread.currentThread().isInterrupted()) {
                    if (casSelectDone()) { // nobody can claim us now: withdraw
                        sellock();
                        try {
                            dequeueAll(null);
                            selectDone = 0;
                        } finally {
                            selunlock();
                        }
                        throw ChanErrors.interrupted(WaitReason.SELECT.goName);
                    }
                    break; // a waker claimed us: it publishes param under a lock sellock waits for
                }
            }
        } finally {
            if (timed) {
                blockTimers(false); // before sellock: a timer's lock ranks before the channels'
            }
        }
        sellock();
        // Pass 3: dequeue from unsuccessful channels.
        int casi;
        boolean ok;
        Object v;
        try {
            won = param;
            selectDone = 0;
            param = null;
            casi = won.casi;
            ok = won.success;
            v = won.elem;
            dequeueAll(won);
        } finally {
            selunlock();
        }
        if (Race.ENABLED) {
            Race.acquire(ok ? won : cs[casi]);
        }
        if (isSend[casi]) {
            if (!ok) {
                throw ChanErrors.panic(ChanErrors.SEND_ON_CLOSED);
            }
            return casi;
        }
        recvValue = ok ? v : null;
        recvOK = ok;
        return casi;
    }

    /** Pass 3: removes every sudog but won from its queue and clears them all. All case locks held. */
    private void dequeueAll(Sudog won) {
        for (int k = 0; k < norder; k++) {
            int casi = lockorder[k];
            Sudog sg = sudogs[casi];
            if (sg != won) {
                HChan c = cs[casi];
                if (isSend[casi]) {
                    c.sendq.remove(sg);
                } else {
                    c.recvq.remove(sg);
                }
            }
            sg.elem = null;
            sg.c = null;
            sg.thread = null;
        }
    }
}
