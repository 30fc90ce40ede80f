package dev.gort.bench;

import dev.gort.chan.Chan;
import dev.gort.chan.Select;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.infra.Blackhole;

/**
 * gort's side of the {@link Selects} rows, the same shapes as jox's and Kotlin's. Each Select is
 * built once and run in the loop, as its documentation recommends (jox's clauses are likewise
 * built once).
 */
final class GortSelects {
    private GortSelects() {}

    static final Integer ONE = 1;
    static final Integer ZERO = 0;

    static void selectUncontended(int procs, int n) {
        ChanRows.parallel(Rt.GORT, procs, id -> {
            Chan<Object> c1 = Chan.make(1);
            Chan<Object> c2 = Chan.make(1);
            Select s = new Select().recv(c1, v -> {}).recv(c2, v -> {});
            c1.send(ZERO);
            for (int j = n / procs; j > 0; j--) {
                if (s.run() == 0) {
                    c2.send(ZERO);
                } else {
                    c1.send(ZERO);
                }
            }
        });
    }

    static void selectSyncContended(int procs, int n) {
        Chan<Object> c1 = Chan.make();
        Chan<Object> c2 = Chan.make();
        Chan<Object> c3 = Chan.make();
        Chan<Object> done = Chan.make();
        CountDownLatch senders = new CountDownLatch(procs);
        Runnable nothing = () -> {};
        for (int i = 0; i < procs; i++) {
            Rt.GORT.go(() -> {
                Select s = new Select().send(c1, ZERO, nothing).send(c2, ZERO, nothing).send(c3, ZERO, nothing)
                        .recv(done, v -> {});
                while (s.run() != 3) {
                    // sent one
                }
                senders.countDown();
            });
        }
        ChanRows.parallel(Rt.GORT, procs, id -> {
            Select s = new Select().recv(c1, v -> {}).recv(c2, v -> {}).recv(c3, v -> {});
            for (int j = n / procs; j > 0; j--) {
                s.run();
            }
        });
        done.close();
        Bench.await(senders);
    }

    static void selectProdCons(int procs, int n) {
        Chan<Object> c = Chan.make(128);
        Chan<Object> never = Chan.make();
        Chan<Object> myclose = Chan.make();
        AtomicInteger batches = new AtomicInteger(n / ChanRows.BATCH);
        ChanRows.parallel(Rt.GORT, 2 * procs, id -> {
            if (id % 2 == 0) {
                Select s = new Select().send(c, ONE, () -> {}).recv(never, v -> {}).recv(myclose, v -> {});
                while (batches.getAndDecrement() > 0) {
                    for (int g = 0; g < ChanRows.BATCH; g++) {
                        Blackhole.consumeCPU(dev.gort.bench.kt.KChanRows.WORK);
                        s.run();
                    }
                }
                c.send(ZERO);
            } else {
                Object[] got = new Object[1];
                Select s = new Select().recv(c, v -> got[0] = v).recv(never, v -> {}).recv(myclose, v -> {});
                while (true) {
                    s.run();
                    if (got[0] == ZERO) {
                        break;
                    }
                    Blackhole.consumeCPU(dev.gort.bench.kt.KChanRows.WORK);
                }
            }
        });
    }
}
