package com.example.squares;

import dev.gort.chan.Chan;
import dev.gort.junit.GoTest;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Both tests fail on purpose: gort's build checks that they fail, and how. */
class BrokenTest {
    /** Fails with "fatal error: all goroutines are asleep - deadlock!" and the goroutine dump. */
    @GoTest
    void deadlocks() {
        Chan<Integer> in = Chan.make();
        in.send(1); // unbuffered, and nobody receives
    }

    /** Fails with "found unexpected goroutines": the squarer is never stopped. */
    @GoTest
    void leaksTheSquarer() {
        Chan<Integer> in = Chan.make();
        var out = Squares.squarer(in);
        in.send(3);
        assertEquals(9L, out.recv());
        // forgot in.close()
    }
}
