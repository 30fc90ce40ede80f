package dev.gort.agent.race;

import java.util.function.Predicate;

/**
 * The race detector's hook for test frameworks, as Go's {@code testing} package reads
 * {@code race.Errors()} around each test: gort-junit's {@code @GoTest} sets a listener (by
 * reflection, through the system class loader, so it needs no compile-time dependency on the
 * agent) and fails the test during which a race is reported, while the test run goes on.
 *
 * <p>The listener is called once per reported race (each unordered pair of access sites is
 * reported once), in the thread that made the second access, after the report has been printed on
 * stderr, with the report's text. It returns whether it took charge of the race, that is, whether
 * some test will fail for it. Races nobody took charge of still make the JVM exit with status 66
 * at the end, with {@code Found N data race(s)}; taken ones do not, since the failed tests already
 * say so. The listener must be quick and must not throw; it is not instrumented (it lives under
 * {@code dev.gort}).
 */
public final class RaceListener {
    private RaceListener() {}

    /** The listener, or null. Written by set, read by every report: volatile. */
    private static volatile Predicate<String> listener;

    /** Sets (or with null, removes) the listener; the previous one is replaced. */
    public static void set(Predicate<String> l) {
        listener = l;
    }

    /** Offers a report to the listener; true if it took charge. A throwing listener takes nothing. */
    static boolean offer(String report) {
        Predicate<String> l = listener;
        if (l == null) {
            return false;
        }
        try {
            return l.test(report);
        } catch (RuntimeException | Error e) {
            System.err.println("gort race: the race listener threw " + e);
            return false;
        }
    }
}
