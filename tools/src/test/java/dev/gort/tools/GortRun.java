package dev.gort.tools;

import picocli.CommandLine;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs programs as {@code gort run} does: {@link #command} is the program JVM's command line that
 * RunCommand hands the ./gort script to exec; {@link #script} runs the script itself.
 */
final class GortRun {
    private GortRun() {}

    /** One finished process: status, stdout, stderr. */
    record Result(int status, String out, String err) {
        @Override
        public String toString() {
            return "status " + status + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** The program JVM's command line for {@code gort run ARGS}. */
    static List<String> command(String... runArgs) throws Exception {
        CommandLine cli = GortCli.commandLine();
        List<String> all = new ArrayList<>();
        all.add("run");
        all.addAll(List.of(runArgs));
        cli.parseArgs(all.toArray(new String[0]));
        RunCommand run = cli.getSubcommands().get("run").getCommand();
        return run.command();
    }

    /** Where the test programs (dev.gort.testprog) are: the test classes directory. */
    static String testClasses() {
        try {
            return Path.of(dev.gort.testprog.NestedRun.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The ./gort script of this checkout (the tests run in tools/). */
    static Path script() {
        Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath().resolveSibling("gort");
        if (!Files.isExecutable(p)) {
            throw new IllegalStateException("no executable ./gort at " + p);
        }
        return p;
    }

    /** Runs cmd to completion (at most 60 s) in dir (null: the current one), with extra environment. */
    static Result run(List<String> cmd, Path dir, Map<String, String> env) throws IOException, InterruptedException {
        Path out = Files.createTempFile("gort-run", ".out"), err = Files.createTempFile("gort-run", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            if (dir != null) {
                pb.directory(dir.toFile());
            }
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                // leave evidence: the goroutine dump (SIGUSR1) and the JVM's thread dump (SIGQUIT)
                new ProcessBuilder("kill", "-USR1", Long.toString(p.pid())).start().waitFor();
                new ProcessBuilder("kill", "-QUIT", Long.toString(p.pid())).start().waitFor();
                Thread.sleep(1000);
                p.destroyForcibly().waitFor();
                fail(cmd + " did not end within 60 s\n--- stdout\n" + Files.readString(out) + "--- stderr\n" + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static Result run(List<String> cmd) throws IOException, InterruptedException {
        return run(cmd, null, Map.of());
    }

    /** {@code gort run ARGS} as the script would exec it. */
    static Result gortRun(String... runArgs) throws Exception {
        return run(command(runArgs));
    }
}
