package dev.gort.testprog;

import dev.gort.chan.Chan;

import dev.gort.Go;

import java.util.List;

/**
 * Partial deadlocks for Go.leakedGoroutines:
 * <ul>
 *   <li>leakedRecv: receives on a channel nothing else references (leaked);
 *   <li>pairA/pairB: each waits for the other on channels only they reference (both leaked);
 *   <li>heldRecv: receives on a channel a static field holds (not leaked: main could send);
 * </ul>
 * Prints the number of goroutines before and after, then each leaked block, then "end".
 */
public final class GoroutineLeak {
    static Chan<Integer> held;

    public static void main(String[] args) {
        Chan<Integer> started = Chan.<Integer>make(64);
        Go.go(() -> leakedRecv(started));
        Go.go(() -> pair(started));
        held = Chan.<Integer>make(64);
        Go.go(() -> heldRecv(started));
        for (int i = 0; i < 4; i++) {
            started.recv();
        }
        waitParked();
        flushRunQueues();
        System.out.println("before " + Go.numGoroutine());
        List<String> leaked = Go.leakedGoroutines();
        System.out.println("leaked " + leaked.size());
        System.out.println("after " + Go.numGoroutine());
        leaked.forEach(System.out::print);
        held.send(1); // heldRecv is alive and ends normally
        System.out.println("end");
    }

    /**
     * Pushes 300 finished goroutines through the run queue (run with --procs 1), so that no stale
     * ring slot still references a leaked goroutine: a documented limit of leakedGoroutines.
     */
    private static void flushRunQueues() {
        Chan<Integer> done = Chan.<Integer>make(64);
        for (int i = 0; i < 300; i++) {
            Go.go(() -> done.send(1));
        }
        for (int i = 0; i < 300; i++) {
            done.recv();
        }
        // senders that main's receives readied may not have ended yet (in a cold JVM, often): let
        // them, until only main and the four parked goroutines are left (bounded; the test checks)
        for (int i = 0; i < 10_000 && Go.numGoroutine() > 5; i++) {
            Go.gosched();
        }
    }

    /** Gives the goroutines time to park after announcing themselves (they park right after). */
    private static void waitParked() {
        for (int i = 0; i < 1000 && !allParked(); i++) {
            Go.gosched();
        }
    }

    private static boolean allParked() {
        String d = Go.stack(true);
        return d.split("\\[chan receive\\]").length - 1 == 4;
    }

    static void leakedRecv(Chan<Integer> started) {
        Chan<Integer> c = Chan.<Integer>make(64);
        started.send(1);
        c.recv();
    }

    static void pair(Chan<Integer> started) {
        Chan<Integer> a = Chan.<Integer>make(64), b = Chan.<Integer>make(64);
        Go.go(() -> pairB(started, a, b));
        started.send(1);
        a.recv();
        b.send(1);
    }

    static void pairB(Chan<Integer> started, Chan<Integer> a, Chan<Integer> b) {
        started.send(1);
        b.recv();
        a.send(1);
    }

    static void heldRecv(Chan<Integer> started) {
        started.send(1);
        held.recv();
    }
}
