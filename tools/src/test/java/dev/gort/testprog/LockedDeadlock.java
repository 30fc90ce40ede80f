package dev.gort.testprog;

import dev.gort.Go;

/**
 * Go's testprog LockedDeadlock2 shape ({@code go func() { LockOSThread(); select {} }(); select {}}).
 * gort has no Go.lockOSThread yet (issue 5), so the goroutine is locked to its M the one way the
 * JDK does it: it parks inside a class initialiser, where the JDK pins the virtual thread to its
 * carrier. Swap in Go.lockOSThread once it exists. Expect the deadlock report, status 2.
 */
public final class LockedDeadlock {
    /** Initialised by the goroutine; its initialiser never finishes. */
    static final class Locked {
        static {
            Testprog.selectForever();
        }

        static void touch() {
            // triggers the initialiser
        }
    }

    public static void main(String[] args) {
        Go.go(Locked::touch);
        Testprog.selectForever();
    }
}
