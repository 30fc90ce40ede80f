package dev.gort.testprog;

import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.sync.Mutex;

/**
 * README's pattern under gort run: main calls Go.run, which runs inline in goroutine 1. By args[0]:
 * "chan" and "mutex" deadlock; "panic" panics in main, "gopanic" in a goroutine while main waits.
 */
public final class NestedRun {
    public static void main(String[] args) {
        Go.run(() -> {
            switch (args[0]) {
                case "chan" -> {
                    Chan<String> c = Chan.make();
                    Go.go(() -> { });
                    System.out.println("got " + c.recv());
                }
                case "mutex" -> {
                    Mutex mu = new Mutex();
                    mu.lock();
                    mu.lock();
                }
                case "panic" -> boom("in main");
                case "gopanic" -> {
                    Chan<String> c = Chan.make();
                    Go.go(() -> boom("in a goroutine"));
                    System.out.println("got " + c.recv());
                }
                default -> throw new IllegalArgumentException(args[0]);
            }
        });
    }

    static void boom(String where) {
        throw new IllegalStateException("boom " + where);
    }
}
