package dev.gort.chan;

import dev.gort.runtime.HChan;
import dev.gort.runtime.Linkname;
import dev.gort.runtime.SelectGo;
import dev.gort.runtime.WaitReason;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Go's {@code select} statement (Go's {@code runtime/select.go}), built fluently and then run:
 *
 * <pre>{@code
 * int chosen = new Select()
 *     .recv(in, v -> handle(v))                 // case v := <-in:
 *     .recvOk(done, r -> { if (!r.ok()) ... })  // case v, ok := <-done:
 *     .send(out, x, () -> sent++)               // case out <- x:
 *     .otherwise(() -> idle())                  // default:
 *     .run();
 * }</pre>
 *
 * <h2>Semantics, as Go's</h2>
 * <ul>
 *   <li>{@link #run()} blocks until one case can proceed, performs exactly that one channel
 *       operation, runs that case's body, and returns the case's index (cases count from 0 in the
 *       order they were added; -1 for the default case).</li>
 *   <li>If several cases are ready, one is chosen uniformly at random.</li>
 *   <li>With {@link #otherwise} (Go's {@code default}), run never blocks: if no case is ready the
 *       default body runs.</li>
 *   <li>A case on a {@code null} channel is never ready (Go's nil channel).</li>
 *   <li>A receive case on a closed channel is ready: {@link #recv} gets null, {@link #recvOk}
 *       gets (null, false). A send case on a closed channel, if chosen, throws {@link ChanPanic}
 *       "send on closed channel".</li>
 *   <li>A select with no cases (and no default) blocks forever, wait reason "select (no cases)"; one
 *       whose cases are all on null channels blocks forever with reason "select". As in Go, a
 *       select with a single case (plus perhaps a default) is that plain channel operation, so
 *       it parks with that operation's wait reason ("chan receive", "chan send (nil chan)", ...).</li>
 *   <li>Channels are locked in one global order, so concurrent selects never deadlock each other.</li>
 *   <li>Interrupted while blocked: no case happens, {@link ChanInterruptedException} is thrown and
 *       the interrupt status stays set.</li>
 * </ul>
 *
 * <h2>Why this shape</h2>
 * A Select is built once and can be {@link #run()} any number of times: in a hot loop, build it
 * outside the loop and call run inside it. The runtime then reuses its waiters and lock order, so a
 * run allocates nothing of its own (a {@link #recvOk} case allocates its {@link Recv} result). The
 * returned index lets callers write the dispatch as a switch instead of bodies when they prefer.
 * Values to send are fixed when the case is added ({@link #send}) or computed at the start of each
 * run ({@link #sendFrom}), as Go evaluates send expressions on entering the select.
 *
 * <p>A Select is not thread-safe: one goroutine runs it at a time. Bodies run after the channel
 * operation completed and every lock was released; a body may run the same Select again.
 */
public final class Select {
    private static final byte RECV = 0, RECV_OK = 1, SEND = 2, SEND_FROM = 3;

    static {
        ChanPanic.installInRuntime();
    }

    private final SelectGo sel = new SelectGo();
    private byte[] kinds = new byte[4];
    /** Per case: Consumer (receive cases) or Runnable (send cases). */
    private Object[] bodies = new Object[4];
    /** Per SEND_FROM case: the Supplier of the value. */
    private Object[] suppliers = new Object[4];
    private Runnable otherwise;

    /** An empty select; add cases, then {@link #run()}. */
    public Select() {}

    private int add(Object chan, boolean send, byte kind, Object body) {
        Objects.requireNonNull(body, "select: case body is null");
        int i = sel.addCase(Chan.hchan(chan), send);
        if (i == kinds.length) {
            kinds = Arrays.copyOf(kinds, i * 2);
            bodies = Arrays.copyOf(bodies, i * 2);
            suppliers = Arrays.copyOf(suppliers, i * 2);
        }
        kinds[i] = kind;
        bodies[i] = body;
        return i;
    }

    /** Go's {@code case v := <-c: body(v)}; v is null if c is closed and drained. c may be null. */
    public <T> Select recv(RecvChan<T> c, Consumer<? super T> body) {
        add(c, false, RECV, body);
        return this;
    }

    /** Go's {@code case v, ok := <-c: body(Recv(v, ok))}. c may be null. */
    public <T> Select recvOk(RecvChan<T> c, Consumer<? super Recv<T>> body) {
        add(c, false, RECV_OK, body);
        return this;
    }

    /** Go's {@code case c <- value: body()}, sending the same value on every run. c may be null. */
    public <T> Select send(SendChan<T> c, T value, Runnable body) {
        int i = add(c, true, SEND, body);
        sel.setElem(i, value);
        return this;
    }

    /**
     * Go's {@code case c <- value(): body()}: value is called once at the start of every run (all
     * sendFrom cases, in the order added), whether or not this case is chosen. c may be null.
     */
    public <T> Select sendFrom(SendChan<T> c, Supplier<? extends T> value, Runnable body) {
        Objects.requireNonNull(value, "select: sendFrom value supplier is null");
        int i = add(c, true, SEND_FROM, body);
        suppliers[i] = value;
        return this;
    }

    /**
     * Go's {@code default: body()}: makes the select non-blocking.
     *
     * @throws IllegalStateException if the select already has a default case (Go: "multiple defaults in select")
     */
    public Select otherwise(Runnable body) {
        Objects.requireNonNull(body, "select: default body is null");
        if (otherwise != null) {
            throw new IllegalStateException("multiple defaults in select");
        }
        otherwise = body;
        return this;
    }

    /**
     * Runs the select once: performs one ready case (blocking until one is, unless there is a
     * default) and its body.
     *
     * @return the chosen case's index (0-based, in the order added), or -1 if the default ran
     * @throws ChanPanic "send on closed channel" if a send case on a closed channel was chosen
     * @throws ChanInterruptedException if interrupted while blocked; no case happened
     */
    @SuppressWarnings("unchecked")
    public int run() {
        int n = sel.ncases();
        boolean block = otherwise == null;
        if (n == 0) {
            if (block) {
                Linkname.blockForever(WaitReason.SELECT_NO_CASES);
            }
            otherwise.run();
            return -1;
        }
        for (int i = 0; i < n; i++) {
            if (kinds[i] == SEND_FROM) {
                sel.setElem(i, ((Supplier<?>) suppliers[i]).get());
            }
        }
        if (n == 1) {
            return runOne(block);
        }
        int casi = sel.selectgo(block);
        if (casi < 0) {
            otherwise.run();
            return -1;
        }
        switch (kinds[casi]) {
            case RECV -> ((Consumer<Object>) bodies[casi]).accept(sel.takeRecvValue());
            case RECV_OK -> ((Consumer<Object>) bodies[casi]).accept(
                    sel.recvOK() ? new Recv<>(sel.takeRecvValue(), true) : Recv.closed());
            default -> ((Runnable) bodies[casi]).run();
        }
        return casi;
    }

    /**
     * One case, with or without default: a plain channel operation, as Go's compiler rewrites such
     * a select (walkSelectCases: a blocking chansend/chanrecv, or selectnbsend/selectnbrecv). So a
     * blocked one-case select has the operation's wait reason ("chan receive", "chan send (nil
     * chan)", ...), as in Go.
     */
    @SuppressWarnings("unchecked")
    private int runOne(boolean block) {
        HChan c = sel.chan(0);
        byte kind = kinds[0];
        if (kind == SEND || kind == SEND_FROM) {
            if (c == null) {
                if (block) {
                    Linkname.blockForever(WaitReason.CHAN_SEND_NIL_CHAN);
                }
            } else if (c.chansend(sel.elem(0), block)) {
                ((Runnable) bodies[0]).run();
                return 0;
            }
            otherwise.run();
            return -1;
        }
        Object v;
        if (c == null) {
            if (block) {
                Linkname.blockForever(WaitReason.CHAN_RECEIVE_NIL_CHAN);
            }
            v = HChan.EMPTY;
        } else {
            v = c.chanrecv(block);
        }
        if (v == HChan.EMPTY) {
            otherwise.run();
            return -1;
        }
        boolean ok = v != HChan.CLOSED;
        Object value = ok ? v : null;
        if (kind == RECV) {
            ((Consumer<Object>) bodies[0]).accept(value);
        } else {
            ((Consumer<Object>) bodies[0]).accept(ok ? new Recv<>(value, true) : Recv.closed());
        }
        return 0;
    }
}
