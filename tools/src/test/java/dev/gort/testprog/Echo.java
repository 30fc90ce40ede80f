package dev.gort.testprog;

import dev.gort.Go;

/** Records what gort run gave it: its arguments, gort.trace, and whether it ran as a goroutine. */
public final class Echo {
    public static volatile String seen;

    public static void main(String[] args) {
        seen = String.join(",", args) + " trace=" + System.getProperty("gort.trace") + " goid=" + Go.goid();
    }
}
