package dev.gort.jfr;

import dev.gort.DeadlockError;
import dev.gort.Go;
import dev.gort.chan.Chan;
import jdk.jfr.consumer.RecordingStream;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * JfrEventsTest's child: run with -XX:StartFlightRecording (every dev.gort event on), it makes the
 * runtime produce each event type, watching its own RecordingStream to go on to the next scenario
 * only once the event was seen (so the verdict does not depend on sysmon's timing), then exits and
 * lets JFR dump the recording. Prints "seen NAME" per event type and "done".
 */
public final class JfrEventsProg {
    static final Map<String, AtomicLong> SEEN = new ConcurrentHashMap<>();
    /** The goroutine labelled "sender", and whether the stream has seen one of its sleeps park. */
    static final AtomicLong SENDER = new AtomicLong(-1);
    static volatile boolean senderSleepSeen;

    public static void main(String[] args) throws Exception {
        try (RecordingStream rs = new RecordingStream()) {
            for (String e : JfrEventsTest.EVENTS) {
                rs.enable(e).withoutThreshold();
                rs.onEvent(e, ev -> SEEN.computeIfAbsent(e, k -> new AtomicLong()).incrementAndGet());
            }
            rs.onEvent("dev.gort.GoroutineBlock", ev -> {
                if (ev.getLong("goid") == SENDER.get() && "sleep".equals(ev.getString("waitReason"))) {
                    senderSleepSeen = true;
                }
            });
            rs.startAsync();
            Go.gomaxprocs(2);

            // create, block (10 ms on a channel), unblock
            Go.run(() -> {
                Chan<Integer> ch = Chan.make();
                Go.go("sender", () -> {
                    SENDER.set(Go.goid());
                    // sleep until the stream has seen one of the sender's sleeps park: on a loaded
                    // machine the 20 ms timer may fire before the sender parks, and that sleep then
                    // returns without a park, hence without a block event (the likely cause of
                    // "no sleep block of the sender", once in 25 runs at a load of ~24)
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    do {
                        Time.sleep(20);
                    } while (!senderSleepSeen && System.nanoTime() < deadline);
                    // send only once main is parked in its receive: on a loaded machine main may
                    // reach it after the sleeps, and then the sender would be the one to block
                    while (!Go.stack(true).contains("[chan receive]") && System.nanoTime() < deadline) {
                        Time.sleep(1);
                    }
                    ch.send(1);
                });
                ch.recv();
            });
            await("dev.gort.ProcStart", () -> { });
            await("dev.gort.GoroutineCreate", () -> { });
            await("dev.gort.GoroutineBlock", () -> { });
            await("dev.gort.GoroutineUnblock", () -> { });
            await("dev.gort.ProcStop", () -> { });

            // steal: one goroutine spawns busy goroutines; the other P's M steals them
            await("dev.gort.Steal", () -> {
                Go.run(() -> {
                    Chan<Integer> done = Chan.make(64);
                    for (int i = 0; i < 64; i++) {
                        Go.go(() -> {
                            spin(TimeUnit.MILLISECONDS.toNanos(1), true);
                            done.send(1);
                        });
                    }
                    for (int i = 0; i < 64; i++) {
                        done.recv();
                    }
                });
            });

            // preempt: two goroutines on one P, each in a loop with safe points for 50 ms
            Go.gomaxprocs(1);
            await("dev.gort.Gomaxprocs", () -> { });
            await("dev.gort.Preempt", () -> {
                Go.run(() -> {
                    Chan<Integer> done = Chan.make(2);
                    for (int i = 0; i < 2; i++) {
                        Go.go(() -> {
                            spin(TimeUnit.MILLISECONDS.toNanos(50), true);
                            done.send(1);
                        });
                    }
                    done.recv();
                    done.recv();
                });
            });

            // retake: a hog with no safe point while another goroutine waits on its P
            await("dev.gort.Retake", () -> {
                Go.run(() -> {
                    Chan<Integer> done = Chan.make(1);
                    Go.go(() -> done.send(1)); // queued behind the hog
                    spin(TimeUnit.MILLISECONDS.toNanos(60), false);
                    done.recv();
                });
            });

            // syscall hand-off: entersyscallblock hands the P off at once
            await("dev.gort.SyscallHandoff", () -> {
                Go.run(() -> {
                    try {
                        Go.syscall(() -> {
                            Thread.sleep(5);
                            return null;
                        }, true);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
            });

            // leak: two goroutines waiting for each other on channels only they reference
            await("dev.gort.GoroutineLeak", () -> {
                Chan<Integer> started = Chan.make(2);
                Go.go(() -> {
                    Chan<Integer> a = Chan.make(), b = Chan.make();
                    Go.go(() -> {
                        started.send(1);
                        a.send(b.recv());
                    });
                    started.send(1);
                    b.send(a.recv());
                });
                started.recv();
                started.recv();
                Chan<Integer> flushed = Chan.make(64);
                for (int i = 0; i < 300; i++) { // no stale run-queue slot may hold a leaked G
                    Go.go(() -> flushed.send(1));
                }
                for (int i = 0; i < 300; i++) {
                    flushed.recv();
                }
                List<String> leaked = Go.leakedGoroutines();
                System.out.println("leaked " + leaked.size());
            });

            // deadlock
            await("dev.gort.Deadlock", () -> {
                try {
                    Go.run(() -> Chan.<Integer>make().recv());
                    throw new AssertionError("no deadlock reported");
                } catch (DeadlockError expected) {
                    // reported: the event follows
                }
            });
        }
        System.out.println("done");
    }

    interface Scenario {
        void run() throws Exception;
    }

    /** Runs scenario until event has been seen (at most 40 rounds, 30 s). */
    private static void await(String event, Scenario scenario) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int round = 0; round < 40 && System.nanoTime() < deadline; round++) {
            scenario.run();
            for (int i = 0; i < 30; i++) { // the stream delivers about once a second
                if (SEEN.containsKey(event)) {
                    System.out.println("seen " + event);
                    return;
                }
                Thread.sleep(50);
            }
        }
        System.out.println("missing " + event);
    }

    /** Busy for ns; with safe points (Go.checkPreempt) or without. */
    static void spin(long ns, boolean safePoints) {
        long end = System.nanoTime() + ns;
        long x = 0;
        while (System.nanoTime() < end) {
            x += System.nanoTime() & 1;
            if (safePoints) {
                Go.checkPreempt();
            }
        }
        if (x == 42) {
            System.out.print("");
        }
    }

    /** Go's time.Sleep from a goroutine (gort's timer park). */
    static final class Time {
        static void sleep(long ms) {
            dev.gort.time.Time.sleep(java.time.Duration.ofMillis(ms));
        }
    }
}
