package dev.gort.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/*
 * HChan: a channel, as Go's src/runtime/chan.go (type hchan; makechan, chansend, chanrecv,
 * closechan). The public face is dev.gort.chan.Chan; select is SelectGo.
 *
 * Concepts
 * --------
 * A channel is one lock, a ring buffer of dataqsiz slots (none for an unbuffered channel), and two
 * FIFO wait queues of sudogs: recvq (blocked receivers) and sendq (blocked senders), plus a closed
 * flag. Everything but the immutable fields is guarded by the lock.
 *
 * Invariants (Go's, verbatim in substance)
 * ----------------------------------------
 *  - At least one of sendq and recvq is empty, except for an unbuffered channel with a single
 *    goroutine blocked on it in a select for both sending and receiving: then the lengths of
 *    sendq and recvq are bounded only by the number of selects.
 *  - Buffered channels: qcount > 0 implies recvq is empty; qcount < dataqsiz implies sendq is empty.
 *  - Once closed, a channel stays closed and sendq stays empty (close wakes every sender, and no
 *    sender enqueues on a closed channel).
 *
 * Protocol (chansend; chanrecv is its mirror)
 * -------------------------------------------
 *  1. Fast path, no lock: a non-blocking send on an open, full channel fails at once (Go's
 *     "!block && c.closed == 0 && full(c)"), reading qcount, closed and recvq.first racily, each
 *     with acquire (Go's atomic loads): a non-blocking receive that reads closed then sees every
 *     value buffered before the close, and the closer's writes (see "Memory model").
 *  2. Under the lock: closed -> panic "send on closed channel".
 *  3. A receiver is waiting: hand the value to it directly (send), publish, unlock, and ready it
 *     (Proc.goready, which puts a goroutine in the readier's runnext).
 *  4. Room in the buffer: store at sendx, unlock.
 *  5. Non-blocking: unlock, fail.
 *  6. Block: enqueue a sudog on sendq, unlock, park until a receiver or close publishes to the
 *     sudog (see Sudog's hand-over protocol). Park can return spuriously: loop on the sudog.
 *     Woken by close (success == false) -> panic "send on closed channel".
 * For a buffered channel whose buffer is full with senders waiting, a receiver takes the head
 * slot and moves the first waiting sender's value into the slot it freed (recv), so FIFO order
 * across buffer and queue holds.
 *
 * Memory model and the race detector (Go's racenotify/racesync)
 * -------------------------------------------------------------
 * The lock gives Java's happens-before for the data. The one exit without the lock, a
 * non-blocking receive that finds the channel empty and closed, gets it from closed itself:
 * closechan stores it with release under the lock, the fast path loads it with acquire, so "a
 * close happens before a receive that returns because the channel is closed" holds there too, and
 * the second emptiness check after it cannot miss a value sent before the close (an opaque load
 * allowed both; x86 hid it). For the race detector the hooks in Race are
 * called where chan.go calls raceacquire/racerelease/racereleaseacquire, with these addresses:
 *  - a buffered send or receive through slot i: releaseacquire on raceSlots[i] (one Object per
 *    slot, allocated only when the detector is on). The k-th receive and the (k+C)-th send meet
 *    on the same slot, which gives "the k-th receive happens before the (k+C)-th send completes".
 *  - a direct hand-off between a waker and a parked waiter: the sudog. The waiter releases its
 *    clock to it before enqueuing and acquires from it after waking; the waker releases to it.
 *    Go instead has the waker act for the waiter (raceacquireg/racereleaseg), which gort's
 *    detector cannot do (an acquire joins the calling thread's clock), hence the sudog.
 *    Unbuffered (Go's racesync): the waker also acquires the sudog first, so the edges go both
 *    ways (a send happens before its receive completes, and the receive before the send does).
 *    Buffered: the waker releaseacquires the slot as Go pretends the value went through the
 *    buffer, then merges the waiter's park clock into that slot (Race.releaseMergeFrom, Go's
 *    racereleaseg), and does not acquire the sudog: the waiter's wait happens before the
 *    (k+C)-th operation on the slot, not before the waker's own. It once did acquire it, an edge
 *    Go's memory model does not have, which hid races: a receiver's write before a receive that
 *    waited was ordered before its sender's write after the send (Go's TestRaceChanAsyncRev,
 *    missed in most runs; RaceHooksProg's bufferedWaiterGivesTheWakerNothing).
 *    A hand-off to a
 *    waiting receiver on a buffered channel (the ring is empty) also moves recvx and sendx on by
 *    one slot, as Go's send does under the detector: it counts as the k-th send and receive, so
 *    the (k+C)-th send still meets its slot. Without the move a later send used the slot after it,
 *    and a receive that had waited for a hand-off did not happen before the (k+C)-th send when
 *    another goroutine made it (a false report; RaceHooksProg's hand-off check).
 *  - close: release on the channel object (raceaddr); a receive that sees the close, and a waiter
 *    woken by it, acquire from it: "close happens before a receive that returns because closed".
 *
 * Blocker
 * -------
 * touchedByPlatformThread is set (opaque, once) when a thread that is not a goroutine creates the
 * channel or operates on it, len and cap included: a thread that polls len before it receives (a
 * test's wait-until) holds the channel, and a goroutine blocked sending the next value waits for
 * that receive (before, such a goroutine was reported as Go's deadlock). A platform thread's mark
 * comes first, before the operation's effect, and the write is ordered before that effect by the
 * lock's release (or the sudog's publish) that makes it visible. The write is opaque (setOpaque,
 * the detector reads with getOpaque) so that it becomes visible even where no release follows it
 * (len, cap, a failed non-blocking operation): plain, the memory model would let the detector
 * never see it. On x86 and ARM an opaque access is a plain one; it costs nothing. The test is
 * Proc.outsideGoroutines (a thread that is not virtual, or whose carrier is not an M: a virtual
 * thread of the JDK's own scheduler is outside too), made only while the channel is unmarked. It
 * was Thread.isVirtual alone, so a JDK virtual thread was noticed only where it parked (the parking
 * paths' Proc.currentG() == null): one that sent into a goroutine's buffer and would send again was
 * invisible, and the goroutine waiting for it was reported as Go's deadlock
 * (ChanPlatformUseTest's JDK virtual thread test).
 * A timer's channel is marked only by a platform thread that makes, stops or resets its timer
 * (and so may reset it later: Linkname.timerUsedByPlatformThread): only the timer sends on it, and
 * checkdead counts a pending timer itself, so the timer's own send from an M or the sleeper must
 * not mark it. It did: once such a timer had fired, a goroutine receiving from its channel again
 * was never reported as deadlocked, and its run hung.
 *
 * Synctest bubbles
 * ----------------
 * A channel made by a member of a bubble records it (bubble, immutable); send, receive, close and
 * select on it from anywhere else panic with Go's "send on", "receive on", "close of" or "select
 * on synctest channel from outside bubble" (a select's message names the select, whatever its
 * case, as Go's selectgo; a one-case select is that plain operation). A
 * member parked on it is durably blocked (see Bubble). Outside bubbles this costs one null check.
 *
 * Timer channels (Go 1.23)
 * -----------------------
 * A channel made by dev.gort.time for a Timer or Ticker names its timer (c.timer). Before a
 * receive, or a select's poll of a receive case, on such a channel, the receiver fires the timer
 * itself if it is due (Timer.maybeRunChan), holding no channel lock: so a receive after the
 * deadline, blocking or not, always finds the value, though no M has run the timer's heap yet (its
 * P busy with a goroutine that does not yield, sysmon's 1 ms grace not over). Go's chanrecv and
 * selectgo call maybeRunChan the same way.
 * The timer is in a heap only while a receiver waits: a receive or select about to park counts
 * itself on the timer (Timer.blockChan, which puts a pending timer into a heap) after its sudog is
 * queued and the channel lock released, and uncounts itself when the wait ends (unblockChan, which
 * takes the timer out once nobody waits), as Go's blockTimerChan and unblockTimerChan. A timer
 * firing between the unlock and blockChan finds the sudog queued and hands it the value. Go calls
 * blockTimerChan holding the channel lock; gort's order puts the timer's lock first (Proc's lock
 * table), so the count comes after the unlock.
 *
 * Interrupts
 * ----------
 * A parked waiter woken with its interrupt status set takes the lock; if its sudog was not yet
 * published it is still queued, so it removes it and throws ChanInterruptedException (nothing was
 * exchanged). If it was published, the exchange happened and the operation completes. The
 * interrupt status is left set either way. See ChanInterruptedException.
 *
 * The panics and ChanInterruptedException are the API's types (dev.gort.chan), raised through
 * ChanErrors so that the runtime does not import the API package.
 *
 * Rejected alternatives
 * ---------------------
 *  - Lock-free channels (jox, Kotlin's BufferedChannel: segments of cells and counters). Faster
 *    under heavy contention, but their select is not Go's (biased to the first ready case, no
 *    enqueue-on-all), and Go's semantics are the point of gort. One lock per channel mirrors Go.
 *  - synchronized as the lock: JEP 491 would let a goroutine park on a contended monitor and be
 *    readied from the JDK's VirtualThread-unblocker thread, which is not an M; and a goroutine
 *    unmounted while holding a runtime lock is exactly what Proc's "Inside the runtime" forbids.
 *    RLock, pinned, keeps the holder on its M. (Uncontended, both cost one CAS to lock and one
 *    release store to unlock, plus the pin, 2-3 ns.)
 *  - Spinning before parking: on 1 P a spinner only delays the partner it waits for; Go does not
 *    spin on channels either.
 *
 * Differences from Go
 * -------------------
 *  - Elements are references; the ring is an Object[]; zero value is null.
 *  - Lock order among channels (select) uses a per-channel id from a global counter, not the
 *    address, which moves in a JVM.
 *  - A goroutine keeps one sudog for its plain operations, where Go caches them per P (see Sudog).
 *  - Interrupts (Go has none): see above.
 *  - The lock is an RLock (rank HCHAN, see LockRank), a ReentrantLock whose holder is pinned to
 *    its M (Proc's "Inside the runtime"): a goroutine contending for it blocks its M, as Go's
 *    futex lock does, and is never descheduled while it holds it.
 *  - No blocking profile (releasetime/blockevent); the execution tracer's hooks are in Proc.
 *  - Race hooks: a woken waiter acquires for itself after waking (Go's waker does raceacquireg
 *    for it), and direct hand-offs sync through the sudog; see "Memory model". Go's
 *    racereadpc/racewritepc on the channel (a race between close and send, say) are not called:
 *    the Race.Detector interface has no access hooks.
 */
public final class HChan implements Blocker {
    /** chanrecv's result when the channel is closed and drained (Go's zero value with ok == false). */
    public static final Object CLOSED = new Object() {
        @Override
        public String toString() {
            return "HChan.CLOSED";
        }
    };
    /** chanrecv's result when a non-blocking receive would block (Go's selected == false). */
    public static final Object EMPTY = new Object() {
        @Override
        public String toString() {
            return "HChan.EMPTY";
        }
    };
    /** Park forever, waking for nothing: the blocker of a nil-channel operation or an empty select. */
    static final Blocker FOREVER = () -> false;

    private static final AtomicLong idgen = new AtomicLong();

    // ---------------------------------------------------------------- immutable
    /** Lock-order key for select, the stand-in for Go's channel address. */
    final long id;
    /** Capacity (Go's dataqsiz). */
    final int dataqsiz;
    /** The ring; null when unbuffered. Slots guarded by lock. */
    private final Object[] buf;
    /** Race-detector address of each slot, only when Race.ENABLED (see the essay). */
    private final Object[] raceSlots;
    final ReentrantLock lock = new RLock(LockRank.HCHAN);
    final WaitQ recvq = new WaitQ();
    final WaitQ sendq = new WaitQ();

    // ---------------------------------------------------------------- guarded by lock
    /** Elements in the ring. Written under lock with release, read racily by len() and the fast paths. */
    private int qcount;
    /** Next slot to send into / receive from. Guarded by lock (send moves both, under the race detector only). */
    private int sendx, recvx;
    /** Set once, under lock, with release; read racily by the fast paths. */
    private boolean closed;

    /**
     * See "Blocker" in the essay. Set once, opaque (TOUCHED), by any thread; read (opaque) by the
     * deadlock detector. Written here only (markTouched, touch), Linkname.timerUsedByPlatformThread
     * for a timer's channel included.
     */
    private boolean touched;
    /**
     * Go's c.timer: the timer whose channel this is, or null. Set once by dev.gort.time before the
     * channel is shared (Linkname.timerChan), then only read: a receive or a select's poll fires it
     * if it is due (Timer.maybeRunChan; see "Timer channels").
     */
    Timer timer;
    /** The synctest bubble it was made in, or null: only its members may use it (see Bubble). Immutable. */
    final Bubble bubble;

    private static final VarHandle QCOUNT, CLOSEDF, TOUCHED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            QCOUNT = l.findVarHandle(HChan.class, "qcount", int.class);
            CLOSEDF = l.findVarHandle(HChan.class, "closed", boolean.class);
            TOUCHED = l.findVarHandle(HChan.class, "touched", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Go's makechan.
     *
     * @throws IllegalArgumentException if size is negative (Go's "makechan: size out of range")
     */
    public HChan(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("makechan: size out of range: " + size + " (capacity must be >= 0)");
        }
        id = idgen.incrementAndGet();
        dataqsiz = size;
        buf = size > 0 ? new Object[size] : null;
        if (Race.ENABLED && size > 0) {
            raceSlots = new Object[size];
            for (int i = 0; i < size; i++) {
                raceSlots[i] = new Object();
            }
        } else {
            raceSlots = null;
        }
        bubble = Bubble.currentIfAny();
        touch();
    }

    @Override
    public boolean touchedByPlatformThread() {
        return (boolean) TOUCHED.getOpaque(this);
    }

    /** Marks the channel if the caller is a platform thread (cheap test; see "Blocker"). */
    void touch() {
        if (!touched && timer == null && Proc.outsideGoroutines()) {
            TOUCHED.setOpaque(this, true);
        }
    }

    /** Marks the channel as used by a thread outside the goroutines (see "Blocker"). */
    void markTouched() {
        if (timer == null) {
            TOUCHED.setOpaque(this, true);
        }
    }

    /** Marks a timer's channel: its timer was made, stopped or reset outside the goroutines. */
    void markTimerTouched() {
        TOUCHED.setOpaque(this, true);
    }

    /**
     * Go's len(c). Any thread; racy by nature, as Go's. A timer's channel reports 0, as Go 1.23's
     * chanlen does: it presents timer channels as unbuffered, whatever its slot holds.
     */
    public int len() {
        touch(); // a use: a thread that polls len may receive next (see "Blocker")
        return timer != null ? 0 : (int) QCOUNT.getOpaque(this);
    }

    /** Go's cap(c): 0 for a timer's channel, as Go 1.23's chancap. */
    public int cap() {
        touch(); // a use, as len
        return timer != null ? 0 : dataqsiz;
    }

    /**
     * closed, read without the lock, with acquire: a non-blocking receive that sees the close then
     * sees everything before it (the values buffered before it, and the closer's writes: "close
     * happens before a receive that returns because closed"). Go's chanrecv loads it atomically.
     */
    boolean closedRacy() {
        return (boolean) CLOSEDF.getAcquire(this);
    }

    /** Whether closed. c.lock must be held. */
    boolean isClosed() {
        assert lock.isHeldByCurrentThread();
        return closed;
    }

    /** Elements buffered. c.lock must be held. */
    int qcount() {
        assert lock.isHeldByCurrentThread();
        return qcount;
    }

    private void setQcount(int n) {
        QCOUNT.setRelease(this, n);
    }

    /**
     * Go's full(c): a send would block. Racy unless c.lock is held. Its loads are acquires, so that
     * the fast paths' closed check after it is not reordered before it (Go's atomic loads).
     */
    private boolean full() {
        if (dataqsiz == 0) {
            return recvq.isEmptyRacy();
        }
        return (int) QCOUNT.getAcquire(this) == dataqsiz;
    }

    /** Go's empty(c): a receive would block. Racy unless c.lock is held; acquire, as full. */
    private boolean empty() {
        if (dataqsiz == 0) {
            return sendq.isEmptyRacy();
        }
        return (int) QCOUNT.getAcquire(this) == 0;
    }

    /** Go's racereleaseacquire: acquire what addr holds, then release this thread's clock to it. */
    private static void raceReleaseAcquire(Object addr) {
        Race.acquire(addr);
        Race.release(addr);
    }

    // ================================================================== send

    /**
     * Go's chansend: sends v; with block false, returns false instead of blocking.
     *
     * @throws RuntimeException dev.gort.chan.ChanPanic "send on closed channel"
     * @throws RuntimeException dev.gort.chan.ChanInterruptedException if interrupted while blocked (nothing was sent)
     */
    public boolean chansend(Object v, boolean block) {
        if (bubble != null) bubble.checkChan("send");
        touch();
        if (!block && !closedRacy() && full()) {
            return false;
        }
        G gp;
        Sudog mysg;
        Thread woken;
        ReentrantLock l = lock;
        l.lock();
        try {
            if (closed) {
                throw ChanErrors.panic(ChanErrors.SEND_ON_CLOSED);
            }
            Sudog sg = recvq.dequeue();
            if (sg != null) {
                woken = sg.thread;
                send(sg, v);
                mysg = null;
                gp = null;
            } else if (qcount < dataqsiz) {
                putBuf(v);
                return true;
            } else if (!block) {
                return false;
            } else {
                // Block on the channel; some receiver completes the operation for us.
                woken = null;
                gp = Proc.currentG();
                mysg = Sudog.acquire(gp);
                mysg.thread = Thread.currentThread();
                mysg.elem = v;
                mysg.c = this;
                if (Race.ENABLED) {
                    Race.release(mysg);
                }
                sendq.enqueue(mysg);
            }
        } finally {
            l.unlock();
        }
        if (woken != null) {
            Proc.goready(woken);
            return true;
        }
        park(gp, mysg, sendq, WaitReason.CHAN_SEND);
        boolean ok = mysg.success;
        if (Race.ENABLED) {
            Race.acquire(ok ? mysg : this);
        }
        Sudog.release(gp, mysg);
        if (!ok) {
            throw ChanErrors.panic(ChanErrors.SEND_ON_CLOSED);
        }
        return true;
    }

    /**
     * Go's send: hands v to the waiting receiver sg (dequeued from recvq) and publishes sg. Read
     * sg.thread before calling: once published, sg belongs to its owner again. c.lock must be held.
     * On a buffered channel the ring is then empty (a receiver waits only then), so sendx == recvx.
     */
    void send(Sudog sg, Object v) {
        assert lock.isHeldByCurrentThread();
        if (Race.ENABLED) {
            if (dataqsiz > 0) {
                // As if through the buffer, and counted as one of its sends: the slot moves on, as
                // Go's send moves recvx and sendx (only under the race detector), so that the
                // (k+C)-th send meets this receive's slot. The receiver's part on the slot is done
                // for it (Go's racereleaseg); its wait gives the sender nothing. See "Memory model".
                int i = recvx;
                raceReleaseAcquire(raceSlots[i]);
                Race.releaseMergeFrom(sg, raceSlots[i]);
                recvx = ++i == dataqsiz ? 0 : i;
                sendx = recvx;
            } else {
                Race.acquire(sg); // unbuffered: both ways (Go's racesync)
            }
            Race.release(sg);
        }
        sg.elem = v;
        sg.publish(true);
    }

    // ================================================================== receive

    /**
     * Go's chanrecv: receives a value. Returns the value (possibly null), {@link #CLOSED} if the
     * channel is closed and drained, or (block false only) {@link #EMPTY} if it would block.
     *
     * @throws RuntimeException dev.gort.chan.ChanInterruptedException if interrupted while blocked (nothing was received)
     */
    public Object chanrecv(boolean block) {
        if (bubble != null) bubble.checkChan("receive");
        touch();
        if (timer != null) {
            timer.maybeRunChan();
        }
        if (!block && empty()) {
            // Go's ordering: the closed check comes after the emptiness check; re-check emptiness
            // after seeing closed, since a value may have arrived between the two loads.
            if (!closedRacy()) {
                return EMPTY;
            }
            if (empty()) {
                if (Race.ENABLED) {
                    Race.acquire(this);
                }
                return CLOSED;
            }
        }
        G gp;
        Sudog mysg;
        Thread woken;
        Object v;
        ReentrantLock l = lock;
        l.lock();
        try {
            Sudog sg;
            if (closed) {
                if (qcount == 0) {
                    if (Race.ENABLED) {
                        Race.acquire(this);
                    }
                    return CLOSED;
                }
                sg = null; // closed, but the buffer still has data: receive it below
            } else {
                sg = sendq.dequeue();
            }
            if (sg != null) {
                woken = sg.thread;
                v = recv(sg);
                mysg = null;
                gp = null;
            } else if (qcount > 0) {
                return takeBuf();
            } else if (!block) {
                return EMPTY;
            } else {
                woken = null;
                v = null;
                gp = Proc.currentG();
                mysg = Sudog.acquire(gp);
                mysg.thread = Thread.currentThread();
                mysg.c = this;
                if (Race.ENABLED) {
                    Race.release(mysg);
                }
                recvq.enqueue(mysg);
            }
        } finally {
            l.unlock();
        }
        if (woken != null) {
            Proc.goready(woken);
            return v;
        }
        Timer t = timer;
        if (t == null) {
            park(gp, mysg, recvq, WaitReason.CHAN_RECEIVE);
        } else {
            t.blockChan(); // the timer goes into a heap while we wait (see "Timer channels")
            try {
                park(gp, mysg, recvq, WaitReason.CHAN_RECEIVE);
            } finally {
                t.unblockChan();
            }
        }
        boolean ok = mysg.success;
        if (Race.ENABLED) {
            Race.acquire(ok ? mysg : this);
        }
        v = ok ? mysg.elem : CLOSED;
        Sudog.release(gp, mysg);
        return v;
    }

    /** Takes the head of the ring. c.lock must be held and qcount > 0. */
    Object takeBuf() {
        assert lock.isHeldByCurrentThread() && qcount > 0 : "takeBuf: lock not held or empty";
        int i = recvx;
        if (Race.ENABLED) {
            raceReleaseAcquire(raceSlots[i]);
        }
        Object[] b = buf;
        Object v = b[i];
        b[i] = null;
        recvx = ++i == dataqsiz ? 0 : i;
        setQcount(qcount - 1);
        return v;
    }

    /** Puts v at the tail of the ring. c.lock must be held and qcount < dataqsiz. */
    void putBuf(Object v) {
        assert lock.isHeldByCurrentThread() && qcount < dataqsiz : "putBuf: lock not held or full";
        int i = sendx;
        if (Race.ENABLED) {
            raceReleaseAcquire(raceSlots[i]);
        }
        buf[i] = v;
        sendx = ++i == dataqsiz ? 0 : i;
        setQcount(qcount + 1);
    }

    /**
     * Go's recv, for a sender sg dequeued from sendq: returns the value received and publishes sg.
     * Unbuffered: sg's own value. Buffered (the ring is then full): the ring's head, and sg's value
     * goes to the tail, which is the same slot. Read sg.thread before calling: once published, sg
     * belongs to its owner again. c.lock must be held.
     */
    Object recv(Sudog sg) {
        assert lock.isHeldByCurrentThread();
        if (Race.ENABLED && dataqsiz == 0) {
            Race.acquire(sg); // unbuffered: both ways (Go's racesync)
        }
        Object v = sg.elem;
        if (dataqsiz > 0) {
            int i = recvx;
            if (Race.ENABLED) {
                raceReleaseAcquire(raceSlots[i]);
                Race.releaseMergeFrom(sg, raceSlots[i]); // the sender's part, done for it (Go's racereleaseg)
            }
            Object head = buf[i];
            buf[i] = v;
            recvx = ++i == dataqsiz ? 0 : i;
            sendx = recvx;
            v = head;
        }
        if (Race.ENABLED) {
            Race.release(sg);
        }
        sg.elem = null;
        sg.publish(true);
        return v;
    }

    // ================================================================== close

    /**
     * Go's closechan: closes the channel, wakes every receiver with (null, false) and every blocked
     * sender with a "send on closed channel" panic.
     *
     * @throws RuntimeException dev.gort.chan.ChanPanic "close of closed channel"
     */
    public void closechan() {
        if (bubble != null) bubble.checkChan("close");
        touch();
        ArrayList<Thread> glist = null;
        ReentrantLock l = lock;
        l.lock();
        try {
            if (closed) {
                throw ChanErrors.panic(ChanErrors.CLOSE_OF_CLOSED);
            }
            if (Race.ENABLED) {
                Race.release(this);
            }
            CLOSEDF.setRelease(this, true);
            Sudog sg;
            while ((sg = recvq.dequeue()) != null) { // release all readers
                sg.elem = null;
                (glist = glist != null ? glist : new ArrayList<>()).add(sg.thread);
                sg.publish(false);
            }
            while ((sg = sendq.dequeue()) != null) { // release all writers (they will panic)
                sg.elem = null;
                (glist = glist != null ? glist : new ArrayList<>()).add(sg.thread);
                sg.publish(false);
            }
        } finally {
            l.unlock();
        }
        if (glist != null) { // ready them all now that the lock is dropped
            for (Thread t : glist) {
                Proc.goready(t);
            }
        }
    }

    // ================================================================== parking

    /**
     * Parks until mysg is published; on interrupt, withdraws mysg from q and throws if it is still
     * queued (see "Interrupts"). gp is the caller (Proc.currentG()). Called without c.lock, after
     * enqueueing mysg on q.
     */
    private void park(G gp, Sudog mysg, WaitQ q, WaitReason reason) {
        if (gp == null) {
            markTouched();
        }
        while (!mysg.done) {
            Proc.gopark(gp, reason, this);
            if (!mysg.done && Thread.currentThread().isInterrupted()) {
                boolean withdrawn;
                lock.lock();
                try {
                    withdrawn = !mysg.done;
                    if (withdrawn) {
                        q.remove(mysg);
                    }
                } finally {
                    lock.unlock();
                }
                if (withdrawn) {
                    throw ChanErrors.interrupted(reason.goName);
                }
            }
        }
    }

    /**
     * Blocks the caller forever: a send or receive on a nil channel, or a select with no cases.
     * Returns only by throwing ChanInterruptedException when interrupted.
     */
    static void blockForever(WaitReason reason) {
        G gp = Proc.currentG();
        for (;;) {
            Proc.gopark(gp, reason, FOREVER);
            if (Thread.currentThread().isInterrupted()) {
                throw ChanErrors.interrupted(reason.goName);
            }
        }
    }

    @Override
    public String toString() {
        return "chan#" + id + "(cap " + dataqsiz + ")";
    }
}
