package dev.gort.testprog;

import dev.gort.chan.Chan;

import dev.gort.Go;

/**
 * A deadlock-looking moment with a timer pending, which must not be reported: main waits on a
 * channel only a goroutine uses, and that goroutine sleeps first (a timed park: the JDK's timer
 * will wake it). With gort's runtime timers (issue 3) the same holds through Checkdead's timer
 * query. Expect "sent" on stdout and status 0.
 */
public final class SleepNoDeadlock {
    public static void main(String[] args) throws InterruptedException {
        Chan<Integer> c = Chan.<Integer>make(64);
        Go.go(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            c.send(1);
        });
        c.recv();
        System.out.println("sent");
    }
}
