package com.example.squares;

import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.chan.RecvChan;
import dev.gort.sync.WaitGroup;

/** Sums squares with a fan-out of worker goroutines. */
public final class Squares {
    private Squares() {}

    /** 1² + 2² + ... + n², squared by {@code workers} goroutines. Call it from a goroutine. */
    public static long sum(int n, int workers) {
        Chan<Integer> in = Chan.make();
        Chan<Long> out = Chan.make(workers);
        Go.go(() -> {
            for (int i = 1; i <= n; i++) {
                in.send(i);
            }
            in.close();
        });
        WaitGroup wg = new WaitGroup();
        for (int w = 0; w < workers; w++) {
            wg.go(() -> {
                for (int v : in) {
                    out.send((long) v * v);
                }
            });
        }
        Go.go(() -> {
            wg.await();
            out.close();
        });
        long sum = 0;
        for (long sq : out) {
            sum += sq;
        }
        return sum;
    }

    /** A worker that squares what it receives, for ever: whoever starts it must stop it. */
    public static RecvChan<Long> squarer(RecvChan<Integer> in) {
        Chan<Long> out = Chan.make();
        Go.go(() -> {
            for (int v : in) {
                out.send((long) v * v);
            }
            out.close();
        });
        return out;
    }
}
