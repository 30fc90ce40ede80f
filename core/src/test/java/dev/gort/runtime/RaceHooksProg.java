package dev.gort.runtime;

import dev.gort.chan.Chan;
import dev.gort.chan.Select;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A test program run in a child JVM with -Dgort.race=true (see RaceHooksTest): installs a tiny
 * vector-clock detector on the Race hooks and checks that channels give Go's memory model:
 * <ul>
 *   <li>the k-th send happens before the k-th receive completes;</li>
 *   <li>the k-th receive happens before the (k+C)-th send completes (C = capacity; for C = 0, the
 *       receive happens before its own send completes);</li>
 *   <li>a close happens before a receive that returns because the channel is closed;</li>
 *   <li>a receive that waited for a hand-off counts as one of the k (handOffCountsAsABufferedSend);</li>
 *   <li>on a buffered channel, no more: a waiter's wait does not happen before the operation of
 *       the goroutine that woke it completes (bufferedWaiterGivesTheWakerNothing).</li>
 * </ul>
 * Prints "OK" or the first violation.
 */
public final class RaceHooksProg {
    private static final int THREADS = 3;

    /** Vector clocks: per thread (index 0..2) and per sync address. Guarded by the class lock. */
    static final class Clocks implements Race.Detector {
        final ThreadLocal<Integer> index = new ThreadLocal<>();
        final long[][] threadVc = new long[THREADS][THREADS];
        final Map<Object, long[]> syncVc = new IdentityHashMap<>();

        long[] vc() {
            return threadVc[index.get()];
        }

        @Override
        public synchronized void acquire(Object addr) {
            long[] s = syncVc.get(addr);
            if (s != null && index.get() != null) {
                long[] t = vc();
                for (int i = 0; i < THREADS; i++) {
                    t[i] = Math.max(t[i], s[i]);
                }
            }
        }

        @Override
        public synchronized void release(Object addr) {
            if (index.get() != null) {
                syncVc.put(addr, vc().clone());
            }
        }

        @Override
        public synchronized void releaseMerge(Object addr) {
            if (index.get() != null) {
                long[] s = syncVc.computeIfAbsent(addr, a -> new long[THREADS]);
                long[] t = vc();
                for (int i = 0; i < THREADS; i++) {
                    s[i] = Math.max(s[i], t[i]);
                }
            }
        }

        @Override
        public void goStart(Thread child) {}

        @Override
        public synchronized void releaseMergeFrom(Object from, Object to) {
            long[] f = syncVc.get(from);
            if (f != null) {
                long[] t = syncVc.computeIfAbsent(to, a -> new long[THREADS]);
                for (int i = 0; i < THREADS; i++) {
                    t[i] = Math.max(t[i], f[i]);
                }
            }
        }

        /** Snapshot of the calling thread's clock as one event, then a tick. */
        synchronized long[] event() {
            long[] t = vc();
            long[] snap = t.clone();
            t[index.get()]++;
            return snap;
        }
    }

    static final Clocks clocks = new Clocks();

    /** e happened before f: f's clock has seen e's own component. */
    static boolean hb(long[] e, int eThread, long[] f) {
        return e[eThread] <= f[eThread];
    }

    static String check(int cap, int n, boolean useSelect) throws InterruptedException {
        for (long[] vc : clocks.threadVc) {
            java.util.Arrays.fill(vc, 1);
        }
        Chan<Integer> c = Chan.make(cap);
        long[][] send = new long[n][], recv = new long[n][];
        long[][] closeEv = new long[1][], closedRecv = new long[1][];
        Thread s = Thread.ofPlatform().start(() -> {
            clocks.index.set(0);
            for (int k = 0; k < n; k++) {
                int v = k;
                if (useSelect) {
                    new Select().send(c, v, () -> {}).send(null, v, () -> {}).run();
                } else {
                    c.send(v);
                }
                send[k] = clocks.event();
            }
        });
        Thread r = Thread.ofPlatform().start(() -> {
            clocks.index.set(1);
            for (int k = 0; k < n; k++) {
                int got = useSelect ? selectRecv(c) : c.recv();
                if (got != k) {
                    throw new AssertionError("got " + got + " want " + k);
                }
                recv[k] = clocks.event();
            }
            c.recvOk(); // returns because closed
            closedRecv[0] = clocks.event();
        });
        s.join();
        Thread closer = Thread.ofPlatform().start(() -> {
            clocks.index.set(2);
            closeEv[0] = clocks.event(); // an event before close, on the closer's clock
            c.close();
        });
        closer.join();
        r.join();
        for (int k = 0; k < n; k++) {
            if (!hb(send[k], 0, recv[k])) {
                return "cap " + cap + ": send " + k + " does not happen before receive " + k;
            }
            int j = k + cap;
            if (j < n && !hb(recv[k], 1, send[j])) {
                return "cap " + cap + ": receive " + k + " does not happen before send " + j + " completes";
            }
        }
        if (!hb(closeEv[0], 2, closedRecv[0])) {
            return "cap " + cap + ": close does not happen before the receive that saw it";
        }
        return null;
    }

    /**
     * A receive that waited and got its value by hand-off counts as one of the buffer's: on a
     * channel of capacity 2, receive 0 (a hand-off from sender A) happens before send 2 completes
     * though another sender, B, makes it (Go's send moves recvx and sendx under the detector).
     * A's send 1 and B's send 2 fill the ring; B acquires nothing from A but through its slot.
     */
    static String handOffCountsAsABufferedSend() throws InterruptedException {
        for (long[] vc : clocks.threadVc) {
            java.util.Arrays.fill(vc, 1);
        }
        HChan c = new HChan(2);
        long[][] recv0 = new long[1][], send2 = new long[1][];
        Thread r = Thread.ofPlatform().start(() -> {
            clocks.index.set(1);
            clocks.event(); // the receiver's own component moves past every other clock's view of it
            c.chanrecv(true);
            recv0[0] = clocks.event();
        });
        for (boolean queued = false; !queued; Thread.sleep(1)) {
            c.lock.lock();
            try {
                queued = !c.recvq.isEmpty();
            } finally {
                c.lock.unlock();
            }
        }
        Thread a = Thread.ofPlatform().start(() -> {
            clocks.index.set(0);
            c.chansend(0, true); // the hand-off to r
            c.chansend(1, true); // buffered
        });
        a.join();
        r.join();
        Thread b = Thread.ofPlatform().start(() -> {
            clocks.index.set(2);
            c.chansend(2, true); // buffered: the ring is full
            send2[0] = clocks.event();
        });
        b.join();
        if (!hb(recv0[0], 1, send2[0])) {
            return "cap 2: receive 0, a hand-off, does not happen before send 2 completes";
        }
        return null;
    }

    /**
     * On a buffered channel a waiter's park gives the waker nothing: a receiver that waited for a
     * hand-off does not happen before the send that woke it completes, and a sender that waited
     * for room does not happen before the receive that made it. Only the slot orders them, as the
     * k-th receive and the (k+C)-th send (Go's send and recv act for the waiter on the slot, with
     * raceacquireg/racereleaseg; gort's waker once acquired the waiter's park clock from the
     * sudog, which hid Go's TestRaceChanAsyncRev).
     */
    static String bufferedWaiterGivesTheWakerNothing() throws InterruptedException {
        for (long[] vc : clocks.threadVc) {
            java.util.Arrays.fill(vc, 1);
        }
        HChan c = new HChan(1);
        long[][] before = new long[1][], after = new long[1][];
        Thread r = Thread.ofPlatform().start(() -> {
            clocks.index.set(1);
            clocks.event(); // the receiver's own component moves past every other clock's view of it
            before[0] = clocks.event();
            c.chanrecv(true); // waits for the hand-off
        });
        awaitQueued(c, true);
        Thread s = Thread.ofPlatform().start(() -> {
            clocks.index.set(0);
            c.chansend(0, true); // the hand-off to r
            after[0] = clocks.event();
        });
        s.join();
        r.join();
        if (hb(before[0], 1, after[0])) {
            return "cap 1: a receiver's wait happens before the send that handed it a value completes";
        }
        for (long[] vc : clocks.threadVc) {
            java.util.Arrays.fill(vc, 1);
        }
        HChan d = new HChan(1);
        Thread s2 = Thread.ofPlatform().start(() -> {
            clocks.index.set(0);
            d.chansend(0, true); // fills the buffer
            clocks.event();
            before[0] = clocks.event();
            d.chansend(1, true); // waits for room
        });
        awaitQueued(d, false);
        Thread r2 = Thread.ofPlatform().start(() -> {
            clocks.index.set(1);
            d.chanrecv(true); // value 0, and moves value 1 into the slot it freed
            after[0] = clocks.event();
        });
        r2.join();
        s2.join();
        if (hb(before[0], 0, after[0])) {
            return "cap 1: a sender's wait happens before the receive that made room for it";
        }
        return null;
    }

    private static void awaitQueued(HChan c, boolean receiver) throws InterruptedException {
        for (boolean queued = false; !queued; Thread.sleep(1)) {
            c.lock.lock();
            try {
                queued = !(receiver ? c.recvq : c.sendq).isEmpty();
            } finally {
                c.lock.unlock();
            }
        }
    }

    static int selectRecv(Chan<Integer> c) {
        int[] got = new int[1];
        new Select().recv(c, v -> got[0] = v).recv(null, v -> {}).run();
        return got[0];
    }

    public static void main(String[] args) throws Exception {
        if (!Race.ENABLED) {
            System.out.println("race detector not enabled: run with -Dgort.race=true");
            return;
        }
        Race.install(clocks);
        for (boolean sel : new boolean[] {false, true}) {
            for (int cap : new int[] {0, 1, 2, 10}) {
                String err = check(cap, 2_000, sel);
                if (err != null) {
                    System.out.println((sel ? "select: " : "") + err);
                    return;
                }
            }
        }
        for (String err : new String[] {handOffCountsAsABufferedSend(), bufferedWaiterGivesTheWakerNothing()}) {
            if (err != null) {
                System.out.println(err);
                return;
            }
        }
        System.out.println("OK");
    }
}
