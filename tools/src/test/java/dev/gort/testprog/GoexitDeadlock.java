package dev.gort.testprog;

import dev.gort.Go;

/**
 * Go's testprog GoexitDeadlock: main starts two goroutines that finish, then calls Goexit.
 * Expect "no goroutines (main called runtime.Goexit) - deadlock!", status 2.
 */
public final class GoexitDeadlock {
    static volatile int sink;

    public static void main(String[] args) {
        Runnable f = () -> {
            for (int i = 0; i < 10; i++) {
                sink += i;
            }
        };
        Go.go(f);
        Go.go(f);
        Go.goexit();
    }
}
