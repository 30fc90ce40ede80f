package dev.gort.trace.format;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/*
 * TraceFile: gort's execution-trace file format, defined once: the event numbers, the argument
 * layout, the bytes, and both directions (TraceFile.Writer, which the runtime's TraceSession writes
 * with; read, which `gort trace` and users read with). It mirrors Go's internal/trace/tracev2 (the
 * event definitions that Go's runtime writer and its reader share) together with the public reader
 * golang.org/x/exp/trace.
 *
 * Why a package of its own
 * ------------------------
 * The writer is the runtime (dev.gort.runtime.TraceSession) and the reader is the tools module
 * (dev.gort.tools.trace, the viewer and Chrome export), which sees only what core exports. The
 * format cannot live in dev.gort.runtime (internal, not exported) nor in dev.gort.trace (the
 * annotation API, which imports the runtime: the runtime importing it would be an import loop).
 * So it is a leaf package that imports nothing of gort's, exported, below the runtime in the house
 * picture (docs/design.md), as Go's runtime imports internal/trace/tracev2. Being exported, it is
 * also a public reader for users' own tools, as Go's x/exp/trace is. Rejected: keeping two copies
 * of the constants in step by a test (what gort had: the writer's in Trace, the reader's in
 * tools), and a reader in the runtime reached through an access class (tools would then depend on
 * runtime internals).
 *
 * Compatibility: the magic carries the version; a change to the layout or to an event's meaning
 * bumps it, and read rejects what it does not know.
 */
/**
 * A gort execution trace (written by {@code -Dgort.trace=FILE}, {@code Go.startTrace} or a
 * {@code dev.gort.trace.FlightRecorder}), decoded; and the definition of its format.
 * Events are held in parallel arrays, in timestamp order; {@code gort trace FILE} shows them.
 *
 * <h2>Events</h2>
 * <pre>
 *   type             p     a          b                              extra
 *   GOMAXPROCS       P|-1  0          0                              the new GOMAXPROCS
 *   PROC_START       P     0          0                              the M's id
 *   PROC_STOP        P     0          0                              0
 *   GO_CREATE        P|-1  goroutine  parent goroutine (0: none)     label id
 *   GO_START         P     goroutine  0                              0
 *   GO_END           P|-1  goroutine  0                              0
 *   GO_BLOCK         P|-1  goroutine  stack id + 1 (0: none)         wait reason
 *   GO_SCHED         P|-1  goroutine  0                              0
 *   GO_UNBLOCK       P|-1  goroutine  unblocker goroutine, or        stack id + 1 (0: none)
 *                                     -(waker name id + 1), or 0
 *   GO_PREEMPT       P|-1  goroutine  0                              0
 *   GO_SYSCALL       P|-1  goroutine  0                              1: ends a run on P, 0: a mark
 *   GO_SYSEXIT       P|-1  goroutine  0                              1: resumes it on P, 0: runnable
 *   STEAL            P     goroutine  0                              the victim P
 *   GO_STATUS        P|-1  goroutine  0                              status | (reason + 1) &lt;&lt; 8
 *   GO_OFFP          P     goroutine  0                              0 (its P was retaken; it runs on)
 *   USER_TASK        P|-1  task       parent task (0: none)          name id
 *   USER_TASK_END    P|-1  task       0                              0
 *   USER_REGION      P|-1  goroutine  task                           name id
 *   USER_REGION_END  P|-1  goroutine  task                           name id
 *   USER_LOG         P|-1  goroutine  task                           id of "category\0message"
 * </pre>
 * p is the P the event happened on, -1 for a thread that holds none. Ids index {@link #labels()},
 * the string table (goroutine labels, stacks, waker names, annotation names); a wait reason
 * indexes {@link #reasons()}; a status is the ordinal of Go's goroutine status in gort's order
 * (idle, runnable, running, syscall, waiting, dead).
 *
 * <h2>Bytes (version 1)</h2>
 * <pre>
 *   magic    the 10 bytes "GORTTRACE1"
 *   header   uvarint wall-clock start (Unix epoch microseconds), uvarint dropped events,
 *            uvarint n, then n wait-reason names (by ordinal),
 *            uvarint n, then n strings (the string table, by id)
 *   events   uvarint count, then per event, in timestamp order:
 *            byte type, uvarint ts delta from the previous event, uvarint p+1,
 *            uvarint a, uvarint b, uvarint extra
 * </pre>
 * A string is a uvarint byte length and UTF-8 bytes. A uvarint is LEB128, 7 bits a byte, low
 * first; a negative b is written as its 64-bit two's complement.
 *
 * @param startEpochMicros wall-clock time the trace started (Unix epoch microseconds)
 * @param dropped          events the runtime dropped past its limit
 * @param reasons          wait-reason names, by ordinal
 * @param labels           the string table, by id
 * @param ts               event timestamps, ns since the trace started
 * @param type             event types (the constants of this class)
 * @param p                the P each event happened on, -1 for none
 * @param a                first argument (see the table)
 * @param b                second argument
 * @param extra            third argument
 */
public record TraceFile(long startEpochMicros, long dropped, List<String> reasons, List<String> labels,
                        long[] ts, int[] type, int[] p, long[] a, long[] b, int[] extra) {

    /** Event types: the numbers are the file's. */
    public static final int GOMAXPROCS = 1, PROC_START = 2, PROC_STOP = 3, GO_CREATE = 4, GO_START = 5,
            GO_END = 6, GO_BLOCK = 7, GO_SCHED = 8, GO_UNBLOCK = 9, GO_PREEMPT = 10, GO_SYSCALL = 11,
            GO_SYSEXIT = 12, STEAL = 13, GO_STATUS = 14, GO_OFFP = 15, USER_TASK = 16, USER_TASK_END = 17,
            USER_REGION = 18, USER_REGION_END = 19, USER_LOG = 20;

    private static final String[] TYPE_NAMES = {"?", "GOMAXPROCS", "PROC_START", "PROC_STOP", "GO_CREATE",
            "GO_START", "GO_END", "GO_BLOCK", "GO_SCHED", "GO_UNBLOCK", "GO_PREEMPT", "GO_SYSCALL",
            "GO_SYSEXIT", "STEAL", "GO_STATUS", "GO_OFFP", "USER_TASK", "USER_TASK_END", "USER_REGION",
            "USER_REGION_END", "USER_LOG"};

    /** The file's first bytes: the format's name and version. */
    public static final String MAGIC = "GORTTRACE1";

    /**
     * A decoded trace. The arrays are taken as they are (not copied) and must have one length.
     * @throws NullPointerException if any argument is null
     * @throws IllegalArgumentException if the arrays' lengths differ
     */
    public TraceFile {
        Objects.requireNonNull(reasons, "TraceFile: reasons is null");
        Objects.requireNonNull(labels, "TraceFile: labels is null");
        int n = Objects.requireNonNull(ts, "TraceFile: ts is null").length;
        if (Objects.requireNonNull(type, "TraceFile: type is null").length != n
                || Objects.requireNonNull(p, "TraceFile: p is null").length != n
                || Objects.requireNonNull(a, "TraceFile: a is null").length != n
                || Objects.requireNonNull(b, "TraceFile: b is null").length != n
                || Objects.requireNonNull(extra, "TraceFile: extra is null").length != n) {
            throw new IllegalArgumentException("TraceFile: the event arrays must have one length (ts has " + n + ")");
        }
    }

    /** The number of events. */
    public int size() {
        return ts.length;
    }

    /** The name of event type t ("GO_BLOCK"), or "?" for a number the format does not define. */
    public static String typeName(int t) {
        return t > 0 && t < TYPE_NAMES.length ? TYPE_NAMES[t] : "?";
    }

    /**
     * Whether t is one of the scheduler's goroutine events, GO_CREATE through GO_OFFP (STEAL
     * included), whose a is a goroutine id. (A user region or log names its goroutine in a too, or
     * 0 when a thread that is not a goroutine made it.)
     */
    public static boolean isGoroutineEvent(int t) {
        return t >= GO_CREATE && t <= GO_OFFP;
    }

    /**
     * Reads and decodes a trace file.
     * @throws IOException naming the file and what is wrong, if it cannot be read or is not a gort trace
     */
    public static TraceFile read(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return read(in, file.toString());
        }
    }

    /**
     * Decodes a trace from in (not closed); name is what error messages call it.
     * @throws IOException naming it and what is wrong, if it is not a gort trace or is truncated
     */
    public static TraceFile read(InputStream in, String name) throws IOException {
        byte[] magic = in.readNBytes(MAGIC.length());
        if (!MAGIC.equals(new String(magic, StandardCharsets.ISO_8859_1))) {
            throw new IOException(name + " is not a gort trace (it does not start with " + MAGIC
                    + "; traces come from -Dgort.trace=FILE or Go.startTrace)");
        }
        long start = uvarint(in);
        long dropped = uvarint(in);
        List<String> reasons = strings(in);
        List<String> labels = strings(in);
        long n = uvarint(in);
        if (n > Integer.MAX_VALUE) {
            throw new IOException(name + ": event count " + n + " is too large");
        }
        int count = (int) n;
        long[] ts = new long[count], a = new long[count], b = new long[count];
        int[] type = new int[count], p = new int[count], extra = new int[count];
        long t = 0;
        for (int i = 0; i < count; i++) {
            int ty = in.read();
            if (ty < 0) {
                throw new EOFException(name + ": truncated after " + i + " of " + count + " events");
            }
            if (ty == 0 || ty >= TYPE_NAMES.length) {
                throw new IOException(name + ": event " + i + " has unknown type " + ty);
            }
            type[i] = ty;
            t += uvarint(in);
            ts[i] = t;
            p[i] = (int) uvarint(in) - 1;
            a[i] = uvarint(in);
            b[i] = uvarint(in);
            extra[i] = (int) uvarint(in);
        }
        return new TraceFile(start, dropped, reasons, labels, ts, type, p, a, b, extra);
    }

    private static List<String> strings(InputStream in) throws IOException {
        long n = uvarint(in);
        List<String> out = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            int len = (int) uvarint(in);
            byte[] bs = in.readNBytes(len);
            if (bs.length != len) {
                throw new EOFException("trace truncated inside a string");
            }
            out.add(new String(bs, StandardCharsets.UTF_8));
        }
        return out;
    }

    private static long uvarint(InputStream in) throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("trace truncated inside a number");
            }
            v |= (long) (c & 0x7f) << shift;
            if ((c & 0x80) == 0) {
                return v;
            }
        }
        throw new IOException("malformed number in trace");
    }

    /** One event as text, for error messages and tests. */
    public String describe(int i) {
        return "#" + i + " " + typeName(type[i]) + " t=" + ts[i] + " p=" + p[i] + " g=" + a[i]
                + " b=" + b[i] + " x=" + extra[i];
    }

    /**
     * Encodes a trace: the header at construction, then exactly the announced number of events, in
     * timestamp order. Not thread-safe; does not close out.
     */
    public static final class Writer {
        private final OutputStream out;
        private final long count;
        private long written;
        private long last;

        /**
         * Writes the magic and the header, announcing count events.
         * @throws NullPointerException if out, reasons or labels is null
         * @throws IllegalArgumentException if count is negative
         */
        public Writer(OutputStream out, long startEpochMicros, long dropped, List<String> reasons,
                      List<String> labels, long count) throws IOException {
            this.out = Objects.requireNonNull(out, "TraceFile.Writer: out is null");
            Objects.requireNonNull(reasons, "TraceFile.Writer: reasons is null");
            Objects.requireNonNull(labels, "TraceFile.Writer: labels is null");
            if (count < 0) {
                throw new IllegalArgumentException("TraceFile.Writer: negative event count " + count);
            }
            this.count = count;
            out.write(MAGIC.getBytes(StandardCharsets.US_ASCII));
            uvarint(startEpochMicros);
            uvarint(dropped);
            uvarint(reasons.size());
            for (String r : reasons) {
                string(r);
            }
            uvarint(labels.size());
            for (String l : labels) {
                string(l);
            }
            uvarint(count);
        }

        /**
         * Writes one event at ts (ns since the trace started; not before the previous event's).
         * @throws IllegalArgumentException if type is not an event type, p is below -1, or ts goes back
         * @throws IllegalStateException if the announced number of events was written already
         */
        public void event(long ts, int type, int p, long a, long b, int extra) throws IOException {
            if (type <= 0 || type >= TYPE_NAMES.length || p < -1 || ts < last) {
                throw new IllegalArgumentException("TraceFile.Writer: bad event: type " + type + ", p " + p
                        + ", ts " + ts + " (previous " + last + ")");
            }
            if (written == count) {
                throw new IllegalStateException("TraceFile.Writer: " + count + " events announced, all written");
            }
            out.write(type);
            uvarint(ts - last);
            uvarint(p + 1L);
            uvarint(a);
            uvarint(b);
            uvarint(extra & 0xffffffffL);
            last = ts;
            written++;
        }

        private void string(String s) throws IOException {
            byte[] bs = s.getBytes(StandardCharsets.UTF_8);
            uvarint(bs.length);
            out.write(bs);
        }

        private void uvarint(long v) throws IOException {
            while ((v & ~0x7fL) != 0) {
                out.write((int) (v & 0x7f) | 0x80);
                v >>>= 7;
            }
            out.write((int) v);
        }
    }
}
