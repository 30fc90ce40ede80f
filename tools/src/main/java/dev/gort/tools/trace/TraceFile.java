package dev.gort.tools.trace;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A gort trace file, decoded: the format written by {@code dev.gort.runtime.Trace} (its essay
 * documents the bytes). Events are held in parallel arrays, in timestamp order.
 *
 * @param startEpochMicros wall-clock time the trace started (Unix epoch microseconds)
 * @param dropped          events the runtime dropped past its limit
 * @param reasons          wait-reason names, by ordinal
 * @param labels           the string table: goroutine labels, stacks, waker names, annotation names, by id
 * @param ts               event timestamps, ns since the trace started
 * @param type             event types (the constants below)
 * @param p                the P each event happened on, -1 for none
 * @param a                first argument: the goroutine
 * @param b                second argument: parent or unblocker goroutine (an unblock by no goroutine:
 *                         -(id + 1) of the waker's name), a block's stack id + 1, or a task
 * @param extra            third argument: label, reason, status, M, victim P or GOMAXPROCS
 */
public record TraceFile(long startEpochMicros, long dropped, List<String> reasons, List<String> labels,
                        long[] ts, int[] type, int[] p, long[] a, long[] b, int[] extra) {

    public static final int GOMAXPROCS = 1, PROC_START = 2, PROC_STOP = 3, GO_CREATE = 4, GO_START = 5,
            GO_END = 6, GO_BLOCK = 7, GO_SCHED = 8, GO_UNBLOCK = 9, GO_PREEMPT = 10, GO_SYSCALL = 11,
            GO_SYSEXIT = 12, STEAL = 13, GO_STATUS = 14, GO_OFFP = 15, USER_TASK = 16, USER_TASK_END = 17,
            USER_REGION = 18, USER_REGION_END = 19, USER_LOG = 20;

    static final String[] TYPE_NAMES = {"?", "GOMAXPROCS", "PROC_START", "PROC_STOP", "GO_CREATE",
            "GO_START", "GO_END", "GO_BLOCK", "GO_SCHED", "GO_UNBLOCK", "GO_PREEMPT", "GO_SYSCALL",
            "GO_SYSEXIT", "STEAL", "GO_STATUS", "GO_OFFP", "USER_TASK", "USER_TASK_END", "USER_REGION",
            "USER_REGION_END", "USER_LOG"};

    private static final String MAGIC = "GORTTRACE1";

    /** The number of events. */
    public int size() {
        return ts.length;
    }

    /** Reads and decodes a trace file; IOException naming what is wrong if it is not one. */
    public static TraceFile read(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return read(in, file.toString());
        }
    }

    static TraceFile read(InputStream in, String name) throws IOException {
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
        return "#" + i + " " + TYPE_NAMES[type[i]] + " t=" + ts[i] + " p=" + p[i] + " g=" + a[i]
                + " b=" + b[i] + " x=" + extra[i];
    }
}
