package dev.gort.launcher;

import dev.gort.Go;
import dev.gort.runtime.Linkname;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/*
 * Launcher: the main class of the program JVM that `gort run` starts (Go's runtime.main, for a Java
 * program). Not API: `gort run` (tools' RunCommand) builds the command line
 *
 *   java --add-opens java.base/java.lang=ALL-UNNAMED [-javaagent:gort-agent.jar=race] [-D...] [JVM options]
 *        -cp <gort-core>:<the user's class path> dev.gort.launcher.Launcher [--procs N] [--source-classes DIR]
 *        MainClass args...
 *
 * and execs it (or runs it as a child when not started by the ./gort script). The user's class path
 * is therefore the JVM's own system class path, exactly as with `java MainClass`: the context class
 * loader, getResource and ServiceLoader see the application, and none of the gort CLI's libraries
 * (picocli, Jackson) are on it. gort-core comes first so that the runtime is gort run's own even if
 * the application bundles another copy (as `go run` uses the toolchain's runtime). The classes of
 * `gort run File.java` come from an in-memory class loader over the system class loader, which is
 * also the context class loader (SourceClassLoader), as `java File.java` runs them.
 *
 * Protocol: load MainClass with the system class loader without initialising it; choose its main
 * method by the JLS rules for Java 25 (JEP 512): a non-private main(String[]), else a non-private
 * main(), declared or inherited; static, or an instance method on an instance made with the class's
 * non-private no-argument constructor. Then run it as the main goroutine of a Go.run: class
 * initialisation, construction and main all happen in goroutine 1, as Go runs package init in the
 * main goroutine, so a deadlock in a static initialiser is reported like any other. A program whose
 * main calls Go.run itself runs that function inline in goroutine 1 (see Go.run's nested contract),
 * so deadlock detection, panic reports and dumps are those of plain `java`.
 *
 * Exit statuses, as Go's: 0 when main returns (other goroutines are abandoned, as Go exits with
 * main); 1 when MainClass cannot be loaded or has no main method (one line on stderr); 2 after a
 * panic or a fatal error, already reported on stderr in Go's format; 66 from the race detector's
 * exit hook when it found races. The JVM is Go's process: the launcher sets the runtime's process
 * mode and exits through it (Linkname.processMode, Linkname.exit; Proc's "A panic no run hears"),
 * so a goroutine's panic that no Go.run hears (one after main returned, while the JVM exits, or in
 * a goroutine a platform thread started) ends the program with status 2 too, and the exit with 0
 * waits for a panic being reported, as Go's runtime.main.
 *
 * Goroutine dump on demand: Go prints every goroutine's stack on SIGQUIT. The JVM keeps SIGQUIT for
 * its own thread dump (it refuses a handler even with -Xrs), so the launcher prints Go's dump on
 * SIGUSR1 and the program goes on. SIGUSR2 is left alone because HotSpot uses it internally on Linux;
 * where there is no SIGUSR1 (Windows) there is no trigger.
 *
 * Where it lives: an application of the runtime, so it uses the public API (Go.run,
 * Go.gomaxprocs, Go.stack for the dump), and Linkname only for the process's exit, from a package of its own at the top of the house
 * (docs/design.md): not in dev.gort.runtime, which would then import dev.gort.Go back up, and not
 * in an exported package, as it is not API. Traceback elides its frames as the runtime's.
 *
 * Rejected: loading the program with a URLClassLoader inside the CLI's JVM (what gort run did): the
 * context class loader and ServiceLoader cannot see the program, the CLI's libraries shadow the
 * program's, and `-cp dir/*` wildcards are the java launcher's to expand. Using `java`'s own
 * main-class launch with an agent hook: the JVM calls main on the platform main thread, which cannot
 * become a goroutine.
 */
/** The main class of the JVM that {@code gort run} starts (see the essay above). Not API. */
public final class Launcher {
    private Launcher() {}

    /** The signal that prints the goroutine dump. */
    private static final String DUMP_SIGNAL = "USR1";

    /**
     * The program JVM's entry, as gort run calls it:
     * {@code [--procs N] [--source-classes DIR] [--] MainClass args...}. Exits the JVM with Go's status.
     */
    public static void main(String[] args) {
        int i = 0, procs = 0;
        Path sourceClasses = null;
        options:
        while (i < args.length) {
            switch (args[i]) {
                case "--procs" -> {
                    procs = Integer.parseInt(args[i + 1]);
                    i += 2;
                }
                case "--source-classes" -> {
                    sourceClasses = Path.of(args[i + 1]);
                    i += 2;
                }
                case "--" -> {
                    i++;
                    break options;
                }
                default -> {
                    break options; // the main class
                }
            }
        }
        if (i >= args.length) {
            System.err.println("gort run: no main class given");
            System.exit(1);
        }
        ClassLoader cl = ClassLoader.getSystemClassLoader();
        if (sourceClasses != null) {
            cl = SourceClassLoader.load(sourceClasses);
            Thread.currentThread().setContextClassLoader(cl); // goroutines inherit it, as java File.java's
        }
        String name = args[i];
        String[] argv = Arrays.copyOfRange(args, i + 1, args.length);
        Runnable main;
        try {
            main = mainOf(name, argv, cl);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(1);
            return;
        }
        installDumpSignal();
        Linkname.processMode(); // a panic no run hears ends the program with status 2
        if (procs > 0) {
            Go.gomaxprocs(procs);
        }
        int status = 0;
        try {
            Go.run(main);
        } catch (RuntimeException | Error e) {
            status = 2; // a panic or a FatalError: already reported on stderr in Go's format
        }
        Linkname.exit(status); // waits for a panic being reported, which exits 2 (flushes both streams)
    }

    /**
     * The body of the main goroutine: initialise the class, make the instance for an instance main,
     * call main. Throws IllegalArgumentException (one line, for the user) if the class cannot be
     * loaded or has no main method.
     */
    static Runnable mainOf(String mainClass, String[] argv, ClassLoader cl) {
        Class<?> c;
        Method m;
        String name = mainClass.replace('/', '.'); // java accepts com/example/Main too (LauncherHelper)
        try {
            c = Class.forName(name, false, cl);
            m = findMain(c);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("gort run: class " + name + " not found on the class path "
                    + userClassPath());
        } catch (LinkageError e) {
            throw new IllegalArgumentException("gort run: cannot load class " + name + ": " + e);
        }
        if (m == null) {
            throw new IllegalArgumentException("gort run: " + name
                    + " has no main method (declare static void main(String[] args), or void main() as of Java 25)");
        }
        Constructor<?> ctor = null;
        if (!Modifier.isStatic(m.getModifiers())) {
            if (Modifier.isAbstract(c.getModifiers()) || c.isInterface()) {
                throw new IllegalArgumentException("gort run: " + name + " is abstract: it cannot be instantiated for its instance main");
            }
            try {
                ctor = c.getDeclaredConstructor();
            } catch (NoSuchMethodException e) {
                ctor = null;
            }
            if (ctor == null || Modifier.isPrivate(ctor.getModifiers())) {
                throw new IllegalArgumentException("gort run: " + name
                        + " has an instance main but no non-private constructor without parameters");
            }
            ctor.setAccessible(true);
        }
        m.setAccessible(true);
        Constructor<?> newInstance = ctor;
        boolean withArgs = m.getParameterCount() == 1;
        return () -> {
            try {
                Class.forName(name, true, cl); // static initialisers run in the main goroutine, as Go's init
                Object target = newInstance != null ? newInstance.newInstance() : null;
                if (withArgs) {
                    m.invoke(target, (Object) argv);
                } else {
                    m.invoke(target);
                }
            } catch (InvocationTargetException e) {
                throw sneaky(e.getCause());
            } catch (ExceptionInInitializerError e) {
                throw sneaky(e.getCause() != null ? e.getCause() : e);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    /** The class path without gort-core's own entry, which gort run puts first. */
    private static String userClassPath() {
        String[] cp = System.getProperty("java.class.path").split(File.pathSeparator);
        return cp.length > 1 ? String.join(File.pathSeparator, Arrays.copyOfRange(cp, 1, cp.length)) : "";
    }

    /**
     * JEP 512's choice: a non-private {@code main(String[])}, else a non-private {@code main()},
     * declared by the class or inherited from a superclass or (public) from an interface; null if none.
     */
    static Method findMain(Class<?> c) {
        for (Class<?>[] params : new Class<?>[][] {{String[].class}, {}}) {
            for (Class<?> k = c; k != null; k = k.getSuperclass()) {
                try {
                    Method m = k.getDeclaredMethod("main", params);
                    if (!Modifier.isPrivate(m.getModifiers()) && m.getReturnType() == void.class) {
                        return m;
                    }
                } catch (NoSuchMethodException e) {
                    // look further up
                }
            }
            try {
                Method m = c.getMethod("main", params); // default methods of interfaces
                if (m.getReturnType() == void.class) {
                    return m;
                }
            } catch (NoSuchMethodException e) {
                // none with these parameters
            }
        }
        return null;
    }

    /** SIGUSR1 prints Go's all-goroutine dump (see the essay); silently absent where unsupported. */
    @SuppressWarnings("removal")
    static void installDumpSignal() {
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

    /**
     * The classes gort run compiled from a source file, held in memory as java's source launcher
     * holds them (its MemoryClassLoader): read from the directory gort run compiled them into, which
     * is deleted at once, so nothing is left behind however the JVM ends (the race detector's exit
     * hook halts it, skipping other hooks). The parent is the system class loader: the program's
     * class path and gort-core stay visible.
     */
    private static final class SourceClassLoader extends ClassLoader {
        static {
            registerAsParallelCapable();
        }

        /** Binary name to class file; read-only after construction. */
        private final Map<String, byte[]> classes;

        private SourceClassLoader(Map<String, byte[]> classes) {
            super("gort-run-source", ClassLoader.getSystemClassLoader());
            this.classes = classes;
        }

        static SourceClassLoader load(Path dir) {
            Map<String, byte[]> classes = new HashMap<>();
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path f : s.filter(p -> p.toString().endsWith(".class")).toList()) {
                    String rel = dir.relativize(f).toString();
                    classes.put(rel.substring(0, rel.length() - ".class".length()).replace(File.separatorChar, '.'),
                            Files.readAllBytes(f));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("gort run: cannot read the compiled classes in " + dir, e);
            } finally {
                deleteTree(dir);
            }
            return new SourceClassLoader(classes);
        }

        /**
         * The source file's own classes first, as java's MemoryClassLoader: a stale compiled copy
         * of the same class on the class path (javac'd earlier into ".") must not win over the
         * source being run.
         */
        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!classes.containsKey(name)) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    byte[] b = classes.get(name);
                    c = defineClass(name, b, 0, b.length);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            throw new ClassNotFoundException(name); // loadClass defines the source's own classes
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temporary directory
        }
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
        throw (E) t;
    }
}
