package dev.gort.junit;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/*
 * RaceWatch: which test a race belongs to, Go's testing.go way (it reads race.Errors() before and
 * after each test): every race the agent reports while a @GoTest runs belongs to every @GoTest
 * running then (one, unless JUnit runs tests in parallel).
 *
 * The agent's side is dev.gort.agent.race.RaceListener (in gort-agent.jar, on the system class
 * path when the JVM runs with -javaagent). It is reached by reflection, once, so gort-junit has no
 * dependency on the agent and costs nothing without it. The listener returns whether some test
 * took the race: then the agent does not end the JVM with status 66 for it.
 */
final class RaceWatch {
    private RaceWatch() {}

    /** The windows of the @GoTests running now. */
    private static final Set<Window> open = ConcurrentHashMap.newKeySet();

    /** Whether the race detector is on and listens to us. Set once, at class initialisation. */
    static final boolean ON = install();

    /** One test's window: the reports made while it is open. */
    static final class Window {
        /** Under the window's monitor, as closed. */
        private final List<String> reports = new ArrayList<>();
        private boolean closed;

        /** Closes the window; returns the reports made while it was open. */
        synchronized List<String> close() {
            open.remove(this);
            closed = true;
            return List.copyOf(reports);
        }

        /** Adds a report unless closed (a report racing with close belongs to nobody); true if added. */
        synchronized boolean add(String report) {
            if (closed) {
                return false;
            }
            reports.add(report);
            return true;
        }
    }

    /** Opens a window for a test that starts now. */
    static Window open() {
        Window w = new Window();
        if (ON) {
            open.add(w);
        }
        return w;
    }

    /** The listener: called by the agent in the racing thread. */
    private static boolean claim(String report) {
        boolean taken = false;
        for (Window w : open) {
            taken |= w.add(report);
        }
        return taken;
    }

    private static boolean install() {
        if (!Boolean.getBoolean("gort.race")) { // set by the agent's race mode before main
            return false;
        }
        try {
            Class<?> c = Class.forName("dev.gort.agent.race.RaceListener", true, ClassLoader.getSystemClassLoader());
            Predicate<String> l = RaceWatch::claim;
            c.getMethod("set", Predicate.class).invoke(null, l);
            return true;
        } catch (ReflectiveOperationException e) {
            System.err.println("gort-junit: the race detector is on but its listener could not be set ("
                    + e + "); races will end the JVM with status 66 instead of failing tests");
            return false;
        }
    }
}
