package dev.gort.tools;

import dev.gort.Go;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code gort run [-race] [--procs N] [--schedtrace MS] [--trace FILE] [-cp CP] MainClass args...}:
 * runs a class's {@code main} as the main goroutine, as {@code go run} does. {@code -race} needs the
 * JVM to run with the gort agent in race mode ({@code -javaagent:gort-agent.jar=race}), which the
 * {@code ./gort} launcher adds when it sees {@code -race}.
 *
 * <p>Exit statuses, as Go's:
 * <ul>
 *   <li>0 when main returns (goroutines still running are abandoned, as Go exits with main);
 *   <li>1 when MainClass cannot be found or has no {@code public static void main(String[])};
 *   <li>2 after a panic (an exception escaping any goroutine) or a fatal error (deadlock, thread
 *       exhaustion, ...), which are reported on stderr in Go's format first;
 *   <li>66 when the race detector ({@code -race}) found a data race, as Go's: the detector
 *       prints {@code Found N data race(s)} at exit.
 * </ul>
 *
 * <p>Goroutine dump on demand: Go prints every goroutine's stack on SIGQUIT. The JVM keeps SIGQUIT
 * for its own thread dump (it refuses a handler even with {@code -Xrs}), so {@code gort run} dumps
 * the goroutines in Go's format on stderr when it gets <b>SIGUSR1</b> ({@code kill -USR1 PID}), and
 * the program goes on. SIGUSR2 is left alone because HotSpot uses it internally on Linux. Where the
 * platform has no SIGUSR1 (Windows), there is no trigger; {@code jcmd PID Thread.dump_to_file}
 * lists goroutines there, in the JDK's format.
 */
@Command(name = "run", description = {"Run MainClass.main as the main goroutine, with Go's exit codes:",
        "0 main returned, 1 no such class or main, 2 panic or fatal error (deadlock), 66 data race found (-race).",
        "kill -USR1 <pid> prints every goroutine's stack (Go's SIGQUIT dump; the JVM keeps SIGQUIT)."})
final class RunCommand implements Callable<Integer> {
    /** The signal that prints the goroutine dump. */
    static final String DUMP_SIGNAL = "USR1";

    @Option(names = {"--race", "-race"}, description = "enable the race detector (the launcher adds the agent)")
    boolean race;

    @Option(names = "--procs", description = "GOMAXPROCS (default: the CPU count)")
    int procs;

    @Option(names = "--schedtrace", description = "print a schedtrace line every MS milliseconds")
    long schedtrace;

    @Option(names = "--trace", paramLabel = "FILE", description = "write an execution trace to FILE (sets -Dgort.trace=FILE)")
    String trace;

    @Option(names = {"-cp", "--class-path"}, description = "where MainClass and its classes are")
    String classPath;

    @Parameters(index = "0", description = "the class whose main(String[]) to run")
    String mainClass;

    @Parameters(index = "1..*", description = "arguments for main")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (race && !dev.gort.runtime.Race.ENABLED) {
            System.err.println("gort run -race: the race detector is not loaded; start the JVM with "
                    + "-javaagent:gort-agent.jar=race (./gort run -race does)");
            return 1;
        }
        // Properties the runtime reads when it starts, so before the first Go.* call.
        if (schedtrace > 0) {
            System.setProperty("gort.schedtrace", Long.toString(schedtrace));
        }
        if (trace != null) {
            System.setProperty("gort.trace", trace);
        }
        Method main;
        try {
            main = findMain();
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 1;
        }
        installDumpSignal();
        if (procs > 0) {
            Go.gomaxprocs(procs);
        }
        String[] argv = args.toArray(new String[0]);
        try {
            Go.run(() -> {
                try {
                    main.invoke(null, (Object) argv);
                } catch (InvocationTargetException e) {
                    throw sneaky(e.getCause());
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            });
            return 0;
        } catch (RuntimeException | Error e) {
            return 2; // a panic or a FatalError (DeadlockError...): already reported on stderr in Go's format
        } finally {
            System.out.flush();
            System.err.flush();
        }
    }

    /** SIGUSR1 prints Go's all-goroutine dump (see the class doc); silently absent where unsupported. */
    @SuppressWarnings("removal")
    private static void installDumpSignal() {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(DUMP_SIGNAL), sig -> {
                String dump = Go.stack(true);
                System.err.print("SIG" + DUMP_SIGNAL + ": goroutine dump\n\n" + dump);
                System.err.flush();
            });
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            // no such signal here (Windows), or the JVM owns it: no dump trigger
        }
    }

    private Method findMain() throws Exception {
        ClassLoader cl = getClass().getClassLoader();
        if (classPath != null) {
            List<URL> urls = new ArrayList<>();
            for (String p : classPath.split(File.pathSeparator)) {
                urls.add(new File(p).toURI().toURL());
            }
            cl = new URLClassLoader(urls.toArray(new URL[0]), cl);
        }
        Class<?> c;
        try {
            c = Class.forName(mainClass, false, cl);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("gort run: class " + mainClass + " not found on "
                    + (classPath != null ? classPath : "the class path"));
        }
        Method m;
        try {
            m = c.getMethod("main", String[].class);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException("gort run: " + mainClass + " has no public main(String[])");
        }
        if (!Modifier.isStatic(m.getModifiers())) {
            throw new IllegalArgumentException("gort run: " + mainClass + ".main(String[]) is not static");
        }
        m.setAccessible(true);
        return m;
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
        throw (E) t;
    }
}
