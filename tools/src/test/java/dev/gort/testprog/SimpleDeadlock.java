package dev.gort.testprog;

import dev.gort.chan.Select;

/** Go's testprog SimpleDeadlock: main does {@code select {}}. Expect the deadlock report, status 2. */
public final class SimpleDeadlock {
    public static void main(String[] args) {
        new Select().run();
    }
}
