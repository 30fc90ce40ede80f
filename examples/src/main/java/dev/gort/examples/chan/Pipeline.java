package dev.gort.examples.chan;

import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.chan.RecvChan;

import java.util.ArrayList;
import java.util.List;

/**
 * A pipeline with fan-out and fan-in, after the Go blog's "Go Concurrency Patterns: Pipelines":
 * a source stage emits numbers, several workers square them in parallel (fan-out: they all receive
 * from one channel), and a merge stage gathers their outputs into one channel (fan-in), closing it
 * once every worker's output is closed. Each stage closes its output when its input is exhausted,
 * so for-each (Go's range) ends the next stage.
 */
public final class Pipeline {
    private Pipeline() {}

    /** Stage 1: emits 1..n, then closes. */
    static RecvChan<Integer> gen(int n) {
        Chan<Integer> out = Chan.make();
        Go.go(() -> {
            for (int i = 1; i <= n; i++) {
                out.send(i);
            }
            out.close();
        });
        return out;
    }

    /** Stage 2 (one of the fan-out workers): squares what it receives. */
    static RecvChan<Integer> sq(RecvChan<Integer> in) {
        Chan<Integer> out = Chan.make();
        Go.go(() -> {
            for (int v : in) {
                out.send(v * v);
            }
            out.close();
        });
        return out;
    }

    /** Fan-in: one goroutine per input copies into out; the last one to finish closes out. */
    static RecvChan<Integer> merge(List<RecvChan<Integer>> ins) {
        Chan<Integer> out = Chan.make(ins.size());
        Chan<Boolean> done = Chan.make(ins.size());
        for (RecvChan<Integer> in : ins) {
            Go.go(() -> {
                for (int v : in) {
                    out.send(v);
                }
                done.send(true);
            });
        }
        Go.go(() -> { // Go's WaitGroup, with a channel
            for (int i = 0; i < ins.size(); i++) {
                done.recv();
            }
            out.close();
        });
        return out;
    }

    /** Sum of squares of 1..n through a pipeline with the given number of workers. Call inside a goroutine. */
    public static long sumOfSquares(int n, int workers) {
        RecvChan<Integer> src = gen(n);
        List<RecvChan<Integer>> outs = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            outs.add(sq(src));
        }
        long sum = 0;
        for (int v : merge(outs)) {
            sum += v;
        }
        return sum;
    }

    /** Runs 1..1000 through 4 squaring workers and prints the sum of squares. For the demo. */
    public static void demo() {
        Go.run(() -> {
            long sum = sumOfSquares(1000, 4);
            System.out.println("pipeline: gen -> 4 x sq (fan-out) -> merge (fan-in): sum of squares 1..1000 = "
                    + sum + " (expected " + 1000L * 1001 * 2001 / 6 + ")");
        });
    }

    public static void main(String[] args) {
        demo();
    }
}
