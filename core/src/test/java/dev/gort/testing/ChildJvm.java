package dev.gort.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a small named program in a child JVM, as Go's testprog does: same JDK and test class path,
 * gort's --add-opens flag unless told otherwise, bounded in time.
 */
public final class ChildJvm {
    private ChildJvm() {}

    /** What the child did. */
    public record Result(int exit, String stdout, String stderr) {}

    public static ProcessBuilder builder(boolean opens, List<String> jvmArgs, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (opens) {
            cmd.add("--add-opens");
            cmd.add("java.base/java.lang=ALL-UNNAMED");
        }
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    /** Runs the program to completion (at most 60 s) and returns its exit status and output. */
    public static Result run(boolean opens, List<String> jvmArgs, String mainClass, String... args)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("gort-child", ".out"), err = Files.createTempFile("gort-child", ".err");
        try {
            Process p = builder(opens, jvmArgs, mainClass, args)
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError(mainClass + " did not finish in 60 s; stderr:\n" + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
