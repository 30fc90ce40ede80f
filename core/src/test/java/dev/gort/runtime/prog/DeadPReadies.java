package dev.gort.runtime.prog;

import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.runtime.Exports;
import dev.gort.testing.HangDump;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Run with sysmon off (-Dgort.sysmon=false) at GOMAXPROCS 2: a goroutine running on P1 when
 * main shrinks GOMAXPROCS to 1 (P1 dies, but its M keeps it until the goroutine parks) spins,
 * with no safe point, until another goroutine queued on P1 has run; main meanwhile parks, so P0
 * is idle. With "after" (the default) the spinner starts that goroutine after the shrink, with
 * "before" it started it before, while main kept P0 busy. It must run on P0: Go's resize would
 * have stopped the world and moved it. A round where main is not on P0 or the spinner not on P1
 * is done again. Prints "ok" after the last round (and the worst wait on stderr); if a round
 * makes no progress for 10 s it prints the hang evidence and exits 1.
 */
public final class DeadPReadies {
    public static void main(String[] args) {
        int rounds = Integer.parseInt(args[0]);
        boolean before = args.length > 1 && args[1].equals("before"); // readied before the shrink
        long worst = 0;
        int skipped = 0;
        for (int round = 0; round < rounds; round++) {
            int r = round;
            long[] lat = new long[1];
            boolean[] valid = new boolean[1];
            Go.run(() -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                Go.gomaxprocs(2);
                while (!Exports.othersIdle()) { // the last round's goroutines are still leaving
                    spin(deadline, r, "the other Ps did not go idle");
                }
                AtomicBoolean started = new AtomicBoolean(), proceed = new AtomicBoolean(), ran = new AtomicBoolean(),
                        skip = new AtomicBoolean();
                long[] t0 = new long[1];
                AtomicInteger pid = new AtomicInteger(-2);
                Chan<Long> done = Chan.make(1);
                Go.go(() -> {
                    pid.set(Exports.currentPid());
                    if (before) {
                        t0[0] = System.nanoTime();
                        Go.go(() -> ran.set(true)); // readied on P1 while main keeps P0 busy
                    }
                    started.set(true);
                    while (!proceed.get()) {
                        spin(deadline, r, "main did not shrink GOMAXPROCS");
                    }
                    if (skip.get()) {
                        while (before && !ran.get()) { // it runs once main parks (no P died)
                            spin(deadline, r, "a skipped round's goroutine did not run");
                        }
                        done.send(0L);
                        return;
                    }
                    if (!before) {
                        t0[0] = System.nanoTime();
                        Go.go(() -> ran.set(true)); // readied by a goroutine on the dead P1
                    }
                    while (!ran.get()) {
                        spin(deadline, r, "the goroutine queued on the dead P did not run, with P0 idle");
                    }
                    done.send(System.nanoTime() - t0[0]);
                });
                while (!started.get()) { // main spins: the goroutine can only run on P1
                    spin(deadline, r, "the goroutine did not start on P1");
                }
                if (Exports.currentPid() != 0 || pid.get() != 1) { // the spinner must be on the P that dies
                    skip.set(true);
                    proceed.set(true);
                    done.recv();
                    return;
                }
                valid[0] = true;
                Go.gomaxprocs(1); // P1 is held by the spinner's M: it dies at that M's next schedule
                proceed.set(true);
                lat[0] = done.recv(); // main parks: P0 goes idle
            });
            worst = Math.max(worst, lat[0]);
            if (!valid[0]) {
                skipped++;
                round--;
            }
        }
        System.out.println("ok");
        System.err.println("worst latency " + worst / 1000 + " us, rounds skipped " + skipped);
    }

    private static void spin(long deadline, int round, String what) {
        if (System.nanoTime() - deadline > 0) {
            System.out.println(HangDump.dump("round " + round + ": " + what));
            System.exit(1);
        }
        Thread.onSpinWait();
    }
}
