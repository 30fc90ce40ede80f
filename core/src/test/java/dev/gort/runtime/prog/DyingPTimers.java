package dev.gort.runtime.prog;

import dev.gort.Go;
import dev.gort.runtime.Exports;
import dev.gort.testing.HangDump;
import dev.gort.time.Time;
import dev.gort.time.Timer;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Run at GOMAXPROCS 2 with sysmon off: main keeps P0 busy; a goroutine on P1 sets an hour-long
 * timer (into P1's heap) and parks once GOMAXPROCS has shrunk to 1, so its M destroys P1 and finds
 * no idle P. That M must become the timer sleeper: the dead P keeps its timers, and the one live
 * P, busy, looks only at its own heap. Prints "ok"; after 20 s without a sleeper it prints the hang
 * evidence and exits 1.
 */
public final class DyingPTimers {
    public static void main(String[] args) {
        Go.run(() -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (Exports.currentPid() != 0) { // the shrink kills P1: main must not be on it
                check(deadline, "main never ran on P0");
                Thread.yield();
            }
            while (!Exports.othersIdle() || Exports.timerSleeperExists() || Exports.timersPending()) {
                check(deadline, "the runtime never went quiet"); // main keeps P0 busy from here on
            }
            AtomicInteger ranOn = new AtomicInteger(-1);
            AtomicBoolean shrunk = new AtomicBoolean();
            CountDownLatch release = new CountDownLatch(1);
            Go.go(() -> { // stolen by P1's M while main spins (no sysmon: no retake of P0)
                Timer hour = Time.afterFunc(Duration.ofHours(1), () -> { }); // into P1's heap
                ranOn.set(Exports.currentPid());
                try {
                    while (!shrunk.get()) {
                        Thread.onSpinWait();
                    }
                    release.await(); // parks: P1's M reaches schedule() and destroys P1
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                } finally {
                    hour.stop();
                }
            });
            try {
                while (ranOn.get() < 0) {
                    check(deadline, "the goroutine never ran");
                }
                if (ranOn.get() != 1) {
                    check(0, "the goroutine ran on P" + ranOn.get() + ", not P1");
                }
                Go.gomaxprocs(1);
                shrunk.set(true);
                while (!Exports.timerSleeperExists()) {
                    check(deadline, "no M sleeps for the hour-long timer left in the dead P1");
                }
            } finally {
                shrunk.set(true);
                release.countDown();
            }
        });
        System.out.println("ok");
    }

    private static void check(long deadline, String what) {
        if (System.nanoTime() - deadline > 0) {
            System.out.println(HangDump.dump(what));
            System.exit(1);
        }
        Thread.onSpinWait();
    }
}
