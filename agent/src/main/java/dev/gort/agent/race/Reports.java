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
 * Write at field pkg.Class.count of pkg.Class@1b6d3586 by goroutine 7:
 *   pkg.Class.method()
 *       File.java:12
 *   ...
 *
 * Previous read at field pkg.Class.count of pkg.Class@1b6d3586 by goroutine 6:
 *   pkg.Class.method()
 *       File.java:20
 *   ...
 *
 * Goroutine 7 (running) created at:
 *   ...
 *
 * Goroutine 6 (finished) created at:
 *   ...
 * ==================
 * </pre>
 * Go's "at 0x..." names a memory address; here it names the variable (see location). The current
 * access's stack is walked at the report; the previous one is the site plus the shadow call stack
 * the detector kept with the access (instrumented frames only: JDK frames between them, as a
 * Stream's, are not recorded). Gort's, the launcher's and the JDK's thread and executor frames are
 * left out of both. Each unordered pair of access sites is reported once. At exit, "Found N data
 * race(s)" and exit status 66, as Go, unless a {@link RaceListener} (a test framework) took charge
 * of every race.
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

    static void race(ThreadState cur, int kind, int site, Object obj, Object slot, long prevEpoch, int prevKind,
                     int prevSite, StackNode prevStack) {
        detected.incrementAndGet();
        long a = Math.min(site, prevSite), b = Math.max(site, prevSite);
        if (!reportedPairs.add((a << 32) | b)) {
            return;
        }
        reported.incrementAndGet();
        String at = location(obj, slot, site);
        ThreadState.Info prev = FastTrack.info(Epoch.tid(prevEpoch), Epoch.clock(prevEpoch));
        StringBuilder sb = new StringBuilder();
        sb.append("==================\nWARNING: DATA RACE\n");
        sb.append(kind == Sites.WRITE ? "Write" : "Read").append(" at ").append(at).append(" by ")
                .append(cur.info.name()).append(":\n");
        for (StackTraceElement f : callerStack()) {
            frame(sb, f);
        }
        sb.append('\n');
        sb.append("Previous ").append(prevKind == Sites.WRITE ? "write" : "read").append(" at ").append(at)
                .append(" by ").append(prev != null ? prev.name() : "an ended goroutine").append(":\n");
        sb.append(Sites.get(prevSite).frame());
        int n = 1;
        for (StackNode f = prevStack; f != null && n < MAX_FRAMES; f = f.caller, n++) {
            sb.append(Sites.get(f.site).frame());
        }
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

    /** Frames printed per stack, innermost first (Go's race reports are not bounded; these are, as dumps are). */
    private static final int MAX_FRAMES = 32;

    /**
     * The variable, as a report names it (Go prints a heap address; a Java variable has a name):
     * <pre>
     * field com.acme.Counter.count of com.acme.Counter@1b6d3586     an object's field
     * static field com.acme.Config.cache                            a static field
     * element [5] of int[]@4554617c                                 an array element
     * contents of java.util.HashMap@74a14482 (put)                  a JDK collection, as one variable
     * </pre>
     * "@hex" is the object's identity hash, as Object.toString prints it: equal for the same object.
     */
    static String location(Object obj, Object slot, int site) {
        if (slot instanceof Sites.FieldInfo f) {
            if (f.name == null) { // the contents of a JDK collection: the site names the method
                return "contents of " + ref(obj) + " (" + Sites.get(site).fieldName + ")";
            }
            return f.isStatic ? "static field " + f.name : "field " + f.name + " of " + ref(obj);
        }
        if (obj != null && obj.getClass().isArray() && slot instanceof Integer i) {
            return "element [" + i + "] of " + ref(obj);
        }
        return "variable " + slot + " of " + ref(obj);
    }

    private static String ref(Object o) {
        return o == null ? "null" : o.getClass().getTypeName() + "@" + Integer.toHexString(System.identityHashCode(o));
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

    /**
     * The calling application stack, innermost first, without the detector, gort itself (runtime,
     * channels, the launcher) or the JDK's thread, executor and reflection plumbing: what the
     * application wrote, as Go's report hides runtime.goexit and the race runtime.
     */
    static StackTraceElement[] callerStack() {
        List<StackTraceElement> frames = StackWalker.getInstance().walk(s -> s
                .filter(f -> !hidden(f.getClassName()))
                .limit(MAX_FRAMES)
                .map(StackWalker.StackFrame::toStackTraceElement)
                .collect(Collectors.toList()));
        return frames.toArray(new StackTraceElement[0]);
    }

    /** Class-name prefixes of the frames reports leave out (see callerStack). */
    private static final String[] HIDDEN = {
            "dev.gort.agent.", "dev.gort.runtime.", "dev.gort.launcher.", "dev.gort.tools.", "dev.gort.chan.",
            "dev.gort.Go", "java.lang.Thread", "java.lang.VirtualThread", "java.lang.reflect.", "jdk.internal.",
            "java.util.concurrent.FutureTask", "java.util.concurrent.ThreadPoolExecutor",
            "java.util.concurrent.ScheduledThreadPoolExecutor", "java.util.concurrent.ThreadPerTaskExecutor",
            "java.util.concurrent.Executors$", "java.util.concurrent.ForkJoin", "java.util.concurrent.CompletableFuture",
            "java.util.concurrent.RecursiveTask", "java.util.concurrent.RecursiveAction",
            "java.util.concurrent.CountedCompleter"};

    static boolean hidden(String cls) {
        for (String h : HIDDEN) {
            if (cls.startsWith(h)) {
                return true;
            }
        }
        return false;
    }
}
