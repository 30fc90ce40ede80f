package dev.gort.tools;

import dev.gort.testprog.Echo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** gort run's options in-process (the crash programs, which end their JVM, are in DeadlockProgramsTest). */
@Timeout(30)
class RunCommandTest {
    @Test
    void runsMainAsAGoroutineWithArgsAndTraceProperty(@TempDir Path dir) {
        String old = System.getProperty("gort.trace");
        String trace = dir.resolve("out.trace").toString(); // the tracer (another branch) may write it
        try {
            int status = new CommandLine(new GortCli()).execute("run", "--procs", "2", "--trace", trace,
                    Echo.class.getName(), "a", "b");
            assertEquals(0, status);
            assertEquals("a,b trace=" + trace, Echo.seen.replaceAll(" goid=[1-9]\\d*$", ""), Echo.seen);
        } finally {
            if (old == null) {
                System.clearProperty("gort.trace");
            } else {
                System.setProperty("gort.trace", old);
            }
        }
    }
}
