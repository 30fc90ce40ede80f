package dev.gort.testprog;

import dev.gort.Go;

/**
 * Go's testprog GoexitInPanic (TestGoexitInPanic, issue 8774): a goroutine panics and its deferred
 * call calls Goexit, which ends the goroutine and drops the panic; main calls Goexit. Here the
 * exception is thrown in a try whose finally calls Go.goexit. Expect no panic report, only
 * "fatal error: no goroutines (main called runtime.Goexit) - deadlock!", status 2.
 */
public final class GoexitInPanic {
    public static void main(String[] args) {
        Go.go(GoexitInPanic::panicThenGoexit);
        Go.goexit();
    }

    @SuppressWarnings("finally")
    static void panicThenGoexit() {
        try {
            throw new IllegalStateException("hello");
        } finally {
            Go.goexit();
        }
    }
}
