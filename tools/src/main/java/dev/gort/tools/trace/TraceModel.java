package dev.gort.tools.trace;

import dev.gort.trace.format.TraceFile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.gort.trace.format.TraceFile.*;

/*
 * TraceModel: what a trace says happened, rebuilt by replaying its events through a goroutine
 * state machine (Go's internal/trace parser plus cmd/trace's goroutine analysis, gort-sized).
 *
 * Replay
 * ------
 * Events arrive in timestamp order. Each goroutine is in one state:
 *   RUNNABLE since t (from a create, an unblock or a GO_SCHED), RUNNING on P since t,
 *   WAITING for a reason since t, DEAD; a goroutine the trace has not introduced is unknown.
 * A start turns RUNNABLE into RUNNING and opens a slice on its P; an end/block/sched closes it. The
 * time in each state is summed per goroutine (blocked time per wait reason), and every
 * runnable-to-running interval is one scheduler-latency sample.
 *
 * Flows. The event that made a goroutine runnable (its create, on the creator's P, or the unblock,
 * on the unblocker's P) is remembered; the goroutine's next start gets an arrow from it. A GO_SCHED
 * (yield) has no arrow. An unblock by a readier that held no P (fromP -1: a timer run by sysmon or
 * by an M with no idle P, netpoll, the JDK's unparker, a thread outside the runtime) still makes a
 * flow, as it names the waker; the viewer draws it from the time axis, the Chrome export omits it.
 * A create without a P (Go.run's main, made by the caller's thread) makes none: it names nothing.
 *
 * Consistency. Anything the runtime's invariants forbid is recorded in problems() rather than
 * thrown, so a viewer still shows a damaged trace; the tests require problems() to be empty:
 *   - a start while the goroutine is not runnable (blocked and never unblocked, or already running);
 *   - a start on a P that is already running a goroutine;
 *   - an end/block/sched of a goroutine that is not running on that P (P -1: a goroutine that
 *     runs on without a P after GO_OFFP, whose time until then counts as "running without a P").
 * Runs still open when the trace ends are closed at its last timestamp (end kind TRACE_END).
 *
 * Differences from Go's cmd/trace: no GC, network or sync-blocking profiles, no user regions; the
 * latency histogram is the only profile.
 */
public final class TraceModel {
    /** How a slice ended. Values >= BLOCK are BLOCK + wait reason ordinal. */
    public static final int END = 0, SCHED = 1, PREEMPTED = 2, TRACE_END = 3, SYSCALL = 4, OFFP = 5, BLOCK = 10;

    /** Pseudo wait reasons for the time after a SYSCALL or OFFP end. */
    static final int R_SYSCALL = -1, R_OFFP = -2, R_UNKNOWN = -3;

    /**
     * One run of a goroutine on a P: [start, end) in ns since the trace started; endStack is the
     * string id of the stack where it blocked (-1 if none was recorded).
     */
    public record Slice(int p, long goid, long start, long end, int endKind, int flowIn, int endStack) {}

    /**
     * An arrow from the event that readied a goroutine to its next start. fromGoid 0: no goroutine
     * readied it; waker then names what did (timer, sysmon, netpoll, a thread), or is null if the
     * trace does not say. stack: the string id of the readier's stack, -1 if none.
     */
    public record Flow(long fromTs, int fromP, long fromGoid, long toTs, int toP, long toGoid, boolean create,
                       String waker, int stack) {}

    /** A user region (Go's trace.StartRegion) on one goroutine: [start, end), in task (0: none). */
    public record Region(long goid, long task, String name, long start, long end) {}

    /** A user task (Go's trace.NewTask): [start, end), end -1 if it had not ended. */
    public record Task(long id, long parent, String name, long start, long end) {}

    /** A user log message (Go's trace.Log). */
    public record Log(long ts, long goid, long task, String category, String message) {}

    /** A point event drawn on a P's lane: steal, preempt, syscall, syscall exit, GOMAXPROCS. */
    public record Instant(long ts, int p, String kind, long goid, String detail) {}

    /** Per-goroutine totals, ns. */
    public static final class Goroutine {
        public final long goid;
        public long parent;
        public String label = "?";
        public long created = -1;
        public long ended = -1;
        public long run;
        public long runnable;
        public int runs;
        public final Map<String, Long> blocked = new TreeMap<>();

        Goroutine(long goid) {
            this.goid = goid;
        }
    }

    private static final int UNKNOWN = 0, S_RUNNABLE = 1, S_RUNNING = 2, S_WAITING = 3, S_DEAD = 4;

    private final TraceFile file;
    private final Map<Integer, List<Slice>> lanes = new TreeMap<>();
    private final List<Flow> flows = new ArrayList<>();
    private final List<Instant> instants = new ArrayList<>();
    private final Map<Long, Goroutine> goroutines = new LinkedHashMap<>();
    private final List<Long> latencies = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private final List<Region> regions = new ArrayList<>();
    private final Map<Long, Task> tasks = new LinkedHashMap<>();
    private final List<Log> logs = new ArrayList<>();
    private final Map<Long, List<long[]>> openRegions = new HashMap<>(); // goid -> {start, task, name id}
    private long endTs;

    // replay state
    private final Map<Long, int[]> state = new HashMap<>();       // goid -> {state, p, reason}
    private final Map<Long, Long> since = new HashMap<>();        // goid -> ts of the state's start
    private final Map<Long, long[]> readiedBy = new HashMap<>();  // goid -> {ts, p, goid, create?1:0}
    private final Map<Integer, Long> running = new HashMap<>();   // p -> goid
    private final Map<Long, Boolean> preempted = new HashMap<>();

    private TraceModel(TraceFile file) {
        this.file = file;
    }

    /** Replays a decoded trace. */
    public static TraceModel of(TraceFile f) {
        TraceModel m = new TraceModel(f);
        m.replay();
        return m;
    }

    public TraceFile file() {
        return file;
    }

    /** Slices per P, each list in start order; P -1 is not a lane and never appears. */
    public Map<Integer, List<Slice>> lanes() {
        return lanes;
    }

    public List<Flow> flows() {
        return flows;
    }

    public List<Instant> instants() {
        return instants;
    }

    public Map<Long, Goroutine> goroutines() {
        return goroutines;
    }

    /** Runnable-to-running intervals, ns, in the order the starts happened. */
    public List<Long> latencies() {
        return latencies;
    }

    /** User regions, in end order. */
    public List<Region> regions() {
        return regions;
    }

    /** User tasks, in start order. */
    public Map<Long, Task> tasks() {
        return tasks;
    }

    /** User log messages, in time order. */
    public List<Log> logs() {
        return logs;
    }

    /** The string with id i from the file's table, or null. */
    public String string(int i) {
        return i >= 0 && i < file.labels().size() ? file.labels().get(i) : null;
    }

    /** Violations of the runtime's invariants; empty for a well-formed trace. */
    public List<String> problems() {
        return problems;
    }

    /** The last timestamp. */
    public long endTs() {
        return endTs;
    }

    /** The name of a slice's end kind ("end", "block: chan receive", ...). */
    public String endKindName(int k) {
        return switch (k) {
            case END -> "end";
            case SCHED -> "yield (gosched)";
            case PREEMPTED -> "preempted";
            case TRACE_END -> "running at trace end";
            case SYSCALL -> "syscall";
            case OFFP -> "P retaken (runs on without a P)";
            default -> "block: " + reason(k - BLOCK);
        };
    }

    private String reason(int r) {
        if (r == R_SYSCALL) {
            return "syscall";
        }
        if (r == R_OFFP) {
            return "running without a P";
        }
        if (r == R_UNKNOWN) {
            return "blocked (since before the trace)";
        }
        return r >= 0 && r < file.reasons().size() ? file.reasons().get(r) : "reason " + r;
    }

    private Goroutine g(long goid) {
        return goroutines.computeIfAbsent(goid, Goroutine::new);
    }

    private void replay() {
        TraceFile f = file;
        int n = f.size();
        for (int i = 0; i < n; i++) {
            long t = f.ts()[i];
            int p = f.p()[i];
            long goid = f.a()[i];
            int x = f.extra()[i];
            endTs = Math.max(endTs, t);
            if (p >= 0) {
                lanes.computeIfAbsent(p, k -> new ArrayList<>());
            }
            switch (f.type()[i]) {
                case GOMAXPROCS -> instants.add(new Instant(t, p, "gomaxprocs", 0, "GOMAXPROCS=" + x));
                case PROC_START, PROC_STOP -> { } // lanes come from the P ids; slices show the P's use
                case GO_CREATE -> {
                    Goroutine gr = g(goid);
                    gr.parent = f.b()[i];
                    gr.label = x >= 0 && x < f.labels().size() ? f.labels().get(x) : "?";
                    gr.created = t;
                    set(goid, S_RUNNABLE, p, 0, t);
                    readiedBy.put(goid, new long[] {t, p, f.b()[i], 1, -1});
                }
                case GO_STATUS -> status(i, goid, t, p, x);
                case GO_START -> start(i, goid, t, p);
                case GO_END -> {
                    if (p >= 0) {
                        stop(i, goid, t, p, END);
                    } else {
                        g(goid).ended = t; // ended off a P (its P was retaken): no run to close
                        set(goid, S_DEAD, -1, 0, t);
                    }
                }
                case GO_OFFP -> stop(i, goid, t, p, OFFP);
                case GO_SCHED -> stop(i, goid, t, p, Boolean.TRUE.equals(preempted.remove(goid)) ? PREEMPTED : SCHED);
                case GO_BLOCK -> stop(i, goid, t, p, BLOCK + x);
                case GO_UNBLOCK -> unblock(i, goid, t, p);
                case GO_PREEMPT -> {
                    preempted.put(goid, true);
                    instants.add(new Instant(t, p, "preempt", goid, "G" + goid + " asked to yield"));
                }
                case GO_SYSCALL -> {
                    instants.add(new Instant(t, p, "syscall", goid, "G" + goid + " enters a syscall"));
                    if (x == 1) {
                        stop(i, goid, t, p, SYSCALL);
                    }
                }
                case GO_SYSEXIT -> {
                    instants.add(new Instant(t, p, "sysexit", goid, "G" + goid + " leaves a syscall"));
                    if (x == 1) {
                        sysexit(i, goid, t, p);
                    }
                }
                case STEAL -> instants.add(new Instant(t, p, "steal", goid, "P" + p + " stole G" + goid + " from P" + x));
                case USER_TASK -> tasks.put(goid, new Task(goid, f.b()[i], string(x), t, -1));
                case USER_TASK_END -> {
                    Task k = tasks.get(goid);
                    if (k != null) {
                        tasks.put(goid, new Task(k.id(), k.parent(), k.name(), k.start(), t));
                    }
                }
                case USER_REGION -> openRegions.computeIfAbsent(goid, k -> new ArrayList<>()).add(new long[] {t, f.b()[i], x});
                case USER_REGION_END -> {
                    List<long[]> open = openRegions.getOrDefault(goid, List.of());
                    for (int j = open.size() - 1; j >= 0; j--) { // the innermost region of that name
                        if (open.get(j)[2] == x) {
                            long[] r = open.remove(j);
                            regions.add(new Region(goid, r[1], string(x), r[0], t));
                            break;
                        }
                    }
                }
                case USER_LOG -> {
                    String s = string(x);
                    int nul = s != null ? s.indexOf('\0') : -1;
                    logs.add(new Log(t, goid, f.b()[i], nul >= 0 ? s.substring(0, nul) : "", nul >= 0 ? s.substring(nul + 1) : s));
                }
                default -> problems.add("unknown event " + f.describe(i));
            }
        }
        // close what is still open at the end
        for (Map.Entry<Long, int[]> e : state.entrySet()) {
            long goid = e.getKey();
            int[] st = e.getValue();
            long s = since.get(goid);
            Goroutine gr = g(goid);
            switch (st[0]) {
                case S_RUNNING -> {
                    addSlice(st[1], goid, s, endTs, TRACE_END, -1);
                    gr.run += endTs - s;
                }
                case S_RUNNABLE -> gr.runnable += endTs - s;
                case S_WAITING -> gr.blocked.merge(reason(st[2]), endTs - s, Long::sum);
                default -> { }
            }
        }
        for (Map.Entry<Long, List<long[]>> e : openRegions.entrySet()) {
            for (long[] r : e.getValue()) {
                regions.add(new Region(e.getKey(), r[1], string((int) r[2]), r[0], endTs));
            }
        }
        running.clear();
        for (List<Slice> l : lanes.values()) {
            l.sort((x, y) -> Long.compare(x.start(), y.start()));
        }
    }

    private void status(int i, long goid, long t, int p, int x) {
        int st = x & 0xff;      // GStatus ordinal: IDLE, RUNNABLE, RUNNING, SYSCALL, WAITING, DEAD
        int reason = (x >>> 8) - 1; // -1: unknown (a flight recorder's window began while it waited)
        switch (st) {
            case 3 -> {
                if (p < 0) {
                    set(goid, S_WAITING, -1, R_SYSCALL, t); // in a syscall, its run closed
                } else if (running.containsKey(p)) {
                    problems.add("P" + p + " reported running G" + running.get(p) + " and G" + goid + ": " + file.describe(i));
                } else {
                    set(goid, S_RUNNING, p, 0, t);
                    running.put(p, goid);
                }
            }
            case 2 -> {
                if (p < 0) {
                    set(goid, S_RUNNABLE, -1, 0, t); // running, but its P unknown: treat as runnable
                } else if (running.containsKey(p)) {
                    problems.add("P" + p + " reported running G" + running.get(p) + " and G" + goid + ": " + file.describe(i));
                } else {
                    set(goid, S_RUNNING, p, 0, t);
                    running.put(p, goid);
                }
            }
            case 4 -> set(goid, S_WAITING, -1, reason >= 0 ? reason : R_UNKNOWN, t);
            case 5 -> set(goid, S_DEAD, -1, 0, t);
            default -> set(goid, S_RUNNABLE, -1, 0, t);
        }
    }

    private void start(int i, long goid, long t, int p) {
        int[] st = state.get(goid);
        if (st == null) {
            problems.add("G" + goid + " started but never created: " + file.describe(i));
            g(goid);
            set(goid, S_RUNNABLE, -1, 0, t);
            st = state.get(goid);
        }
        if (st[0] != S_RUNNABLE) {
            problems.add("G" + goid + " started while " + stateName(st[0]) + ": " + file.describe(i));
        }
        Long other = running.get(p);
        if (other != null) {
            problems.add("P" + p + " starts G" + goid + " while running G" + other + ": " + file.describe(i));
        }
        Goroutine gr = g(goid);
        if (st[0] == S_RUNNABLE) {
            long lat = t - since.get(goid);
            gr.runnable += lat;
            latencies.add(lat);
        }
        int flowIn = -1;
        long[] r = readiedBy.remove(goid);
        if (r != null && (r[1] >= 0 || r[3] == 0)) { // an unblock without a P too: it names its waker
            flowIn = flows.size();
            long from = r[2];
            String waker = from < 0 ? string((int) (-from - 1)) : null;
            flows.add(new Flow(r[0], (int) r[1], Math.max(from, 0), t, p, goid, r[3] == 1, waker, (int) r[4]));
        }
        pendingFlow.put(goid, flowIn);
        gr.runs++;
        set(goid, S_RUNNING, p, 0, t);
        running.put(p, goid);
    }

    private final Map<Long, Integer> pendingFlow = new HashMap<>();

    /** A goroutine back from a syscall resumes running on p, without passing through a run queue. */
    private void sysexit(int i, long goid, long t, int p) {
        int[] st = state.get(goid);
        if (st == null || st[0] != S_WAITING || st[2] != R_SYSCALL) {
            problems.add("G" + goid + " resumes from a syscall it was not in: " + file.describe(i));
            return;
        }
        Long other = running.get(p);
        if (other != null) {
            problems.add("P" + p + " resumes G" + goid + " while running G" + other + ": " + file.describe(i));
        }
        g(goid).blocked.merge(reason(R_SYSCALL), t - since.get(goid), Long::sum);
        g(goid).runs++;
        set(goid, S_RUNNING, p, 0, t);
        running.put(p, goid);
    }

    private void stop(int i, long goid, long t, int p, int kind) {
        int[] st = state.get(goid);
        if (p < 0 && st != null && (st[0] == S_WAITING && st[2] == R_OFFP || st[0] == S_RUNNABLE)) {
            // a goroutine that ran on without a P (its P was retaken) parked, yielded or ended
            Goroutine gr = g(goid);
            if (st[0] == S_WAITING) {
                gr.blocked.merge(reason(R_OFFP), t - since.get(goid), Long::sum);
            }
            if (kind == END) {
                gr.ended = t;
                set(goid, S_DEAD, -1, 0, t);
            } else if (kind >= BLOCK) {
                set(goid, S_WAITING, -1, kind - BLOCK, t);
            } else if (kind == SYSCALL) {
                set(goid, S_WAITING, -1, R_SYSCALL, t);
            } else {
                set(goid, S_RUNNABLE, -1, 0, t);
            }
            return;
        }
        if (st == null || st[0] != S_RUNNING || st[1] != p) {
            problems.add("G" + goid + " stops on P" + p + " but is "
                    + (st == null ? "unknown" : stateName(st[0]) + (st[0] == S_RUNNING ? " on P" + st[1] : ""))
                    + ": " + file.describe(i));
            return;
        }
        long s = since.get(goid);
        Goroutine gr = g(goid);
        gr.run += t - s;
        addSlice(p, goid, s, t, kind, kind >= BLOCK ? (int) file.b()[i] - 1 : -1);
        running.remove(p);
        if (kind == END) {
            gr.ended = t;
            set(goid, S_DEAD, -1, 0, t);
        } else if (kind >= BLOCK) {
            set(goid, S_WAITING, -1, kind - BLOCK, t);
        } else if (kind == SYSCALL || kind == OFFP) {
            set(goid, S_WAITING, -1, kind == SYSCALL ? R_SYSCALL : R_OFFP, t);
        } else {
            set(goid, S_RUNNABLE, -1, 0, t);
        }
    }

    private void unblock(int i, long goid, long t, int p) {
        int[] st = state.get(goid);
        if (st == null) {
            g(goid);
            set(goid, S_RUNNABLE, -1, 0, t);
        } else if (st[0] == S_WAITING) {
            g(goid).blocked.merge(reason(st[2]), t - since.get(goid), Long::sum);
            set(goid, S_RUNNABLE, -1, 0, t);
        } else if (st[0] == S_RUNNING) {
            problems.add("G" + goid + " unblocked while running on P" + st[1] + ": " + file.describe(i));
            return;
        } else {
            return; // already runnable (a new goroutine's first submit, or a duplicate submit): no change
        }
        readiedBy.put(goid, new long[] {t, p, file.b()[i], 0, file.extra()[i] - 1});
    }

    private void addSlice(int p, long goid, long s, long e, int kind, int stack) {
        Integer fi = pendingFlow.remove(goid);
        lanes.computeIfAbsent(p, k -> new ArrayList<>()).add(new Slice(p, goid, s, e, kind, fi != null ? fi : -1, stack));
    }

    private void set(long goid, int st, int p, int reason, long t) {
        state.put(goid, new int[] {st, p, reason});
        since.put(goid, t);
    }

    private static String stateName(int s) {
        return switch (s) {
            case S_RUNNABLE -> "runnable";
            case S_RUNNING -> "running";
            case S_WAITING -> "blocked";
            case S_DEAD -> "dead";
            default -> "unknown";
        };
    }

    /**
     * The latency histogram: bucket i counts samples in [2^i, 2^(i+1)) microseconds (bucket 0 also
     * takes everything under 1us). Returns the counts up to the last non-empty bucket.
     */
    public long[] latencyHistogram() {
        long[] h = new long[40];
        int last = 0;
        for (long ns : latencies) {
            long us = ns / 1000;
            int b = us <= 1 ? 0 : 63 - Long.numberOfLeadingZeros(us);
            h[b]++;
            last = Math.max(last, b);
        }
        long[] out = new long[latencies.isEmpty() ? 0 : last + 1];
        System.arraycopy(h, 0, out, 0, out.length);
        return out;
    }
}
