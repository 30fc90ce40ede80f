package dev.gort.testprog;

import dev.gort.Go;

/** An exception escapes a goroutine: Go's panic report, status 2. */
public final class GoroutinePanic {
    public static void main(String[] args) {
        Go.go(GoroutinePanic::boom);
        Testprog.selectForever();
    }

    static void boom() {
        throw new IllegalStateException("boom");
    }
}
