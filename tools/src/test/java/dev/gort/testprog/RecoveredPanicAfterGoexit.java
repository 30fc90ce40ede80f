package dev.gort.testprog;

import dev.gort.Go;

/**
 * Go's testprog RecoveredPanicAfterGoexit: main calls Goexit; a deferred call panics and recovers
 * its own panic, so the Goexit goes on. Here main's finally throws and catches its own exception.
 * Expect "fatal error: no goroutines (main called runtime.Goexit) - deadlock!", status 2, and
 * nothing of main's after the Goexit (it would print "bad").
 */
public final class RecoveredPanicAfterGoexit {
    public static void main(String[] args) {
        try {
            Go.goexit();
            System.out.println("bad: Go.goexit returned");
        } finally {
            try {
                throw new IllegalStateException("hello");
            } catch (IllegalStateException r) {
                System.out.println("recovered " + r.getMessage());
            }
        }
        System.out.println("bad: main went on");
    }
}
