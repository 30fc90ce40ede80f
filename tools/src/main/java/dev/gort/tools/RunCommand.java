package dev.gort.tools;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.JavacTask;
import dev.gort.Go;
import dev.gort.launcher.Launcher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * {@code gort run [options] MainClass|File.java [args...]}: Go's {@code go run}. It starts the
 * program in a JVM of its own, the way {@code java} does, with the program's {@code main} as the
 * main goroutine (see {@link Launcher} for what happens in that JVM, the exit statuses and the
 * SIGUSR1 dump).
 *
 * <p>Design: this command runs in the CLI's JVM (picocli and the trace tools on its class path),
 * checks the options, compiles a source file if given one, and builds the program JVM's command
 * line: {@code java <gort's --add-opens> [agent] [-D...] <JVM options> -cp <gort-core>:<class path>
 * dev.gort.launcher.Launcher ... MainClass args}. Started by the {@code ./gort} script (which sets
 * {@code GORT_EXEC_FILE}), it writes that command line to the file, NUL-separated, and the script
 * {@code exec}s it, so the program's JVM replaces the script's process: its pid is the one the user
 * sees (for {@code kill -USR1}), signals and exit status are its own, and no JVM waits in between.
 * Started otherwise ({@code java -cp ... dev.gort.tools.GortCli run ...}), it runs the program JVM as a
 * child with inherited I/O and returns its exit status. This is jbang's scheme; the cost is one short
 * JVM start before the program's.
 *
 * <p>Rejected: parsing the options in the bash script (a second, untested parser, and no picocli
 * help); loading the program with a class loader in this JVM (the old gort run: the context class
 * loader, resources and ServiceLoader missed the program, and picocli and Jackson shadowed the
 * program's copies).
 *
 * <p>Source-file mode, as {@code java File.java} (JEP 330, 458, 512): the file is compiled with the
 * JDK's compiler (javax.tools) into a temporary directory, with its source tree (the file's directory,
 * adjusted for its package) as the source path so that the classes it uses from other files are
 * compiled too; the first top-level class of the file (or its implicit class) is the main class. The
 * program JVM's launcher reads the classes into memory and deletes the directory at once, and runs
 * them from a class loader over the system class loader, also the context class loader, as
 * {@code java File.java} does.
 *
 * <p>Bad usage (an unknown option, {@code --procs -3}, a missing source file) prints one line and
 * exits with status 2, as Go's flag package and picocli do; a compilation error exits with 1, as
 * {@code java File.java} does.
 */
@Command(name = "run", sortOptions = false,
        description = {"Run a program as Go's go run does: MainClass (found on the class path) or File.java (compiled"
                + " first, as java File.java), its main method (static main(String[]), or Java 25's void main()) running"
                + " as the main goroutine (goroutine 1) in a JVM of its own, with the class path as its system class path.",
                "",
                "Exit status: 0 main returned; 1 class not found, no main method, or compilation failed; 2 panic or fatal"
                + " error (deadlock), or bad usage; 66 data race found (-race).",
                "kill -USR1 <pid> prints every goroutine's stack (Go's SIGQUIT dump; the JVM keeps SIGQUIT).",
                ""},
        footer = {"", "Examples:",
                "  gort run -cp 'app.jar:lib/*' com.example.Main arg1 arg2",
                "  gort run -jar app.jar arg1 arg2",
                "  gort run --procs 2 -J-Xmx1g Hello.java",
                "  gort run -race --trace app.trace -cp target/classes com.example.Main"})
final class RunCommand implements Callable<Integer> {
    /** The environment variable through which the ./gort script asks for the command line to exec. */
    static final String EXEC_FILE_ENV = "GORT_EXEC_FILE";

    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
    boolean help;

    @Option(names = {"-race", "--race"}, description = "enable the race detector (gort's agent in race mode)")
    boolean race;

    @Option(names = "--procs", paramLabel = "N",
            description = "GOMAXPROCS, at least 1 (default: the GOMAXPROCS environment variable, else the CPU count)")
    Integer procs;

    @Option(names = "--schedtrace", paramLabel = "MS", description = "print a schedtrace line every MS milliseconds (MS >= 1)")
    Long schedtrace;

    @Option(names = "--trace", paramLabel = "FILE", description = "write an execution trace to FILE at exit (view it with gort trace FILE)")
    Path trace;

    @Option(names = {"-cp", "--class-path", "-classpath"}, paramLabel = "CP",
            description = "the program's class path: directories and jars separated by ':' (';' on Windows),"
                    + " 'dir/*' for every jar in dir (default: $CLASSPATH, else the current directory)")
    String classPath;

    @Option(names = {"-J", "--jvm-arg"}, paramLabel = "OPT",
            description = "pass OPT to the program's JVM, e.g. -J-Xmx1g or --jvm-arg -Dkey=value (repeatable)")
    List<String> jvmOptions = new ArrayList<>();

    @Option(names = "-jar", paramLabel = "JAR",
            description = "run the jar's Main-Class, as java -jar: the jar (and its manifest's Class-Path) is the class"
                    + " path, -cp is ignored, and every word after JAR is an argument for main")
    Path jar;

    @Parameters(index = "0", arity = "0..1", paramLabel = "MainClass|File.java",
            description = "the class whose main to run, or a source file (none with -jar)")
    String main;

    @Parameters(index = "1..*", paramLabel = "ARG", description = "arguments for main")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        List<String> cmd;
        try {
            cmd = command();
        } catch (CompilationFailed e) {
            System.err.println("error: compilation failed");
            return 1;
        } catch (NoMainClass e) {
            System.err.println(e.getMessage());
            return 1;
        }
        String execFile = System.getenv(EXEC_FILE_ENV);
        if (execFile != null && !execFile.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            for (String s : cmd) {
                sb.append(s).append('\0');
            }
            Files.writeString(Path.of(execFile), sb, StandardCharsets.UTF_8);
            return 0;
        }
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        Thread stop = new Thread(p::destroy, "gort-run-stop"); // our JVM is stopped: stop the program too
        Runtime.getRuntime().addShutdownHook(stop);
        int status = p.waitFor();
        Runtime.getRuntime().removeShutdownHook(stop);
        return status;
    }

    /** The program JVM's command line; throws ParameterException (one line) on bad usage. */
    List<String> command() throws IOException, CompilationFailed, NoMainClass {
        if (procs != null && procs < 1) {
            throw usage("--procs must be at least 1 (it sets GOMAXPROCS), not " + procs);
        }
        if (schedtrace != null && schedtrace < 1) {
            throw usage("--schedtrace must be at least 1 millisecond, not " + schedtrace);
        }
        for (String o : jvmOptions) {
            if (!o.startsWith("-")) {
                throw usage("JVM option '" + o + "' does not start with '-' (write -J-Xmx1g, --jvm-arg -Dk=v)");
            }
        }
        Path traceFile = null;
        if (trace != null) {
            traceFile = trace.toAbsolutePath().normalize();
            if (!Files.isDirectory(traceFile.getParent())) {
                throw usage("--trace " + trace + ": directory " + traceFile.getParent() + " does not exist");
            }
        }
        List<String> programArgs = new ArrayList<>(args);
        String mainName = main;
        List<String> path;
        if (jar != null) { // as java -jar: the jar is the class path, its manifest names the class
            if (main != null) {
                programArgs.add(0, main);
            }
            mainName = mainClassOf(jar);
            path = List.of(jar.toString());
        } else {
            if (main == null) {
                throw usage("missing MainClass|File.java (or -jar JAR)");
            }
            String cp = classPath != null ? classPath : System.getenv("CLASSPATH");
            path = expand(cp == null || cp.isEmpty() ? "." : cp);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-opens");
        cmd.add("java.base/java.lang=ALL-UNNAMED");
        if (race) {
            cmd.add("-javaagent:" + agentJar() + "=race");
        }
        if (schedtrace != null) {
            cmd.add("-Dgort.schedtrace=" + schedtrace);
        }
        if (traceFile != null) {
            cmd.add("-Dgort.trace=" + traceFile);
        }
        cmd.addAll(jvmOptions);
        List<String> launcherOptions = new ArrayList<>();
        if (procs != null) {
            launcherOptions.add("--procs");
            launcherOptions.add(procs.toString());
        }
        String mainClass = mainName;
        List<String> programPath = new ArrayList<>();
        programPath.add(location(Go.class).toString());
        if (jar == null && main.endsWith(".java")) {
            Path file = Path.of(main);
            if (!Files.isRegularFile(file)) {
                throw usage(main + ": no such source file");
            }
            Path classes = Files.createTempDirectory("gort-run-");
            try {
                mainClass = compile(file, classes, programPath.get(0), path);
            } catch (IOException | CompilationFailed | RuntimeException e) {
                deleteTree(classes);
                throw e;
            }
            launcherOptions.add("--source-classes");
            launcherOptions.add(classes.toString());
        }
        programPath.addAll(path);
        cmd.add("-cp");
        cmd.add(String.join(File.pathSeparator, programPath));
        cmd.add(Launcher.class.getName());
        cmd.addAll(launcherOptions);
        cmd.add("--");
        cmd.add(mainClass);
        cmd.addAll(programArgs);
        return cmd;
    }

    /** The jar's Main-Class, as java -jar reads it; java's message (status 1) if it has none or cannot be read. */
    private static String mainClassOf(Path jar) throws NoMainClass {
        try (JarFile jf = new JarFile(jar.toFile())) {
            Manifest mf = jf.getManifest();
            String m = mf == null ? null : mf.getMainAttributes().getValue(Attributes.Name.MAIN_CLASS);
            if (m == null || m.isBlank()) {
                throw new NoMainClass("no main manifest attribute, in " + jar);
            }
            return m.strip();
        } catch (IOException e) {
            throw new NoMainClass("Error: Unable to access jarfile " + jar);
        }
    }

    /** -jar names a jar without a Main-Class, or one that cannot be read: java's message, status 1. */
    static final class NoMainClass extends Exception {
        NoMainClass(String message) {
            super(message, null, false, false);
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /**
     * The class path's entries, with each {@code dir/*} replaced by the jars in dir (sorted by name;
     * the java launcher's rule: {@code *} alone is the jars of the current directory, and a
     * wildcard matches {@code .jar} and {@code .JAR} files only, not subdirectories).
     */
    static List<String> expand(String classPath) throws IOException {
        List<String> out = new ArrayList<>();
        for (String e : classPath.split(File.pathSeparator, -1)) {
            if (e.isEmpty()) {
                e = "."; // as java's application class path: an empty entry is the current directory
            }
            if (!e.equals("*") && !e.endsWith(File.separator + "*") && !e.endsWith("/*")) {
                out.add(e);
                continue;
            }
            Path dir = Path.of(e.length() == 1 ? "." : e.substring(0, e.length() - 2));
            if (!Files.isDirectory(dir)) {
                continue;
            }
            List<String> jars = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path j : ds) {
                    String n = j.getFileName().toString();
                    if ((n.endsWith(".jar") || n.endsWith(".JAR")) && Files.isRegularFile(j)) {
                        jars.add(j.toString());
                    }
                }
            }
            jars.sort(null);
            out.addAll(jars);
        }
        return out;
    }

    /** Where a class of gort's was loaded from: a jar, or a classes directory in a build. */
    private static Path location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The race agent: -Dgort.agent (the ./gort script sets it), else agent/target/gort-agent.jar
     * next to gort-core's build directory.
     */
    private Path agentJar() {
        String p = System.getProperty("gort.agent");
        Path jar = p != null ? Path.of(p)
                : location(Go.class).getParent().getParent().resolveSibling("agent").resolve("target").resolve("gort-agent.jar");
        if (!Files.isRegularFile(jar)) {
            throw usage("-race: the race detector's agent " + jar + " is not built (./gort run -race builds it)");
        }
        return jar;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** A source file did not compile; javac has printed why. */
    static final class CompilationFailed extends Exception {
        CompilationFailed() {
            super(null, null, false, false);
        }
    }

    /**
     * The JVM options that java's source launcher also hands to javac (JEP 330): --enable-preview
     * (with --release of this JDK), --add-modules, --add-exports, --add-reads, --limit-modules,
     * --module-path, in their one-word forms (-J--add-modules=M; -J takes one word).
     */
    static List<String> javacOptions(List<String> jvmOptions) {
        List<String> out = new ArrayList<>();
        for (String o : jvmOptions) {
            if (o.equals("--enable-preview")) {
                out.add("--enable-preview");
                out.add("--release");
                out.add(Integer.toString(Runtime.version().feature()));
            } else {
                for (String k : List.of("--add-modules=", "--add-exports=", "--add-reads=", "--limit-modules=",
                        "--module-path=")) {
                    if (o.startsWith(k)) {
                        out.add(k.substring(0, k.length() - 1));
                        out.add(o.substring(k.length()));
                    }
                }
            }
        }
        return out;
    }

    /** Compiles file (and what it uses from its source tree) into out; returns its main class's name. */
    private String compile(Path file, Path out, String core, List<String> path) throws IOException, CompilationFailed {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw usage(main + ": this Java runtime has no compiler (jdk.compiler); run gort on a JDK");
        }
        PrintWriter err = new PrintWriter(System.err, true);
        List<String> cp = new ArrayList<>();
        cp.add(core);
        cp.addAll(path);
        try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
            Iterable<? extends JavaFileObject> units = fm.getJavaFileObjects(file);
            JavacTask parse = (JavacTask) javac.getTask(err, fm, null, List.of("-proc:none"), null, units);
            CompilationUnitTree cu = parse.parse().iterator().next();
            String pkg = cu.getPackageName() != null ? cu.getPackageName().toString() : "";
            String first = null;
            for (Tree t : cu.getTypeDecls()) {
                if (t instanceof ClassTree c && !c.getSimpleName().isEmpty()) {
                    first = c.getSimpleName().toString();
                    break;
                }
            }
            if (first == null) {
                throw usage(main + ": no class declared in the file");
            }
            Path root = file.toAbsolutePath().getParent();
            for (int i = pkg.isEmpty() ? 0 : pkg.split("\\.").length; i > 0 && root.getParent() != null; i--) {
                root = root.getParent();
            }
            List<String> options = new ArrayList<>(List.of("-proc:none", "-Xlint:deprecation", "-Xdiags:verbose",
                    "-implicit:class", "-d", out.toString(), "-sourcepath", root.toString(),
                    "-cp", String.join(File.pathSeparator, cp)));
            options.addAll(javacOptions(jvmOptions));
            if (!javac.getTask(err, fm, null, options, null, units).call()) {
                throw new CompilationFailed();
            }
            return pkg.isEmpty() ? first : pkg + "." + first;
        }
    }
}
