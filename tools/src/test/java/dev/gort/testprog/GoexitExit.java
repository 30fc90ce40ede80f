package dev.gort.testprog;

import dev.gort.Go;
import dev.gort.time.Time;

import java.lang.ref.Cleaner;
import java.time.Duration;

/**
 * Go's testprog GoexitExit (TestGoexitCrash): main starts a goroutine that sleeps 1ms, registers
 * a finalizer (here a Cleaner), asks for a GC and calls Goexit. The pending sleep holds the report
 * back; once the sleeper has ended: "no goroutines (main called runtime.Goexit) - deadlock!", status 2.
 */
public final class GoexitExit {
    static Object kept;

    public static void main(String[] args) {
        Go.go(() -> Time.sleep(Duration.ofMillis(1)));
        kept = new Object();
        Cleaner.create().register(kept, () -> { });
        System.gc();
        Go.goexit();
    }
}
