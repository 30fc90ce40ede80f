package dev.gort.testprog;

import dev.gort.chan.Select;

import dev.gort.Go;

/**
 * Go's testprog LockedDeadlock2 ({@code go func() { LockOSThread(); select {} }(); select {}}): a
 * goroutine locked to its M blocks for ever, and so does main. The locked M sleeps in stoplockedm
 * (counted as Go's nmidlelocked), so every M is idle. Expect the deadlock report, status 2.
 */
public final class LockedDeadlock {
    public static void main(String[] args) {
        Go.go(() -> {
            Go.lockOSThread();
            new Select().run();
        });
        new Select().run();
    }
}
