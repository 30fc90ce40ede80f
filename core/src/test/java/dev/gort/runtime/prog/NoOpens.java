package dev.gort.runtime.prog;

import dev.gort.Go;

/** Starts a goroutine; run without --add-opens it must fail with a message naming the flag. */
public final class NoOpens {
    public static void main(String[] args) {
        Go.go(() -> { });
        System.out.println("started");
    }
}
