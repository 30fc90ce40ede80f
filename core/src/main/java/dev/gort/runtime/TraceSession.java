package dev.gort.runtime;

import dev.gort.trace.format.TraceFile;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static dev.gort.trace.format.TraceFile.GOMAXPROCS;
import static dev.gort.trace.format.TraceFile.GO_BLOCK;
import static dev.gort.trace.format.TraceFile.GO_CREATE;
import static dev.gort.trace.format.TraceFile.GO_END;
import static dev.gort.trace.format.TraceFile.GO_OFFP;
import static dev.gort.trace.format.TraceFile.GO_PREEMPT;
import static dev.gort.trace.format.TraceFile.GO_SCHED;
import static dev.gort.trace.format.TraceFile.GO_START;
import static dev.gort.trace.format.TraceFile.GO_STATUS;
import static dev.gort.trace.format.TraceFile.GO_SYSCALL;
import static dev.gort.trace.format.TraceFile.GO_SYSEXIT;
import static dev.gort.trace.format.TraceFile.GO_UNBLOCK;

/*
 * TraceSession: one tracing session (a file trace or the flight recorder's ring): its buffers, its
 * string table, and the encoder that merges the buffers into a trace file. After Go's
 * src/runtime/tracebuf.go (per-P trace buffers) and the writing half of trace.go (traceAdvance,
 * ReadTrace). What the scheduler records, and when, is Trace's business; the bytes are
 * dev.gort.trace.format.TraceFile's, which defines the format once for this writer and for the
 * readers (`gort trace`, users' tools).
 *
 * Buffers and who writes them
 * ---------------------------
 * One buffer per P, plus one for threads that hold no P (main, the JDK's unparker and unblocker
 * threads, sysmon), as Go's trace.go had per-P buffers plus a locked global one. An event is four
 * longs: timestamp (ns since the session started), type | (p+1) << 8 | extra << 32, and the
 * arguments a and b (TraceFile's table says what each holds). Each buffer is guarded by a one-word
 * spin lock (a CAS; the critical section is four array stores, a closer's CAS of the run, and
 * a new chunk every 1024 events). Nearly all writes come from the P's owner, so the CAS is
 * uncontended; the lock exists because three parties may legitimately write to a P's buffer at
 * once: its M, a goroutine that still runs on that M after sysmon retook the P, and a readier
 * closing a run on it (Trace's "Closing a run"). Every event is stamped under its buffer's lock
 * (emit takes the time there; a closer takes the lock, stamps, CASes the run and stores:
 * storeLocked), so each buffer is in time order and an event is in its buffer from the moment it
 * is stamped. The buffer locks are leaves (nothing is taken under one, and no RLock), so they are
 * not in LockRank's table.
 *
 * Writing
 * -------
 * write takes the time once (the cut), then drains the buffers one after another while, for a
 * flight recorder, the program runs on, and keeps only the events stamped before the cut (a tie
 * says nothing about order, so it is dropped). An event stamped before the cut was stored before
 * its buffer was drained (stamped under the lock the drain takes later), so what is kept is
 * exactly what happened up to one moment: a consistent cut.
 * Without it, a goroutine that blocked on P0 after P0 was drained, and was then unblocked and
 * started on P1 before P1 was, would read "started while running". write checks under -ea that
 * each buffer is in time order, and merges them by timestamp.
 *
 * The ring (Go 1.25's FlightRecorder)
 * -----------------------------------
 * A session in ring mode: nothing counts against maxevents; when a buffer starts a new chunk it
 * drops its full chunks that are wholly older than minAge, and its oldest ones past its share of
 * maxBytes (maxBytes / (GOMAXPROCS + 1) per buffer, at least two chunks), remembering the newest
 * timestamp it dropped (Buf.horizon). Writing a ring copies every buffer up to the cut
 * ("Writing") and writes the events after the largest horizon (before it, some buffer is
 * incomplete), preceded by a synthesised prefix, so the window stands alone (window):
 * GOMAXPROCS, and for every goroutine whose first event in the window is not its GO_CREATE, a
 * GO_CREATE (the live G's label, or "created before the flight recorder's window") and a
 * GO_STATUS inferred from that first event (a START: it was runnable; a BLOCK, END, SCHED, OFFP,
 * PREEMPT or SYSCALL on P: it was running there; an UNBLOCK: waiting, reason unknown; a SYSEXIT
 * that resumes: in a syscall). Go's flight recorder instead keeps whole generations, each of
 * which begins with a snapshot of every goroutine; gort infers the snapshot at write time, so
 * recording costs nothing more than tracing.
 *
 * Invariants
 * ----------
 *  - Each buffer holds whole {ts, w, a, b} records; bufs[p + 1] is P p's buffer, bufs[0] the no-P one.
 *  - Each buffer is in time order: every event is stamped under its buffer's lock (-ea checks).
 *  - The written file is in timestamp order, ties to the lower buffer index (no P, P0, P1, ...).
 *
 * Rejected alternatives
 * ---------------------
 *  - Per-M buffers (Go 1.22's tracer): they need no lock, but gort wants per-P buffers, as
 *    the P is the unit the viewer shows; the uncontended CAS costs ~5 ns only while tracing.
 *  - JSON lines as the file format: three to five times larger, and core has no JSON library.
 *  - Locking every buffer at once to snapshot a flight recorder: it would stop every P's tracing
 *    for the whole copy; the cut ("Writing") is as consistent and takes one buffer at a time.
 *  - Streaming to disk while tracing (Go does): a writer thread would be a goroutine or an M the
 *    trace shows; events stay in memory (32 bytes each, at most gort.trace.maxevents, default
 *    4,000,000) and are written once. Events past the cap are counted as dropped.
 *
 * Differences from Go
 * -------------------
 *  - The whole trace is written at the end (stopTrace, JVM exit, a ring's writeTo), not streamed
 *    in generations; a flight recorder's snapshot is inferred (above).
 *  - Timestamps are System.nanoTime(), not CPU ticks; there is no frequency event.
 */
/** One trace or flight recorder: its file, clock origin, buffers and string table. */
final class TraceSession {
    /** This session's number, distinct from every earlier session's (Trace.Run carries it). Immutable. */
    final int gen = GENS.incrementAndGet();
    private static final AtomicInteger GENS = new AtomicInteger();
    final Path file;
    final long startNanos = System.nanoTime();
    final long startEpochMicros;
    private final long maxEvents;
    /** A flight recorder: old chunks are dropped (see "The ring"). */
    final boolean ring;
    private final long ringNanos;
    private final int ringChunks;
    /** Whether gopark and unblock events carry stacks (-Dgort.trace.stacks, default true). */
    final boolean stacks = !"false".equalsIgnoreCase(System.getProperty("gort.trace.stacks"));
    /** Events stored, across buffers; past maxEvents, events are dropped. */
    private final AtomicLong stored = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    /** Index p+1 (0 = no P). Copy-on-write under this session's monitor. */
    private volatile Buf[] bufs = new Buf[0];
    private final ConcurrentHashMap<String, Integer> labels = new ConcurrentHashMap<>();
    private final List<String> labelList = new ArrayList<>();

    TraceSession(Path file, long maxEvents, long ringNanos, long ringBytes) {
        this.file = file;
        this.maxEvents = maxEvents;
        this.ring = ringNanos > 0;
        this.ringNanos = ringNanos;
        // the byte budget, shared out among the buffers of GOMAXPROCS Ps and the no-P buffer
        this.ringChunks = (int) Math.max(2, Math.min(Integer.MAX_VALUE,
                ringBytes / (Buf.CHUNK * 8L) / (Math.max(Proc.gomaxprocs, 1) + 1)));
        java.time.Instant now = java.time.Instant.now();
        this.startEpochMicros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    long now() {
        return System.nanoTime() - startNanos;
    }

    int label(String name) {
        Integer id = labels.get(name);
        if (id != null) {
            return id;
        }
        synchronized (labelList) {
            return labels.computeIfAbsent(name, k -> {
                labelList.add(k);
                return labelList.size() - 1;
            });
        }
    }

    /** Appends an event to p's buffer, stamped now (taken under the buffer's lock). Any thread. */
    void emit(int p, int type, long a, long b, int extra) {
        store(p, type, a, b, extra, null, 0);
    }

    /**
     * emit, returning where the event is stored, so that its extra can be set to ioExtra later
     * (Mark.ioWait) if the park that ended run turns out to be an IO wait; null if the event was
     * dropped.
     */
    Mark emitMarked(int p, int type, long a, long b, int extra, int ioExtra, Trace.Run run) {
        return store(p, type, a, b, extra, run, ioExtra);
    }

    private Mark store(int p, int type, long a, long b, int extra, Trace.Run run, int ioExtra) {
        Buf buf = buf(p);
        buf.lock();
        try {
            return storeLocked(buf, now(), p, type, a, b, extra, ioExtra, run);
        } finally {
            buf.unlock();
        }
    }

    /**
     * Appends an event stamped ts to buf, p's buffer, whose lock the caller holds and took ts
     * under (a closer stamps, then CASes the run, under the lock: Trace's "Closing a run"). Returns
     * where it is stored if run is not null (see emitMarked), else null; null too if it was dropped.
     */
    Mark storeLocked(Buf buf, long ts, int p, int type, long a, long b, int extra, int ioExtra, Trace.Run run) {
        if (!ring && stored.incrementAndGet() > maxEvents) {
            dropped.incrementAndGet();
            return null;
        }
        if (buf.add(ts, type | (long) (p + 1) << 8 | (long) extra << 32, a, b) && ring) {
            buf.prune(ts - ringNanos, ringChunks);
        }
        return run != null ? new Mark(buf, buf.cur, buf.n - 4, ioExtra, run) : null;
    }

    /**
     * Where an event is stored (its chunk and offset in buf), the extra it gets if it turns out
     * to be an IO wait, and the run whose end it stamps, which the poller's unblock must name for
     * that (Trace's "IO wait"). A chunk a ring dropped is no longer written: setting its event then
     * changes nothing.
     */
    record Mark(Buf buf, long[] chunk, int at, int ioExtra, Trace.Run run) {
        /** Sets the event's extra to ioExtra, under its buffer's lock. Any thread. */
        void ioWait() {
            buf.lock();
            try {
                chunk[at + 1] = (chunk[at + 1] & 0xffffffffL) | (long) ioExtra << 32;
            } finally {
                buf.unlock();
            }
        }
    }

    /** p's buffer (p = -1: the no-P buffer), made on first use. Any thread. */
    Buf buf(int p) {
        Buf[] bs = bufs;
        int i = p + 1;
        if (i < bs.length && bs[i] != null) {
            return bs[i];
        }
        synchronized (this) {
            bs = bufs;
            if (i >= bs.length) {
                bs = Arrays.copyOf(bs, Math.max(i + 1, bs.length * 2));
            }
            if (bs[i] == null) {
                bs[i] = new Buf();
            }
            bufs = bs;
            return bs[i];
        }
    }

    /**
     * Merges the buffers by timestamp and writes file: the events stamped before the moment write
     * begins (see "Writing"). For a file trace tracing is off; for a flight recorder it runs on,
     * and only the window every buffer still holds in full is written, after a synthesised prefix
     * (see "The ring"). A flight recorder's caller serialises calls.
     */
    void write(Path file) throws IOException {
        long end = now(); // the cut: every event stamped before now is in its buffer when we drain it
        List<long[]> evs = new ArrayList<>();
        long count = 0;
        long horizon = -1;
        for (Buf b : bufs) {
            if (b != null) {
                long[] e;
                b.lock();
                try {
                    e = b.drain();
                    horizon = Math.max(horizon, b.horizon);
                } finally {
                    b.unlock();
                }
                assert inTimeOrder(e) : "a trace buffer out of time order: an event stamped outside its lock";
                int keep = e.length;
                while (keep > 0 && e[keep - 4] >= end) {
                    keep -= 4; // not stamped before the cut: a buffer drained earlier may lack its cause
                }
                e = keep < e.length ? Arrays.copyOf(e, keep) : e;
                evs.add(e);
                count += e.length / 4;
            }
        }
        long[] all = null; // a flight recorder's window; a file trace is merged as it is written
        if (ring) {
            all = window(merge(evs, count), horizon);
            count = all.length / 4;
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        List<String> ls;
        synchronized (labelList) {
            ls = new ArrayList<>(labelList);
        }
        List<String> reasons = new ArrayList<>();
        for (WaitReason r : WaitReason.values()) {
            reasons.add(r.goName);
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            TraceFile.Writer w = new TraceFile.Writer(out, startEpochMicros, dropped.get(), reasons, ls, count);
            if (all != null) {
                for (int j = 0; j < all.length; j += 4) {
                    event(w, all, j);
                }
                return;
            }
            // k-way merge; ties go to the lower buffer index (no P first, then P0, P1, ...)
            int[] pos = new int[evs.size()];
            for (long k = 0; k < count; k++) {
                int best = -1;
                for (int i = 0; i < pos.length; i++) {
                    long[] e = evs.get(i);
                    if (pos[i] < e.length && (best < 0 || e[pos[i]] < evs.get(best)[pos[best]])) {
                        best = i;
                    }
                }
                event(w, evs.get(best), pos[best]);
                pos[best] += 4;
            }
        }
    }

    /** Writes the event at e[j..j+3], a {ts, type | (p+1) << 8 | extra << 32, a, b} record. */
    private static void event(TraceFile.Writer out, long[] e, int j) throws IOException {
        long w = e[j + 1];
        out.event(e[j], (int) (w & 0xff), (int) ((w >>> 8) & 0xffffff) - 1, e[j + 2], e[j + 3], (int) (w >>> 32));
    }

    /** k-way merge of time-sorted {ts, w, a, b} arrays; ties go to the lower index (no P, P0, P1...). */
    private static long[] merge(List<long[]> evs, long count) {
        long[] out = new long[Math.toIntExact(count * 4)];
        int[] pos = new int[evs.size()];
        for (int k = 0; k < out.length; k += 4) {
            int best = -1;
            for (int i = 0; i < pos.length; i++) {
                long[] e = evs.get(i);
                if (pos[i] < e.length && (best < 0 || e[pos[i]] < evs.get(best)[pos[best]])) {
                    best = i;
                }
            }
            System.arraycopy(evs.get(best), pos[best], out, k, 4);
            pos[best] += 4;
        }
        return out;
    }

    /**
     * The flight recorder's window: the events after horizon (before it, some buffer dropped
     * events), preceded by what the window needs to stand alone: GOMAXPROCS, and a create and a
     * status for every goroutine whose first event in the window is not its creation, inferred
     * from that event (see "The ring").
     */
    private long[] window(long[] all, long horizon) {
        int from = 0;
        while (from < all.length && all[from] <= horizon) {
            from += 4;
        }
        long t0 = from < all.length ? all[from] : now();
        java.util.Map<Long, G> live = new java.util.HashMap<>();
        for (G gp : Proc.allgs) {
            live.put(gp.goid, gp);
        }
        java.util.Set<Long> seen = new java.util.HashSet<>();
        List<long[]> prefix = new ArrayList<>();
        prefix.add(new long[] {t0, GOMAXPROCS, 0, 0, Proc.gomaxprocs});
        int before = label("(created before the flight recorder's window)");
        for (int j = from; j < all.length; j += 4) {
            long w = all[j + 1];
            int type = (int) (w & 0xff);
            int p = (int) ((w >>> 8) & 0xffffff) - 1;
            int extra = (int) (w >>> 32);
            if (!TraceFile.isGoroutineEvent(type) || !seen.add(all[j + 2])) {
                continue;
            }
            long goid = all[j + 2];
            if (type == GO_CREATE) {
                continue;
            }
            G gp = live.get(goid);
            int lab = gp != null ? label(Trace.labelOf(gp, null, false)) : before;
            prefix.add(new long[] {t0, GO_CREATE, goid, 0, lab});
            int st; // GStatus ordinal | (reason + 1) << 8, as snapshot() writes it
            int sp = -1;
            switch (type) {
                case GO_START -> st = GStatus.RUNNABLE.ordinal();
                case GO_UNBLOCK -> st = GStatus.WAITING.ordinal(); // why: before the window
                case GO_SYSEXIT -> st = extra == 1 ? GStatus.SYSCALL.ordinal() : GStatus.RUNNING.ordinal();
                case GO_END, GO_BLOCK, GO_SCHED, GO_OFFP, GO_PREEMPT -> {
                    st = GStatus.RUNNING.ordinal();
                    sp = p;
                }
                case GO_SYSCALL -> { // extra 1: it closed a run on p; 0: a mark, no run open
                    st = extra == 1 ? GStatus.RUNNING.ordinal() : GStatus.RUNNABLE.ordinal();
                    sp = extra == 1 ? p : -1;
                }
                default -> st = GStatus.RUNNABLE.ordinal(); // a steal of a queued G
            }
            prefix.add(new long[] {t0, GO_STATUS, goid, 0, st, sp});
        }
        long[] out = new long[prefix.size() * 4 + all.length - from];
        int k = 0;
        for (long[] e : prefix) {
            int p = e.length > 5 ? (int) e[5] : -1;
            out[k] = e[0];
            out[k + 1] = e[1] | (long) (p + 1) << 8 | e[4] << 32;
            out[k + 2] = e[2];
            out[k + 3] = e[3];
            k += 4;
        }
        System.arraycopy(all, from, out, k, all.length - from);
        return out;
    }

    /** Whether the {ts, w, a, b} records of e are in timestamp order. */
    private static boolean inTimeOrder(long[] e) {
        for (int i = 4; i < e.length; i += 4) {
            if (e[i] < e[i - 4]) {
                return false;
            }
        }
        return true;
    }

    /**
     * One buffer: chunks of 1024 events of 4 longs. Guarded by its spin lock (see "Buffers and who
     * writes them"); the lock word is CASed 0 -> 1 to take and set to 0 to release.
     */
    static final class Buf {
        static final int CHUNK = 1024 * 4;
        private volatile int locked;
        /** The goroutine whose run this P's buffer opened last (P buffers only). Racy hint; see open(). */
        volatile G running;
        private final java.util.ArrayDeque<long[]> full = new java.util.ArrayDeque<>();
        private long[] cur = new long[CHUNK];
        private int n;
        /** The newest timestamp this buffer dropped (a flight recorder's), -1 if none. Under the lock. */
        long horizon = -1;

        void lock() {
            while (!LOCKED.compareAndSet(this, 0, 1)) {
                Thread.onSpinWait();
            }
        }

        void unlock() {
            LOCKED.setRelease(this, 0);
        }

        /** Appends one event; true if it began a new chunk. The lock must be held. */
        boolean add(long ts, long w, long a, long b) {
            boolean fresh = false;
            if (n == CHUNK) {
                full.addLast(cur);
                cur = new long[CHUNK];
                n = 0;
                fresh = true;
            }
            long[] c = cur;
            c[n] = ts;
            c[n + 1] = w;
            c[n + 2] = a;
            c[n + 3] = b;
            n += 4;
            return fresh;
        }

        /**
         * A flight recorder's buffer: drops full chunks wholly older than oldest, and the oldest
         * ones past maxChunks. The lock must be held.
         */
        void prune(long oldest, int maxChunks) {
            while (!full.isEmpty()) {
                long[] c = full.peekFirst();
                long newest = c[CHUNK - 4]; // a buffer is in time order
                if (newest >= oldest && full.size() + 1 <= maxChunks) {
                    return;
                }
                full.pollFirst();
                horizon = Math.max(horizon, newest);
            }
        }

        /** The events as consecutive {ts, w, a, b} records, in insertion order. The lock must be held. */
        long[] drain() {
            long[] out = new long[full.size() * CHUNK + n];
            int k = 0;
            for (long[] c : full) {
                System.arraycopy(c, 0, out, k, CHUNK);
                k += CHUNK;
            }
            System.arraycopy(cur, 0, out, k, n);
            return out;
        }

        private static final VarHandle LOCKED;

        static {
            try {
                LOCKED = MethodHandles.lookup().findVarHandle(Buf.class, "locked", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }
}
