package dev.gort.stress;

import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/*
 * Repeat: runs JUnit test classes many times in one JVM, at the GOMAXPROCS the JVM was started
 * with, and keeps score. It is how a concurrency test earns its place ("every new concurrency test
 * runs at least 20 times at GOMAXPROCS 1, 2 and 4 before it lands") and how the ported Go tests
 * were repeated 50 times for docs/reliability.md.
 *
 *   java ... -Dgort.maxprocs=P dev.gort.stress.Repeat [--times N] [--timeout SECONDS] Class...
 *
 * Each run of a class is one JUnit Platform execution of that class alone. A run fails if any test
 * fails or none succeeds (a class whose tests were all skipped or filtered away proves nothing).
 * Failures are printed in full, with the run's number, and the run goes on: the score is the point.
 * Each class ends with one line, "repeat CLASS procs=P runs=N pass=X fail=Y", and the exit status is
 * 0 only if every run of every class passed.
 *
 * A hang must leave evidence. The tests bound themselves (JUnit timeouts, whose HangDump prints the
 * goroutines and the Ms), but a hang outside any test's bound (a class initialiser, an extension,
 * the runtime itself) would wait for ever; so a watchdog gives each run --timeout seconds (600 by
 * default), then writes the evidence (Evidence.hang: schedtrace detail, every goroutine, every
 * platform thread, the Ms among them), prints where, and halts the JVM with status 3: a runtime
 * that hung once cannot be trusted for the runs after.
 *
 * In one JVM the runs share the runtime, so state one run leaves (goroutines still exiting, a
 * GOMAXPROCS a test changed) meets the next: that finds test races that a fresh JVM hides. ./gort
 * repeat --fresh starts a JVM per run instead, which finds what depends on start-up (class
 * initialisation, the first M), at a JVM's start-up cost per run.
 */
public final class Repeat {
    private Repeat() {}

    public static void main(String[] args) throws Exception {
        int times = 20;
        long timeoutSeconds = 600;
        List<String> classes = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--times" -> { times = (int) Soak.positive(a, v); i++; }
                case "--timeout" -> { timeoutSeconds = Soak.positive(a, v); i++; }
                default -> {
                    if (a.startsWith("-")) {
                        throw new IllegalArgumentException("Repeat: unknown option '" + a
                                + "' (--times N, --timeout SECONDS, then test class names)");
                    }
                    classes.add(a);
                }
            }
        }
        if (classes.isEmpty()) {
            throw new IllegalArgumentException("Repeat: no test class given (e.g. dev.gort.runtime.SchedulerHoldsTest)");
        }
        List<Class<?>> loaded = new ArrayList<>();
        for (String c : classes) {
            try {
                loaded.add(Class.forName(c, false, Repeat.class.getClassLoader())); // initialised under the watchdog
            } catch (ClassNotFoundException e) {
                throw new IllegalArgumentException("Repeat: test class '" + c + "' is not on the class path", e);
            }
        }
        String procs = System.getProperty("gort.maxprocs", System.getenv().getOrDefault("GOMAXPROCS", "default"));
        Launcher launcher = LauncherFactory.create();
        boolean allPassed = true;
        for (Class<?> c : loaded) {
            int pass = 0, fail = 0;
            for (int run = 1; run <= times; run++) {
                String heading = c.getName() + " run " + run + " of " + times + " at GOMAXPROCS " + procs;
                Thread watchdog = watchdog(heading, timeoutSeconds);
                SummaryGeneratingListener listener = new SummaryGeneratingListener();
                try {
                    launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(c)).build(), listener);
                } finally {
                    watchdog.interrupt();
                }
                TestExecutionSummary s = listener.getSummary();
                if (s.getTotalFailureCount() == 0 && s.getTestsSucceededCount() > 0) {
                    pass++;
                } else {
                    fail++;
                    System.out.println("FAILED " + heading + (s.getTestsSucceededCount() == 0 && s.getTotalFailureCount() == 0
                            ? ": no test succeeded" : ""));
                    s.printFailuresTo(new PrintWriter(System.out, true), 60);
                }
            }
            allPassed &= fail == 0;
            // as each class ends, so that a hang in a later class keeps the score of this one
            System.out.println("repeat " + c.getName() + " procs=" + procs + " runs=" + times + " pass=" + pass + " fail=" + fail);
            System.out.flush();
        }
        System.exit(allPassed ? 0 : 1);
    }

    /** A daemon that, unless interrupted first, leaves the hang's evidence and halts the JVM. */
    private static Thread watchdog(String heading, long seconds) {
        Thread w = new Thread(() -> {
            try {
                TimeUnit.SECONDS.sleep(seconds);
            } catch (InterruptedException e) {
                return; // the run ended in time
            }
            Evidence.hang("repeat: HANG " + heading + ": not finished after " + seconds + " s",
                    "hang-repeat-" + heading.replaceAll("[^A-Za-z0-9]+", "-"));
        }, "gort-repeat-watchdog");
        w.setDaemon(true);
        w.start();
        return w;
    }
}
