package dev.gort.testprog;

import dev.gort.chan.Select;

import dev.gort.Go;

/** An exception escapes a goroutine: Go's panic report, status 2. */
public final class GoroutinePanic {
    public static void main(String[] args) {
        Go.go(GoroutinePanic::boom);
        new Select().run();
    }

    static void boom() {
        throw new IllegalStateException("boom");
    }
}
