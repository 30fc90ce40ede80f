package dev.gort.testprog;

import dev.gort.time.Time;

import java.lang.ref.Cleaner;
import java.time.Duration;

/**
 * Go's testprog NoHelperGoroutines: main registers a finalizer (here a Cleaner) and a timer an
 * hour away, then panics. Expect the panic report with goroutine 1 alone: the runtime's helpers
 * (the cleaner's thread, the timer machinery) are no goroutines of the program. Status 2.
 */
public final class NoHelperGoroutines {
    static Object kept;

    public static void main(String[] args) {
        kept = new Object();
        Cleaner.create().register(kept, () -> { });
        Time.afterFunc(Duration.ofHours(1), () -> { });
        throw new IllegalStateException("oops");
    }
}
