package dev.gort.agent.race;

import java.io.PrintStream;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Race reports in Go's format (runtime/race's output, which is TSan's):
 * <pre>
 * ==================
 * WARNING: DATA RACE
 * Write at 0x... by goroutine 7:
 *   pkg.Class.method()
 *       File.java:12
 *
 * Previous read at 0x... by goroutine 6:
 *   pkg.Class.method()
 *       File.java:20
 *
 * Goroutine 7 (running) created at:
 *   ...
 *
 * Goroutine 6 (finished) created at:
 *   ...
 * ==================
 * </pre>
 * Each unordered pair of access sites is reported once. At exit, "Found N data race(s)" and exit
 * status 66, as Go, unless a {@link RaceListener} (a test framework) took charge of every race.
 */
public final class Reports {
    private Reports() {}

    /** Go's exit status for a run that found races. */
    public static final int EXIT_STATUS = 66;

    private static final Set<Long> reportedPairs = ConcurrentHashMap.newKeySet();
    /** Races reported (distinct site pairs). */
    private static final AtomicLong reported = new AtomicLong();
    /** Reported races no {@link RaceListener} took charge of: these make the exit status 66. */
    private static final AtomicLong unclaimed = new AtomicLong();
    /** Races detected, counting repeats of a reported pair (for tests). */
    private static final AtomicLong detected = new AtomicLong();

    /** Number of distinct races reported so far. */
    public static long reported() {
        return reported.get();
    }

    /** Number of racy access pairs detected so far, repeats included (tests count per run with it). */
    public static long detected() {
        return detected.get();
    }

    /**
     * Installs the exit hook that prints "Found N data race(s)" and exits with status 66, unless a
     * {@link RaceListener} took charge of every race (a test failed for each).
     */
    public static void installExitHook() {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            long n = reported.get();
            if (unclaimed.get() > 0) {
                System.err.println("Found " + n + " data race(s)");
                System.err.flush();
                Runtime.getRuntime().halt(EXIT_STATUS);
            }
        }, "gort-race-exit"));
    }

    static void race(ThreadState cur, int kind, int site, Object obj, long slot, long prevEpoch, int prevKind, int prevSite) {
        detected.incrementAndGet();
        long a = Math.min(site, prevSite), b = Math.max(site, prevSite);
        if (!reportedPairs.add((a << 32) | b)) {
            return;
        }
        reported.incrementAndGet();
        String addr = String.format("0x%08x%08x", obj == null ? 0 : System.identityHashCode(obj), slot & 0xffffffffL);
        ThreadState.Info prev = FastTrack.info(Epoch.tid(prevEpoch), Epoch.clock(prevEpoch));
        StringBuilder sb = new StringBuilder();
        sb.append("==================\nWARNING: DATA RACE\n");
        sb.append(kind == Sites.WRITE ? "Write" : "Read").append(" at ").append(addr).append(" by ")
                .append(cur.info.name()).append(":\n");
        for (StackTraceElement f : callerStack()) {
            frame(sb, f);
        }
        sb.append('\n');
        sb.append("Previous ").append(prevKind == Sites.WRITE ? "write" : "read").append(" at ").append(addr)
                .append(" by ").append(prev != null ? prev.name() : "an ended goroutine").append(":\n");
        sb.append(Sites.get(prevSite).frame()).append("\n");
        created(sb, cur.info);
        if (prev != null && prev != cur.info) {
            created(sb, prev);
        }
        sb.append("==================");
        PrintStream err = System.err;
        synchronized (Reports.class) {
            err.println(sb);
            err.flush();
        }
        if (!RaceListener.offer(sb.toString())) {
            unclaimed.incrementAndGet();
        }
    }

    private static void created(StringBuilder sb, ThreadState.Info info) {
        if (info.createdAt == null) {
            return; // a thread the detector did not see start (main, a JDK-started thread)
        }
        sb.append('\n').append(info.title()).append(info.running() ? " (running)" : " (finished)")
                .append(" created at:\n");
        for (StackTraceElement f : info.createdAt) {
            frame(sb, f);
        }
    }

    private static void frame(StringBuilder sb, StackTraceElement f) {
        sb.append("  ").append(f.getClassName()).append('.').append(f.getMethodName()).append("()\n      ")
                .append(f.getFileName() != null ? f.getFileName() : f.getClassName()).append(':')
                .append(f.getLineNumber()).append('\n');
    }

    /** The calling application stack, innermost first, without the detector, gort's runtime or the JDK's thread plumbing. */
    static StackTraceElement[] callerStack() {
        List<StackTraceElement> frames = StackWalker.getInstance().walk(s -> s
                .filter(f -> !hidden(f.getClassName()))
                .limit(32)
                .map(StackWalker.StackFrame::toStackTraceElement)
                .collect(Collectors.toList()));
        return frames.toArray(new StackTraceElement[0]);
    }

    private static boolean hidden(String cls) {
        return cls.startsWith("dev.gort.agent.") || cls.startsWith("dev.gort.runtime.")
                || cls.equals("dev.gort.Go") || cls.startsWith("java.lang.VirtualThread")
                || cls.startsWith("java.lang.Thread") || cls.startsWith("jdk.internal.");
    }
}
