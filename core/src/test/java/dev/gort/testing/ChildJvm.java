package dev.gort.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a small named program in a child JVM, as Go's testprog does: same JDK and test class path,
 * gort's --add-opens flag unless told otherwise, the serial GC (one GC thread: children are small
 * and the machine is shared), bounded in time. The one copy for every module: core's test-jar
 * ships this class, and the agent's tests use it from there.
 */
public final class ChildJvm {
    private ChildJvm() {}

    /** What the child did. */
    public record Result(int exit, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit=" + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    /** The child's command line, for callers that talk to the process while it runs. */
    public static ProcessBuilder builder(boolean opens, List<String> jvmArgs, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (opens) {
            cmd.add("--add-opens");
            cmd.add("java.base/java.lang=ALL-UNNAMED");
        }
        cmd.add("-XX:+UseSerialGC");
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    /**
     * The parent's class path, and its module path's entries after it: a test run on the module
     * path (core's module-path execution, which a class named with -Dtest also runs in) has gort
     * and the test classes there, and the child runs them all in the unnamed module.
     */
    private static String classPath() {
        List<String> cp = new ArrayList<>();
        for (String prop : List.of("java.class.path", "jdk.module.path")) {
            String v = System.getProperty(prop);
            if (v != null && !v.isEmpty()) {
                cp.add(v);
            }
        }
        return String.join(File.pathSeparator, cp);
    }

    /** Runs the program to completion (at most 60 s) and returns its exit status and output. */
    public static Result run(boolean opens, List<String> jvmArgs, String mainClass, String... args)
            throws IOException, InterruptedException {
        return run(60, opens, jvmArgs, mainClass, args);
    }

    /**
     * Runs the program to completion and returns its exit status and output. A child still running
     * after timeoutSeconds is killed, and the assertion error carries everything it printed.
     */
    public static Result run(long timeoutSeconds, boolean opens, List<String> jvmArgs, String mainClass, String... args)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("gort-child", ".out"), err = Files.createTempFile("gort-child", ".err");
        try {
            Process p = builder(opens, jvmArgs, mainClass, args)
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("child JVM " + mainClass + " did not finish in " + timeoutSeconds + " s:\n"
                        + new Result(-1, Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8)));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
