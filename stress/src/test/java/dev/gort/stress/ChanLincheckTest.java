package dev.gort.stress;

import dev.gort.chan.Chan;
import dev.gort.chan.ChanPanic;
import dev.gort.chan.Recv;
import org.jetbrains.kotlinx.lincheck.LinCheckerKt;
import org.jetbrains.kotlinx.lincheck.annotations.Operation;
import org.jetbrains.kotlinx.lincheck.annotations.Param;
import org.jetbrains.kotlinx.lincheck.paramgen.IntGen;
import org.jetbrains.kotlinx.lincheck.strategy.stress.StressOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Linearizability of Chan's operations, checked by Lincheck (stress mode) against a sequential model
 * of Go's channel: a FIFO of at most cap values plus a closed flag.
 *
 * <p>Which operations. Lincheck checks operations that return; a thread-blocking operation that
 * waits for a partner which the scenario never provides makes Lincheck report a hang (it models
 * waiting only through Kotlin suspension, which gort's thread-blocking channels do not use). So:
 * <ul>
 *   <li>trySend, tryRecv, close, len on unbuffered and buffered channels (the lock-free fast paths
 *       and the locked slow paths, racing each other and close);</li>
 *   <li>the blocking send on a buffered channel whose capacity exceeds the number of sends in any
 *       scenario, so it never waits but runs the blocking path's code (chansend with block=true).</li>
 * </ul>
 * Hand-offs between blocked partners (and select) are checked by the stress tests in core
 * (exactly-once delivery, fairness, no lost wake-ups).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ChanLincheckTest {
    private static final int STRESS = Integer.getInteger("gort.stress", 1);

    /** Results as strings, so the model and the channel compare with equals. */
    static String show(Recv<Integer> r) {
        return r == null ? "would block" : r.ok() ? "value " + r.value() : "closed";
    }

    /** The sequential model of a channel of capacity cap with no blocked partners. */
    public static class Model {
        final int cap;
        final ArrayDeque<Integer> q = new ArrayDeque<>();
        boolean closed;

        Model(int cap) {
            this.cap = cap;
        }

        public String trySend(int v) {
            if (closed) {
                return "panic: " + ChanPanic.SEND_ON_CLOSED;
            }
            if (q.size() < cap) {
                q.add(v);
                return "true";
            }
            return "false";
        }

        public String send(int v) {
            if (closed) {
                return "panic: " + ChanPanic.SEND_ON_CLOSED;
            }
            if (q.size() >= cap) {
                throw new IllegalStateException("model: send would block; the scenario is too large");
            }
            q.add(v);
            return "sent";
        }

        public String tryRecv() {
            if (!q.isEmpty()) {
                return "value " + q.poll();
            }
            return closed ? "closed" : "would block";
        }

        public String close() {
            if (closed) {
                return "panic: " + ChanPanic.CLOSE_OF_CLOSED;
            }
            closed = true;
            return "closed it";
        }

        public int len() {
            return q.size();
        }
    }

    /** The channel side: the same operations, panics turned into results. */
    abstract static class Subject {
        final Chan<Integer> c;

        Subject(int cap) {
            c = Chan.make(cap);
        }

        String trySendImpl(int v) {
            try {
                return String.valueOf(c.trySend(v));
            } catch (ChanPanic p) {
                return "panic: " + p.getMessage();
            }
        }

        String sendImpl(int v) {
            try {
                c.send(v);
                return "sent";
            } catch (ChanPanic p) {
                return "panic: " + p.getMessage();
            }
        }

        String closeImpl() {
            try {
                c.close();
                return "closed it";
            } catch (ChanPanic p) {
                return "panic: " + p.getMessage();
            }
        }
    }

    // ---------------------------------------------------------------- unbuffered: non-blocking ops

    @Param(name = "v", gen = IntGen.class, conf = "1:9")
    public static class Unbuffered extends Subject {
        public Unbuffered() {
            super(0);
        }

        @Operation public String trySend(@Param(name = "v") int v) { return trySendImpl(v); }
        @Operation public String tryRecv() { return show(c.tryRecv()); }
        @Operation public String close() { return closeImpl(); }
        @Operation public int len() { return c.len(); }
    }

    public static class UnbufferedModel extends Model {
        public UnbufferedModel() {
            super(0);
        }
    }

    // ---------------------------------------------------------------- buffered, capacity 2

    @Param(name = "v", gen = IntGen.class, conf = "1:9")
    public static class Buffered2 extends Subject {
        public Buffered2() {
            super(2);
        }

        @Operation public String trySend(@Param(name = "v") int v) { return trySendImpl(v); }
        @Operation public String tryRecv() { return show(c.tryRecv()); }
        @Operation public String close() { return closeImpl(); }
        @Operation public int len() { return c.len(); }
    }

    public static class Buffered2Model extends Model {
        public Buffered2Model() {
            super(2);
        }
    }

    // ---------------------------------------------------------------- buffered, blocking send that never waits

    @Param(name = "v", gen = IntGen.class, conf = "1:9")
    public static class BufferedBlocking extends Subject {
        public BufferedBlocking() {
            super(16); // more than the sends of any scenario below (3 threads x 4 actors + 2 before)
        }

        @Operation public String send(@Param(name = "v") int v) { return sendImpl(v); }
        @Operation public String trySend(@Param(name = "v") int v) { return trySendImpl(v); }
        @Operation public String tryRecv() { return show(c.tryRecv()); }
        @Operation public String close() { return closeImpl(); }
        @Operation public int len() { return c.len(); }
    }

    public static class BufferedBlockingModel extends Model {
        public BufferedBlockingModel() {
            super(16);
        }
    }

    private static StressOptions options(Class<?> model, int threads, int actors) {
        return new StressOptions()
                .iterations(30 * STRESS)
                .invocationsPerIteration(500)
                .threads(threads)
                .actorsPerThread(actors)
                .actorsBefore(2)
                .actorsAfter(2)
                .sequentialSpecification(model);
    }

    @Test
    void unbufferedIsLinearizable() {
        LinCheckerKt.check(options(UnbufferedModel.class, 3, 3), Unbuffered.class);
    }

    @Test
    void buffered2IsLinearizable() {
        LinCheckerKt.check(options(Buffered2Model.class, 3, 4), Buffered2.class);
    }

    @Test
    void bufferedBlockingSendIsLinearizable() {
        LinCheckerKt.check(options(BufferedBlockingModel.class, 3, 4), BufferedBlocking.class);
    }
}
