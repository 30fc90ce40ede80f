package dev.gort.testprog;

/** Go's testprog SimpleDeadlock: main does {@code select {}}. Expect the deadlock report, status 2. */
public final class SimpleDeadlock {
    public static void main(String[] args) {
        Testprog.selectForever();
    }
}
