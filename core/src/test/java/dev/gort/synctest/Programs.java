package dev.gort.synctest;

import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.chan.Select;
import dev.gort.sync.Mutex;
import dev.gort.sync.WaitGroup;
import dev.gort.time.Time;

import java.time.Duration;

/** Programs the schedule tests run in bubbles (and in child JVMs, through main). */
final class Programs {
    private Programs() {}

    /**
     * The planted bug: a check-then-act on a shared balance with a channel send (an audit log)
     * between the check and the act. Two withdrawals of 80 from 100 must not both succeed. The
     * window is a non-blocking send, so plain runs almost never hit it.
     */
    static void bank() {
        int[] balance = {100};
        Chan<Integer> audit = Chan.make(4);
        WaitGroup wg = new WaitGroup();
        Chan<Void> logged = Chan.make();
        Go.go(() -> {
            for (int v : audit) {
                if (v == 0) {
                    throw new AssertionError("unreachable");
                }
            }
            logged.close();
        });
        for (int i = 0; i < 2; i++) {
            wg.go(() -> {
                if (balance[0] >= 80) { // check
                    audit.send(80);      // ... a channel operation in between ...
                    balance[0] -= 80;    // act
                }
            });
        }
        wg.await();
        audit.close();
        logged.recv();
        if (balance[0] < 0) {
            throw new AssertionError("overdraft: balance " + balance[0]);
        }
    }

    /**
     * A busier program for the determinism tests: producers, a select-based merger, a mutex-guarded
     * counter, timers and a ticker. Returns a digest of the order things happened in.
     */
    static long busy() {
        long[] digest = {17};
        Mutex mu = new Mutex();
        Chan<Integer> a = Chan.make(), b = Chan.make(2), out = Chan.make();
        WaitGroup wg = new WaitGroup();
        for (int p = 0; p < 3; p++) {
            int id = p;
            wg.go(() -> {
                for (int i = 0; i < 20; i++) {
                    (id % 2 == 0 ? a : b).send(id * 100 + i);
                    if (i % 7 == 0) {
                        Time.sleep(Duration.ofMillis(id + 1));
                    }
                }
            });
        }
        Go.go(() -> {
            var tick = Time.newTicker(Duration.ofMillis(3));
            int got = 0;
            while (got < 60) {
                int[] v = {-1};
                new Select().recv(a, x -> v[0] = x).recv(b, x -> v[0] = x).recv(tick.c(), t -> { }).run();
                if (v[0] >= 0) {
                    got++;
                    out.send(v[0]);
                }
            }
            tick.stop();
            out.close();
        });
        for (int w = 0; w < 2; w++) {
            wg.go(() -> {
                for (int i = 0; i < 10; i++) {
                    mu.lock();
                    digest[0] = digest[0] * 31 + i;
                    mu.unlock();
                    Go.gosched();
                }
            });
        }
        for (int v : out) {
            mu.lock();
            digest[0] = digest[0] * 1_000_003 + v;
            mu.unlock();
        }
        wg.await();
        return digest[0];
    }

    /** Child JVM entry: prints the decision-log hash of busy() under the seed in args[0]. */
    public static void main(String[] args) {
        long seed = Long.parseLong(args[0]);
        Schedule s = Synctest.test(seed, Programs::busy);
        System.out.println("hash=" + s.hash() + " decisions=" + s.decisions() + " outside=" + s.outsideEvents());
    }
}
