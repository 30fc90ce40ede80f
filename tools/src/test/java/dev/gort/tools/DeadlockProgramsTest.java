package dev.gort.tools;

import dev.gort.tools.GortRun.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The crash programs of dev.gort.testprog, each run through {@code gort run} (the program JVM it
 * execs), as Go's runtime tests run testprog: the exit status and the report are checked end to end.
 */
@Timeout(120)
class DeadlockProgramsTest {
    private static final String ASLEEP = "fatal error: all goroutines are asleep - deadlock!\n\n";

    /** The program JVM of {@code gort run --procs N dev.gort.testprog.PROG}, with JVM flags. */
    static ProcessBuilder builder(String prog, int procs, String... jvmFlags) throws Exception {
        List<String> args = new ArrayList<>(List.of("-cp", GortRun.testClasses(), "--procs", Integer.toString(procs),
                "-J-ea", "-J-XX:TieredStopAtLevel=1")); // these programs are short: start fast
        for (String f : jvmFlags) {
            args.add("-J" + f);
        }
        args.add("dev.gort.testprog." + prog);
        return new ProcessBuilder(GortRun.command(args.toArray(new String[0])));
    }

    static Result run(String prog, int procs, String... jvmFlags) throws Exception {
        return GortRun.run(builder(prog, procs, jvmFlags).command());
    }

    @Test
    void simpleDeadlock() throws Exception {
        Result r = run("SimpleDeadlock", 2);
        assertEquals(2, r.status(), r.toString());
        assertTrue(Pattern.compile("^" + Pattern.quote(ASLEEP) + "goroutine 1 \\[select \\(no cases\\)\\]:\n"
                + "dev\\.gort\\.testprog\\.SimpleDeadlock\\.main\\(\\.\\.\\.\\)\n\tSimpleDeadlock\\.java:\\d+\n$").matcher(r.err()).find(),
                r.toString());
    }

    @Test
    void initDeadlock() throws Exception {
        Result r = run("InitDeadlock", 1);
        assertEquals(2, r.status(), r.toString());
        assertTrue(r.err().startsWith(ASLEEP + "goroutine 1 [chan receive]:\n"), r.toString());
        assertTrue(r.err().contains("dev.gort.testprog.InitDeadlock.<clinit>(...)\n"), r.toString());
    }

    @Test
    void lockedDeadlock() throws Exception {
        Result r = run("LockedDeadlock", 2);
        assertEquals(2, r.status(), r.toString());
        assertTrue(r.err().startsWith(ASLEEP + "goroutine 1 [select (no cases)]:\n"), r.toString());
        assertTrue(Pattern.compile("\ngoroutine 2 \\[select \\(no cases\\), locked to thread\\]:\n(?s).*LockedDeadlock\\.lambda\\$main")
                .matcher(r.err()).find(), r.toString());
    }

    @Test
    void goexitDeadlock() throws Exception {
        Result r = run("GoexitDeadlock", 2);
        assertEquals(2, r.status(), r.toString());
        assertEquals("fatal error: no goroutines (main called runtime.Goexit) - deadlock!\n", r.err(), r.toString());
    }

    /**
     * A goroutine's panic while the program's JVM exits, after main returned, ends the program
     * with status 2, as a Go process ends after any goroutine's unrecovered panic (fatalpanic's
     * exit(2)); the report is printed in full. Before the fix the report was printed and the
     * status was 0 (Proc's "A panic no run hears").
     */
    @Test
    void panicAtExitIsStatusTwo() throws Exception {
        Result r = run("PanicAtExit", 2);
        assertEquals(2, r.status(), r.toString());
        assertEquals("main returns\n", r.out(), r.toString());
        assertTrue(r.err().startsWith("panic: java.lang.IllegalStateException: boom at exit\n"), r.toString());
        assertTrue(r.err().contains("dev.gort.testprog.PanicAtExit.lambda$main$"), r.toString());
    }

    private static final String GOEXIT_DEADLOCK = "fatal error: no goroutines (main called runtime.Goexit) - deadlock!\n";

    /** Go's TestGoexitCrash (testprog GoexitExit): Goexit in main beside a sleeper, a finalizer and a GC. */
    @Test
    void goexitExit() throws Exception {
        Result r = run("GoexitExit", 1);
        assertEquals(2, r.status(), r.toString());
        assertEquals(GOEXIT_DEADLOCK, r.err(), r.toString());
    }

    /** Go's TestGoexitInPanic: a Goexit in a panicking goroutine's finally drops the panic. */
    @Test
    void goexitInPanic() throws Exception {
        Result r = run("GoexitInPanic", 2);
        assertEquals(2, r.status(), r.toString());
        assertEquals(GOEXIT_DEADLOCK, r.err(), r.toString());
    }

    /** Go's TestRecoveredPanicAfterGoexit: a panic recovered inside the Goexit's unwinding leaves the Goexit. */
    @Test
    void recoveredPanicAfterGoexit() throws Exception {
        Result r = run("RecoveredPanicAfterGoexit", 2);
        assertEquals(2, r.status(), r.toString());
        assertEquals("recovered hello\n", r.out(), r.toString());
        assertEquals(GOEXIT_DEADLOCK, r.err(), r.toString());
    }

    @Test
    void pendingTimerIsNotADeadlock() throws Exception {
        Result r = run("SleepNoDeadlock", 2);
        assertEquals(0, r.status(), r.toString());
        assertEquals("sent\n", r.out(), r.toString());
        assertFalse(r.err().contains("fatal error"), r.toString());
    }

    @Test
    void panicExitsWithTwo() throws Exception {
        Result r = run("GoroutinePanic", 2);
        assertEquals(2, r.status(), r.toString());
        assertTrue(Pattern.compile("^panic: java\\.lang\\.IllegalStateException: boom\n\n"
                        + "goroutine 2 \\[running\\]:\ndev\\.gort\\.testprog\\.GoroutinePanic\\.boom\\(\\.\\.\\.\\)\n\tGoroutinePanic\\.java:\\d+\n"
                        + "(?s).*created by dev\\.gort\\.testprog\\.GoroutinePanic\\.main in goroutine 1\n\tGoroutinePanic\\.java:\\d+\n$")
                .matcher(r.err()).find(), r.toString());
    }

    /**
     * Go's TestNoHelperGoroutines: a panic in main with a cleaner registered and a timer pending
     * shows goroutine 1 and no other goroutine.
     */
    @Test
    void noHelperGoroutines() throws Exception {
        Result r = run("NoHelperGoroutines", 2);
        assertEquals(2, r.status(), r.toString());
        assertTrue(r.err().startsWith("panic: java.lang.IllegalStateException: oops\n\ngoroutine 1 [running]:\n"), r.toString());
        assertEquals(List.of("goroutine 1 ["), Pattern.compile("goroutine [0-9]+ \\[").matcher(r.err()).results()
                .map(m -> m.group()).toList(), r.toString());
    }

    @Test
    void noSuchClassExitsWithOne() throws Exception {
        Result r = run("NoSuchProgram", 1);
        assertEquals(1, r.status(), r.toString());
        assertTrue(r.err().contains("class dev.gort.testprog.NoSuchProgram not found"), r.toString());
    }

    @Test
    void sigusr1PrintsTheGoroutineDump() throws Exception {
        if (File.separatorChar != '/') {
            return; // no SIGUSR1 on Windows: documented
        }
        Path out = Files.createTempFile("gort-dump", ".out"), err = Files.createTempFile("gort-dump", ".err");
        try {
            Process p = builder("DumpOnSignal", 2).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(out).contains("ready")) {
                assertTrue(p.isAlive() && System.nanoTime() < deadline, "no ready line: " + Files.readString(err));
                Thread.sleep(20);
            }
            Process kill = new ProcessBuilder("kill", "-USR1", Long.toString(p.pid())).start();
            assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -USR1 failed");
            while (!Files.readString(err).contains("DumpOnSignal.lambda")) {
                assertTrue(p.isAlive() && System.nanoTime() < deadline, "no dump: " + Files.readString(err));
                Thread.sleep(20);
            }
            p.getOutputStream().close();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
            String e = Files.readString(err);
            // main printed "ready" just before parking: the signal may catch it still running
            assertTrue(Pattern.compile("^SIGUSR1: goroutine dump\n\ngoroutine 1 \\[(jdk park|running)\\]:\n").matcher(e).find(), e);
            assertTrue(Pattern.compile("\n\ngoroutine 2 \\[chan receive\\]:\n(?:.*\n\t.*\n)?dev\\.gort\\.testprog\\.DumpOnSignal\\.lambda\\$main\\$\\d+\\(\\.\\.\\.\\)\n")
                    .matcher(e).find(), e);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    void leakedGoroutinesFindsThePartialDeadlocks() throws Exception {
        Result r = run("GoroutineLeak", 1, "-Djdk.trackAllThreads=false");
        assertEquals(0, r.status(), r.toString());
        String o = r.out();
        assertTrue(o.startsWith("before 5\nleaked 3\nafter 2\n"), r.toString()); // main + heldRecv remain
        assertEquals(3, o.split(" \\[chan receive \\(leaked\\)\\]:\n", -1).length - 1, r.toString());
        assertTrue(o.contains("\ndev.gort.testprog.GoroutineLeak.leakedRecv(...)\n"), r.toString());
        assertTrue(o.contains("\ndev.gort.testprog.GoroutineLeak.pair(...)\n"), r.toString());
        assertTrue(o.contains("\ndev.gort.testprog.GoroutineLeak.pairB(...)\n"), r.toString());
        assertFalse(o.contains("heldRecv(...)"), r.toString());
        assertTrue(o.endsWith("end\n"), r.toString());
    }

    /** A goroutine that wakes, ends and is collected while the scan runs is not leaked. */
    @Test
    void leakedGoroutinesIgnoresGoroutinesThatEndDuringTheScan() throws Exception {
        Result r = run("GoroutineLeakExiting", 2, "-Djdk.trackAllThreads=false");
        assertEquals(0, r.status(), r.toString());
        assertEquals("leaked 0\nend\n", r.out(), r.toString());
    }

    /**
     * Goroutines start in gort's own thread container, which holds none of them (VThreads), so
     * the JDK's thread registry (jdk.trackAllThreads, true by default) does not hide a leaked one:
     * the scan needs no JVM flag and finds the same partial deadlocks.
     */
    @Test
    void leakedGoroutinesNeedsNoFlag() throws Exception {
        Result r = run("GoroutineLeak", 1);
        assertEquals(0, r.status(), r.toString());
        String o = r.out();
        assertTrue(o.startsWith("before 5\nleaked 3\nafter 2\n"), r.toString());
        assertEquals(3, o.split(" \\[chan receive \\(leaked\\)\\]:\n", -1).length - 1, r.toString());
        assertFalse(o.contains("heldRecv(...)"), r.toString());
        assertTrue(o.endsWith("end\n"), r.toString());
    }
}
