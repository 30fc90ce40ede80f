package dev.gort.testprog;

import dev.gort.chan.Chan;

/**
 * Go's testprog InitDeadlock, where the deadlock happens during initialisation: here inside this
 * class's static initialiser, which the main goroutine runs when it first calls main. A goroutine
 * parked in a class initialiser is pinned (the JDK parks its M, the G stays running), so this
 * exercises checkdead's pinned path. Expect the deadlock report, status 2.
 */
public final class InitDeadlock {
    static {
        Chan.<Integer>make(64).recv(); // nobody will ever send
    }

    public static void main(String[] args) {
        throw new AssertionError("not reached");
    }
}
