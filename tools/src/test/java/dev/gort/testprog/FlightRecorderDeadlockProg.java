package dev.gort.testprog;

import dev.gort.DeadlockError;
import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.sync.WaitGroup;

/**
 * FlightRecorderTest's child, run with -Dgort.flightrecorder=DIR: a pipeline whose stages end up
 * waiting on each other. Some work first (so the ring holds more than the end), then three workers
 * park on a channel nobody sends to and main waits for them: Go's deadlock. Exits 2 on the report.
 */
public final class FlightRecorderDeadlockProg {
    private FlightRecorderDeadlockProg() {}

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("panic")) { // a panic that ends the run
            try {
                Go.run(() -> {
                    Chan<Integer> c = Chan.make();
                    Go.go(() -> {
                        c.recv();
                        throw new IllegalStateException("boom");
                    });
                    c.send(1);
                    Chan.<Integer>make().recv();
                });
            } catch (IllegalStateException e) {
                System.exit(3);
            }
            System.exit(0);
        }
        try {
            Go.run(() -> {
                Chan<Integer> work = Chan.make(), never = Chan.make();
                WaitGroup wg = new WaitGroup();
                for (int i = 0; i < 3; i++) {
                    wg.go(() -> {
                        for (int v : work) {
                            if (v < 0) {
                                break;
                            }
                        }
                        stuck(never);
                    });
                }
                for (int i = 0; i < 300; i++) {
                    work.send(i);
                }
                for (int i = 0; i < 3; i++) {
                    work.send(-1);
                }
                wg.await();
            });
        } catch (DeadlockError e) {
            System.exit(2);
        }
        System.exit(0);
    }

    static void stuck(Chan<Integer> never) {
        never.recv();
    }
}
