package dev.gort.tools;

import dev.gort.FatalError;
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
 * {@code gort run [--procs N] [--schedtrace MS] [-cp CP] MainClass args...}: runs a class's
 * {@code main} as the main goroutine, as {@code go run} does, with Go's exit statuses: 0 when main
 * returns, 2 after a panic or a fatal error (deadlock, thread exhaustion), which are reported on
 * stderr first.
 */
@Command(name = "run", description = "Run MainClass.main as the main goroutine, with Go's exit codes.")
final class RunCommand implements Callable<Integer> {
    @Option(names = "--procs", description = "GOMAXPROCS (default: the CPU count)")
    int procs;

    @Option(names = "--schedtrace", description = "print a schedtrace line every MS milliseconds")
    long schedtrace;

    @Option(names = {"-cp", "--class-path"}, description = "where MainClass and its classes are")
    String classPath;

    @Parameters(index = "0", description = "the class whose main(String[]) to run")
    String mainClass;

    @Parameters(index = "1..*", description = "arguments for main")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (schedtrace > 0) {
            System.setProperty("gort.schedtrace", Long.toString(schedtrace));
        }
        Method main = findMain();
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
        } catch (FatalError | RuntimeException e) {
            return 2; // already reported on stderr in Go's format
        } catch (Error e) {
            return 2;
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
        Method m = c.getMethod("main", String[].class);
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
