package dev.gort.stress;

import dev.gort.Go;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/*
 * Soak: the soak harness. Runs RandomPrograms, seed after seed, at one base GOMAXPROCS, for a
 * given time or count, and keeps score: programs run, hangs, lost goroutines, unexpected panics
 * and fatal errors, wrong results.
 *
 * The watchdog: a platform thread that reads RandomProgram.PROGRESS every 100ms. When it has not
 * moved for the stall time (10 s by default, -Dgort.soak.stallSeconds; six times that before the
 * campaign's first operation, while the JVM loads gort) while a program runs, it is hung: the
 * watchdog writes the evidence (the goroutine dump, every platform thread's stack, so the Ms',
 * and the schedtrace detail) to target/soak-evidence/, prints the seed and the command that
 * replays it, and ends the JVM with status 3: after a hang the runtime cannot be trusted.
 *
 * Everything the runtime prints on stderr passes through a filter that counts "lost goroutine",
 * "fatal error" and "panic:" lines, so a goroutine lost or a panic swallowed somewhere still
 * counts against the campaign.
 *
 *   java ... dev.gort.stress.Soak --procs 2 --seconds 60 [--seed S] [--count N] [--chaos false]
 *
 * prints one summary line, "soak procs=2 programs=N hangs=0 lost=0 panics=0 fatal=0 wrong=0
 * seeds=a..b", and exits 0 only if every count but programs is 0. ./gort stress runs it once per
 * GOMAXPROCS in a list; SoakTest runs a short campaign in CI.
 */
public final class Soak {
    private Soak() {}

    /** A campaign's counts. */
    public record Result(int procs, int programs, int hangs, int lost, int panics, int fatal, int wrong,
                         long firstSeed, long lastSeed) {
        public boolean clean() {
            return hangs + lost + panics + fatal + wrong == 0;
        }

        @Override
        public String toString() {
            return "soak procs=" + procs + " programs=" + programs + " hangs=" + hangs + " lost=" + lost
                    + " panics=" + panics + " fatal=" + fatal + " wrong=" + wrong + " seeds=" + firstSeed + ".." + lastSeed;
        }
    }

    private static final AtomicInteger LOST = new AtomicInteger(), PANICS = new AtomicInteger(), FATAL = new AtomicInteger();
    private static volatile long current = -1;
    private static volatile int currentProcs;
    private static volatile boolean watching;

    public static void main(String[] args) {
        int procs = Go.numCPU();
        long seconds = 60, count = Long.MAX_VALUE, seed = System.nanoTime();
        boolean chaos = true, seedGiven = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--procs" -> { procs = positive(a, v); i++; }
                case "--seconds" -> { seconds = positive(a, v); i++; }
                case "--count" -> { count = positive(a, v); i++; }
                case "--seed" -> { seed = number(a, v); seedGiven = true; i++; }
                case "--chaos" -> { chaos = Boolean.parseBoolean(v); i++; }
                default -> throw new IllegalArgumentException("soak: unknown argument '" + a
                        + "' (--procs N, --seconds N, --count N, --seed S, --chaos true|false)");
            }
        }
        if (seedGiven && count == Long.MAX_VALUE) {
            count = 1; // --seed alone replays one program
        }
        Result r = campaign(procs, seconds * 1_000_000_000L, count, seed, chaos);
        System.out.println(r);
        System.exit(r.clean() ? 0 : 1);
    }

    static long number(String flag, String v) {
        try {
            return Long.parseLong(v);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(flag + " needs a number, got '" + v + "'");
        }
    }

    static int positive(String flag, String v) {
        long n = number(flag, v);
        if (n < 1 || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(flag + " must be at least 1, got " + n);
        }
        return (int) n;
    }

    /** Runs programs seed, seed+1, ... at base GOMAXPROCS procs until nanos pass or count ran. */
    public static Result campaign(int procs, long nanos, long count, long seed, boolean chaos) {
        installStderrFilter();
        startWatchdog();
        int lost0 = LOST.get(), panics0 = PANICS.get(), fatal0 = FATAL.get();
        int programs = 0, wrong = 0, thrown = 0;
        long end = System.nanoTime() + nanos, s = seed;
        currentProcs = procs;
        for (; programs < count && System.nanoTime() < end; s++, programs++) {
            current = s;
            try {
                new RandomProgram(s, procs, chaos).run();
            } catch (AssertionError e) {
                wrong++;
                System.err.println("soak: wrong result, seed " + s + " (" + replay(s, procs) + "): " + e.getMessage());
            } catch (Throwable e) {
                thrown++; // a panic ends Go.run; it was printed, and counted by the filter too
                System.err.println("soak: seed " + s + " (" + replay(s, procs) + ") ended with " + e);
            }
            current = -1;
        }
        int panics = Math.max(thrown, PANICS.get() - panics0);
        return new Result(procs, programs, 0, LOST.get() - lost0, panics, FATAL.get() - fatal0, wrong, seed, s - 1);
    }

    /** The command that replays one program. */
    static String replay(long seed, int procs) {
        return "./gort stress --seed " + seed + " --procs " + procs;
    }

    /** Platform threads the runtime has started as Ms. */
    static int threads() {
        int n = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("gort-m")) {
                n++;
            }
        }
        return n;
    }

    private static synchronized void startWatchdog() {
        if (watching) {
            return;
        }
        watching = true;
        long stallNanos = Long.getLong("gort.soak.stallSeconds", 10) * 1_000_000_000L;
        long p0 = RandomProgram.PROGRESS.get();
        Thread w = new Thread(() -> {
            long last = -1, since = System.nanoTime();
            for (;;) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
                long p = RandomProgram.PROGRESS.get(), now = System.nanoTime();
                // Until the campaign's first operation the JVM is still loading and compiling
                // gort's classes, which on a loaded machine took over 5 s: allow 6x the stall.
                long limit = p == p0 ? 6 * stallNanos : stallNanos;
                if (p != last || current < 0) {
                    last = p;
                    since = now;
                } else if (now - since > limit) {
                    hang(current, currentProcs, (now - since) / 1_000_000);
                }
            }
        }, "gort-soak-watchdog");
        w.setDaemon(true);
        w.start();
    }

    private static void hang(long seed, int procs, long ms) {
        System.out.println("soak procs=" + procs + " hangs=1 seed=" + seed + " (the evidence follows)");
        Evidence.hang("soak: HANG seed " + seed + " procs " + procs + ": no progress for " + ms + "ms\nreplay: "
                + replay(seed, procs), "hang-seed" + seed + "-procs" + procs);
    }

    /** Counts the runtime's own reports on stderr while passing everything through. */
    private static synchronized void installStderrFilter() {
        if (System.err instanceof CountingStream) {
            return;
        }
        System.setErr(new CountingStream(System.err));
    }

    private static final class CountingStream extends PrintStream {
        private final StringBuilder line = new StringBuilder();

        CountingStream(PrintStream out) {
            super(new OutputStream() {
                @Override
                public void write(int b) {
                    out.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    out.write(b, off, len);
                }

                @Override
                public void flush() {
                    out.flush();
                }
            }, true, StandardCharsets.UTF_8);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            super.write(b, off, len);
            line.append(new String(b, off, len, StandardCharsets.UTF_8));
            int nl;
            while ((nl = line.indexOf("\n")) >= 0) {
                String l = line.substring(0, nl);
                line.delete(0, nl + 1);
                if (l.contains("lost goroutine")) {
                    LOST.incrementAndGet();
                } else if (l.startsWith("fatal error:")) {
                    FATAL.incrementAndGet();
                } else if (l.startsWith("panic:")) {
                    PANICS.incrementAndGet();
                }
            }
        }
    }
}
