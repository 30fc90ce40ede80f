package dev.gort.testprog;

import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.context.Context;
import dev.gort.sync.WaitGroup;
import dev.gort.time.Time;
import dev.gort.trace.Trace;

import java.time.Duration;

/**
 * A traced program for the viewer's tests: WaitGroup.go workers (labelled by this file's call
 * site, not WaitGroup's), a timer wake-up (Time.sleep), channel blocks with stacks, and user
 * annotations (a task, regions, a log). Run it as a Go.run main.
 */
public final class ViewerWorkload {
    private ViewerWorkload() {}

    public static final int WORKERS = 3, ITEMS = 30, SLEEPS = 10; // SLEEPS: one of them must park and be woken by its timer, however loaded the machine

    public static void main() {
        try (Trace.Task task = Trace.task(Context.background(), "viewer-demo")) {
            Context ctx = task.context();
            Chan<Integer> items = Chan.make();
            WaitGroup wg = new WaitGroup();
            for (int i = 0; i < WORKERS; i++) {
                wg.go(() -> consume(items, ctx));
            }
            Go.go(() -> produce(items));
            wg.await();
            Trace.log(ctx, "done", WORKERS + " workers");
        }
    }

    static void produce(Chan<Integer> items) {
        for (int i = 0; i < SLEEPS; i++) {
            // woken by a timer; a sleep whose timer fires before it parks (its thread was held up
            // that long, as on a loaded machine) returns without parking: the trace then shows none
            Time.sleep(Duration.ofMillis(5));
        }
        for (int i = 0; i < ITEMS; i++) {
            items.send(i);
        }
        items.close();
    }

    static void consume(Chan<Integer> items, Context ctx) {
        try (Trace.Region r = Trace.region(ctx, "consume")) {
            for (int v : items) {
                if (v < 0) {
                    throw new AssertionError(v);
                }
            }
        }
    }
}
