package dev.gort.runtime.prog;

import dev.gort.Go;
import dev.gort.runtime.Exports;
import dev.gort.testing.HangDump;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Run with sysmon off (-Dgort.sysmon=false): main waits until every other P is idle, shrinks
 * GOMAXPROCS to 1 (the idle P dies), queues goroutines behind itself, raises GOMAXPROCS to 2 and
 * spins with no safe point until one of them has run. Only the new P can run them, and no M is
 * looking for work, so the resize itself must wake one (Go's startTheWorldWithSema calls wakep);
 * with no sysmon to retake main's P, a missing wake-up leaves them queued for ever. Prints "ok"
 * after the last round; if a round makes no progress for 20 s it prints the hang evidence and
 * exits 1.
 */
public final class GrowWakes {
    public static void main(String[] args) {
        int rounds = Integer.parseInt(args[0]);
        for (int round = 0; round < rounds; round++) {
            int r = round;
            Go.run(() -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!Exports.othersIdle()) { // the last round's goroutines are still leaving
                    spin(deadline, r, "the other Ps did not go idle");
                }
                Go.gomaxprocs(1);
                AtomicInteger ran = new AtomicInteger();
                for (int i = 0; i < 3; i++) {
                    Go.go(ran::incrementAndGet);
                }
                Go.gomaxprocs(2);
                while (ran.get() == 0) {
                    spin(deadline, r, "the queued goroutines did not run after GOMAXPROCS grew");
                }
            });
        }
        System.out.println("ok");
    }

    private static void spin(long deadline, int round, String what) {
        if (System.nanoTime() - deadline > 0) {
            System.out.println(HangDump.dump("round " + round + ": " + what));
            System.exit(1);
        }
        Thread.onSpinWait();
    }
}
