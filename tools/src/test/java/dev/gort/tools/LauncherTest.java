package dev.gort.tools;

import dev.gort.Go;
import dev.gort.tools.GortRun.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.ToolProvider;
import java.io.File;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * gort run as a launcher, end to end: each test runs the program JVM that gort run execs (or the
 * ./gort script itself) and checks its exit status and output.
 */
@Timeout(180)
class LauncherTest {
    private static final String ASLEEP = "fatal error: all goroutines are asleep - deadlock!\n\n";
    private static final String PROG = "dev.gort.testprog.";

    private static String core() throws Exception {
        return Path.of(Go.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    /** Compiles the sources (name -> text) in src against gort-core into classes; fails on errors. */
    private static void javac(Path src, Path classes, Map<String, String> sources) throws Exception {
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-cp", core()));
        for (var e : sources.entrySet()) {
            Path f = src.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue());
            args.add(f.toString());
        }
        assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null, args.toArray(new String[0])));
    }

    private static void jar(Path classes, Path jar) throws Exception {
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(os);
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                j.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
                j.write(Files.readAllBytes(f));
                j.closeEntry();
            }
        }
    }

    @Test
    void jarWithServiceLoaderAndResourcesOnAWildcardClassPath(@TempDir Path dir) throws Exception {
        Path classes = Files.createDirectories(dir.resolve("classes")), lib = Files.createDirectories(dir.resolve("lib"));
        javac(dir.resolve("src"), classes, Map.of(
                "app/Greeter.java", "package app; public interface Greeter { String greet(); }",
                "app/English.java", "package app; public class English implements Greeter { public String greet() { return \"hello\"; } }",
                "app/Main.java", """
                        package app;
                        import java.util.ServiceLoader;
                        public class Main {
                            public static void main(String[] args) throws Exception {
                                for (Greeter g : ServiceLoader.load(Greeter.class)) System.out.println("service " + g.greet());
                                var r = Thread.currentThread().getContextClassLoader().getResource("app/greeting.txt");
                                System.out.println("resource " + new String(r.openStream().readAllBytes()).trim());
                                System.out.println("goroutine " + dev.gort.Go.goid());
                            }
                        }
                        """));
        Files.createDirectories(classes.resolve("META-INF/services"));
        Files.writeString(classes.resolve("META-INF/services/app.Greeter"), "app.English\n");
        Files.writeString(classes.resolve("app/greeting.txt"), "from the jar\n");
        jar(classes, lib.resolve("app.jar"));
        Result r = GortRun.gortRun("-cp", lib + File.separator + "*", "app.Main");
        assertEquals(0, r.status(), r.toString());
        assertEquals("service hello\nresource from the jar\ngoroutine 1\n", r.out(), r.toString());
    }

    @Test
    void programSeesItsArgumentsJvmOptionsAndTheSystemClassLoaderButNotGortsLibraries() throws Exception {
        Result r = GortRun.gortRun("--procs", "3", "-J-Dgort.test.opt=42", "--jvm-arg", "-Xmx97m",
                "-cp", GortRun.testClasses(), PROG + "LaunchEnv", "--procs", "-v", "x y");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().startsWith("args=--procs,-v,x y\ngoid=1 procs=3\nopt=42\njvm=["), r.toString());
        assertTrue(r.out().contains("-Xmx97m"), r.toString());
        assertTrue(r.out().endsWith("ccl=true loader=true\npicocli=false\n"), r.toString());
    }

    @Test
    void instanceMainWithoutParameters() throws Exception {
        Result r = GortRun.gortRun("-cp", GortRun.testClasses(), PROG + "InstanceMain");
        assertEquals(0, r.status(), r.toString());
        assertEquals("instance main goid=1\n", r.out(), r.toString());
        // java also takes the class name with slashes
        r = GortRun.gortRun("-cp", GortRun.testClasses(), (PROG + "InstanceMain").replace('.', '/'));
        assertEquals(0, r.status(), r.toString());
        assertEquals("instance main goid=1\n", r.out(), r.toString());
    }

    /** As java -jar: the manifest's Main-Class runs with the jar as its class path, -cp ignored, every word after JAR an argument. */
    @Test
    void dashJarRunsTheManifestsMainClass(@TempDir Path dir) throws Exception {
        Path classes = Files.createDirectories(dir.resolve("classes"));
        Path src = Files.writeString(dir.resolve("Hello.java"), """
                public class Hello {
                    public static void main(String[] a) {
                        System.out.println("hello " + String.join(",", a) + " goid=" + dev.gort.Go.goid());
                    }
                }
                """);
        assertEquals(0, javax.tools.ToolProvider.getSystemJavaCompiler().run(null, null, null,
                "-cp", System.getProperty("java.class.path"), "-d", classes.toString(), src.toString()));
        Path jar = dir.resolve("app.jar");
        java.util.jar.Manifest mf = new java.util.jar.Manifest();
        mf.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().put(java.util.jar.Attributes.Name.MAIN_CLASS, "Hello");
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar), mf)) {
            out.putNextEntry(new java.util.jar.JarEntry("Hello.class"));
            out.write(Files.readAllBytes(classes.resolve("Hello.class")));
            out.closeEntry();
        }
        Result r = GortRun.gortRun("-cp", "/no/such/dir", "-jar", jar.toString(), "a", "-b");
        assertEquals(0, r.status(), r.toString());
        assertEquals("hello a,-b goid=1\n", r.out(), r.toString());

        Path plain = dir.resolve("plain.jar");
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(plain))) {
            out.putNextEntry(new java.util.jar.JarEntry("x.txt"));
            out.closeEntry();
        }
        r = GortRun.run(List.of(GortRun.script().toString(), "run", "-jar", plain.toString()), null,
                Map.of("GORT_NO_BUILD", "1", "JAVA_HOME", System.getProperty("java.home")));
        assertEquals(1, r.status(), r.toString());
        assertEquals("no main manifest attribute, in " + plain + "\n", r.err(), r.toString());
    }

    /**
     * JAVA_TOOL_OPTIONS is the program's, as with java: the program's JVM picks it up once, and
     * gort's helper JVMs (the JDK probe, the CLI) not at all.
     */
    @Test
    void javaToolOptionsReachTheProgramOnly() throws Exception {
        Map<String, String> env = Map.of("GORT_NO_BUILD", "1", "JAVA_HOME", System.getProperty("java.home"),
                "JAVA_TOOL_OPTIONS", "-Dgort.test.tool=yes");
        Result r = GortRun.run(List.of(GortRun.script().toString(), "run", "-cp", GortRun.testClasses(),
                PROG + "InstanceMain"), null, env);
        assertEquals(0, r.status(), r.toString());
        assertEquals("instance main goid=1\n", r.out(), r.toString());
        assertEquals(1, r.err().split("Picked up JAVA_TOOL_OPTIONS", -1).length - 1, r.toString());
    }

    /** As java's source launcher: -J--enable-preview reaches javac too (StructuredTaskScope is a preview API in 25). */
    @Test
    void aSourceFileUsingAPreviewApiRunsWithEnablePreview(@TempDir Path dir) throws Exception {
        Path src = Files.writeString(dir.resolve("Preview.java"), """
                import java.util.concurrent.StructuredTaskScope;
                public class Preview {
                    public static void main(String[] a) throws Exception {
                        try (var s = StructuredTaskScope.open()) {
                            var t = s.fork(() -> "x");
                            s.join();
                            System.out.println("preview " + t.get());
                        }
                    }
                }
                """);
        Result r = GortRun.gortRun("-J--enable-preview", src.toString());
        assertEquals(0, r.status(), r.toString());
        assertEquals("preview x\n", r.out(), r.toString());
    }

    /** As java's source launcher: the source file's classes win over a stale compiled copy on the class path. */
    @Test
    void aSourceFileRunsItselfNotAStaleClassBesideIt(@TempDir Path dir) throws Exception {
        Path old = Files.createDirectories(dir.resolve("old"));
        Path oldSrc = Files.writeString(old.resolve("Hello.java"),
                "public class Hello { public static void main(String[] a) { System.out.println(\"old\"); } }\n");
        assertEquals(0, javax.tools.ToolProvider.getSystemJavaCompiler().run(null, null, null,
                "-d", dir.toString(), oldSrc.toString()));
        Path hello = Files.writeString(dir.resolve("Hello.java"),
                "public class Hello { public static void main(String[] a) { System.out.println(\"new\"); } }\n");
        Result r = GortRun.gortRun("-cp", dir.toString(), hello.toString());
        assertEquals(0, r.status(), r.toString());
        assertEquals("new\n", r.out(), r.toString());
    }

    @Test
    void sourceFileWithInstanceMainAndAHelperFromItsSourceTree(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("Helper.java"), "class Helper { static String name() { return \"helper\"; } }\n");
        Path hello = Files.writeString(dir.resolve("Hello.java"), """
                import dev.gort.Go;
                import dev.gort.chan.Chan;

                void main(String[] args) {
                    Chan<String> c = Chan.make();
                    Go.go(() -> c.send(Helper.name()));
                    IO.println("hello " + c.recv() + " " + String.join(",", args) + " goid=" + Go.goid());
                    IO.println("ccl=" + (Thread.currentThread().getContextClassLoader() == getClass().getClassLoader()));
                }
                """);
        List<String> cmd = GortRun.command(hello.toString(), "a", "b");
        Path classes = Path.of(cmd.get(cmd.indexOf("--source-classes") + 1)); // this run's, not another's in the same tmpdir
        assertTrue(Files.isDirectory(classes), "compiled into " + classes);
        Result r = GortRun.run(cmd);
        assertEquals(0, r.status(), r.toString());
        assertEquals("hello helper a,b goid=1\nccl=true\n", r.out(), r.toString());
        assertFalse(Files.exists(classes), "the compiled classes are not left behind: " + classes);
        // a file in a package: its source tree's root is found from the package name
        Path pkg = Files.createDirectories(dir.resolve("src/com/example"));
        Files.writeString(pkg.resolve("Util.java"), "package com.example; class Util { static int n() { return 7; } }\n");
        Path main = Files.writeString(pkg.resolve("App.java"), """
                package com.example;
                public class App { public static void main(String[] args) { System.out.println("n=" + Util.n()); } }
                class Second { }
                """);
        r = GortRun.gortRun(main.toString());
        assertEquals(0, r.status(), r.toString());
        assertEquals("n=7\n", r.out(), r.toString());
    }

    @Test
    void sourceFileThatDoesNotCompile(@TempDir Path dir) throws Exception {
        Path bad = Files.writeString(dir.resolve("Bad.java"), "class Bad { void main() { int x = \"s\"; } }\n");
        Result r = GortRun.run(List.of("bash", GortRun.script().toString(), "run", bad.toString()), null,
                Map.of("GORT_NO_BUILD", "1"));
        assertEquals(1, r.status(), r.toString());
        assertTrue(r.err().contains("Bad.java:1: error: incompatible types"), r.toString());
        assertTrue(r.err().endsWith("error: compilation failed\n"), r.toString());
    }

    @Test
    void nestedRunDeadlockOnAChannelIsGosDeadlock() throws Exception {
        Result r = GortRun.gortRun("-cp", GortRun.testClasses(), PROG + "NestedRun", "chan");
        assertEquals(2, r.status(), r.toString());
        assertTrue(r.err().startsWith(ASLEEP + "goroutine 1 [chan receive]:\ndev.gort.testprog.NestedRun.lambda$main$"), r.toString());
        assertFalse(r.err().contains("jdk park"), r.toString());
    }

    @Test
    void nestedRunDeadlockOnAMutexIsGosDeadlock() throws Exception {
        Result r = GortRun.gortRun("-cp", GortRun.testClasses(), PROG + "NestedRun", "mutex");
        assertEquals(2, r.status(), r.toString());
        assertTrue(r.err().startsWith(ASLEEP + "goroutine 1 [sync.Mutex.Lock]:\n"), r.toString());
        assertEquals(1, count(r.err(), "\ngoroutine "), r.toString());
    }

    @Test
    void nestedRunPanicInMainIsReportedOnceAsGoroutineOne() throws Exception {
        Result r = GortRun.gortRun("-cp", GortRun.testClasses(), PROG + "NestedRun", "panic");
        assertEquals(2, r.status(), r.toString());
        assertTrue(r.err().startsWith("panic: java.lang.IllegalStateException: boom in main\n\ngoroutine 1 [running]:\n"
                + "dev.gort.testprog.NestedRun.boom(...)\n"), r.toString());
        assertEquals(1, count(r.err(), "panic: "), r.toString());
    }

    @Test
    void nestedRunPanicInAGoroutineIsReportedOnce() throws Exception {
        Result r = GortRun.gortRun("-cp", GortRun.testClasses(), PROG + "NestedRun", "gopanic");
        assertEquals(2, r.status(), r.toString());
        assertTrue(Pattern.compile("^panic: java\\.lang\\.IllegalStateException: boom in a goroutine\n\ngoroutine 2 \\[running\\]:\n"
                + "dev\\.gort\\.testprog\\.NestedRun\\.boom\\(\\.\\.\\.\\)\n(?s).*created by dev\\.gort\\.testprog\\.NestedRun\\.lambda\\$main\\$\\d+ in goroutine 1\n")
                .matcher(r.err()).find(), r.toString());
        assertEquals(1, count(r.err(), "panic: "), r.toString());
    }

    @Test
    void sigusr1DumpShowsTheNestedMainAsGoroutineOneWhereItWaits(@TempDir Path dir) throws Exception {
        if (File.separatorChar != '/') {
            return; // no SIGUSR1 on Windows: documented
        }
        Path out = dir.resolve("out"), err = dir.resolve("err");
        Process p = new ProcessBuilder(GortRun.command("--procs", "2", "-cp", GortRun.testClasses(), PROG + "NestedDump"))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(out).contains("ready")) {
                assertTrue(p.isAlive() && System.nanoTime() < deadline, "no ready line: " + Files.readString(err));
                Thread.sleep(20);
            }
            Process kill = new ProcessBuilder("kill", "-USR1", Long.toString(p.pid())).start();
            assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -USR1 failed");
            while (!Files.readString(err).contains("\ngoroutine 2 ")) {
                assertTrue(p.isAlive() && System.nanoTime() < deadline, "no dump: " + Files.readString(err));
                Thread.sleep(20);
            }
            p.getOutputStream().close();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), Files.readString(err));
            String e = Files.readString(err);
            // main printed "ready" just before entering the syscall: the signal may catch it still running
            assertTrue(Pattern.compile("^SIGUSR1: goroutine dump\n\ngoroutine 1 \\[(syscall|running)\\]:\n"
                    + "(?:.*\n\t.*\n)*?dev\\.gort\\.testprog\\.NestedDump\\.lambda\\$main\\$").matcher(e).find(), e);
            assertTrue(e.contains("\n\ngoroutine 2 [chan receive]:\n"), e);
            assertFalse(e.contains("jdk park"), e);
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Test
    void traceAtExitNamesTheFileToView(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("run.trace");
        Result r = GortRun.gortRun("--trace", trace.toString(), "-cp", GortRun.testClasses(), PROG + "InstanceMain");
        assertEquals(0, r.status(), r.toString());
        assertTrue(Files.size(trace) > 0, r.toString());
        assertTrue(r.err().contains("(view it: gort trace " + trace.toAbsolutePath() + ")\n"), r.toString());
    }

    /** The ./gort script through a symlink, as from ~/bin: help, a run, and one-line errors. */
    @Test
    void symlinkedLauncherRunsAndRejectsBadUsageInOneLine(@TempDir Path dir) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path link = Files.createSymbolicLink(bin.resolve("gort"), GortRun.script());
        Files.createSymbolicLink(bin.resolve("gort2"), bin.relativize(link)); // a relative link to the link
        Map<String, String> env = Map.of("GORT_NO_BUILD", "1", "JAVA_HOME", System.getProperty("java.home"));
        String cp = GortRun.testClasses();

        Result r = GortRun.run(List.of(bin.resolve("gort2").toString(), "help"), dir, env);
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("gort run [OPTIONS] MainClass|File.java"), r.toString());

        r = GortRun.run(List.of(link.toString(), "run", "--help"), dir, env);
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().startsWith("Usage: gort run "), r.toString());
        assertTrue(r.out().contains("--jvm-arg"), r.toString());

        for (List<String> help : List.of(List.of("help", "trace"), List.of("trace", "--help"), List.of("help", "run"))) {
            List<String> cmd = new ArrayList<>(List.of(link.toString()));
            cmd.addAll(help);
            r = GortRun.run(cmd, dir, env);
            assertEquals(0, r.status(), r.toString());
            assertTrue(r.out().startsWith("Usage: gort " + (help.get(0).equals("help") ? help.get(1) : help.get(0)) + " "), r.toString());
        }

        r = GortRun.run(List.of(link.toString(), "run", "-cp", cp, PROG + "InstanceMain"), dir, env);
        assertEquals(0, r.status(), r.toString());
        assertEquals("instance main goid=1\n", r.out(), r.toString());

        r = GortRun.run(List.of(link.toString(), "run", "--procs", "-3", "-cp", cp, PROG + "InstanceMain"), dir, env);
        assertEquals(2, r.status(), r.toString());
        assertEquals("gort run: --procs must be at least 1 (it sets GOMAXPROCS), not -3 (see gort run --help)\n", r.err(), r.toString());

        r = GortRun.run(List.of(link.toString(), "run", "--bogus", PROG + "InstanceMain"), dir, env);
        assertEquals(2, r.status(), r.toString());
        assertEquals("gort run: Unknown option: '--bogus' (see gort run --help)\n", r.err(), r.toString());

        r = GortRun.run(List.of(link.toString(), "run", "--procs", "many", PROG + "InstanceMain"), dir, env);
        assertEquals(2, r.status(), r.toString());
        assertEquals(1, count(r.err(), "\n"), r.toString());
        assertTrue(r.err().startsWith("gort run: Invalid value for option '--procs': 'many' is not an int"), r.toString());

        r = GortRun.run(List.of(link.toString(), "run", "-cp", cp, PROG + "NoSuchProgram"), dir, env);
        assertEquals(1, r.status(), r.toString());
        assertEquals("gort run: class dev.gort.testprog.NoSuchProgram not found on the class path " + cp + "\n", r.err(), r.toString());

        r = GortRun.run(List.of(link.toString(), "run", "Missing.java"), dir, env);
        assertEquals(2, r.status(), r.toString());
        assertEquals("gort run: Missing.java: no such source file (see gort run --help)\n", r.err(), r.toString());
    }

    @Test
    void classWithoutMainIsOneLineAndStatusOne() throws Exception {
        Result r = GortRun.gortRun("-cp", GortRun.testClasses(), "dev.gort.Go");
        assertEquals(1, r.status(), r.toString());
        assertEquals("gort run: dev.gort.Go has no main method (declare static void main(String[] args),"
                + " or void main() as of Java 25)\n", r.err(), r.toString());
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
