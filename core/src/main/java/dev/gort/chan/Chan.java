package dev.gort.chan;

import dev.gort.runtime.HChan;
import dev.gort.runtime.Linkname;
import dev.gort.runtime.WaitReason;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A Go channel: {@code make(chan T)} or {@code make(chan T, capacity)}, with Go's semantics exactly
 * (Go's {@code runtime/chan.go}).
 *
 * <ul>
 *   <li><b>Unbuffered</b> ({@link #make()}): a send blocks until a receiver takes the value, and the
 *       exchange happens at once, hand to hand.</li>
 *   <li><b>Buffered</b> ({@link #make(int)}): a FIFO ring of {@code capacity} values; a send blocks
 *       only while it is full, a receive only while it is empty. Blocked senders and receivers are
 *       served first come, first served.</li>
 *   <li><b>Close</b>: after {@link #close()}, receives drain the remaining values and then return at
 *       once with Go's zero value ({@code null}, and {@code ok == false} from {@link #recvOk()});
 *       every blocked receiver is woken so. Every blocked sender, and every later send, throws
 *       {@link ChanPanic} "send on closed channel". Closing twice throws "close of closed channel".</li>
 *   <li><b>Null values</b> are values: {@code send(null)}, {@code trySend(null)} and Select's send
 *       cases deliver {@code null} like any other value, as Go sends nil pointers and zero values
 *       ({@code Chan<Void>} is Go's {@code chan struct{}}, and {@code send(null)} its
 *       {@code c <- struct{}{}}). {@link #recv()} returns {@code null} both for a sent {@code null}
 *       and for a closed, drained channel, exactly as Go's {@code v := <-c} returns the zero value
 *       for both; where both can happen, tell them apart with {@link #recvOk()} ({@code ok} is
 *       true for a sent value), {@link #tryRecv()}, {@code Select.recvOk} or the iterator (a sent
 *       {@code null} is an element; only closing ends the iteration). Decision: not rejected with a
 *       {@code NullPointerException} as {@code BlockingQueue.put} does, because Go programs send nil
 *       and {@code struct{}{}}, and because the queue's reason (a null from {@code poll} meaning
 *       "empty") does not apply: the blocking {@code recv} never returns for "empty".</li>
 *   <li><b>Nil channels</b>: a {@code null} reference is Go's nil channel. The static
 *       {@link #send(SendChan, Object)}, {@link #recv(RecvChan)}, {@link #recvOk(RecvChan)} block
 *       forever on it, {@link #close(SendChan)} throws "close of nil channel", and a {@link Select}
 *       case on it is never ready.</li>
 *   <li><b>Threads</b>: channels work from goroutines ({@link dev.gort.Go#go}) and from ordinary
 *       platform threads, which then block. A blocked goroutine parks and frees its processor, with
 *       Go's wait reason ({@code chan send}, {@code chan receive}).</li>
 *   <li><b>Interrupts</b>: a blocked operation that is interrupted withdraws atomically and throws
 *       {@link ChanInterruptedException}; nothing is sent or received, and the interrupt status
 *       stays set. See that class.</li>
 *   <li><b>Memory</b>: as Go's memory model. A send happens before the corresponding receive
 *       completes; the k-th receive on a channel of capacity C happens before the (k+C)-th send
 *       completes (so an unbuffered receive happens before its send completes); a close happens
 *       before a receive that returns because the channel is closed.</li>
 *   <li><b>Synctest bubbles</b>: a channel made by a goroutine of a {@link dev.gort.synctest.Synctest}
 *       bubble belongs to it. Every operation on it from outside the bubble (send, receive, close,
 *       their try forms and a {@link Select} on it) throws {@link ChanPanic} with Go's message:
 *       "send on synctest channel from outside bubble", "receive on ...", "close of ..." or
 *       "select on ...".</li>
 * </ul>
 * All methods are safe to call from any number of threads.
 *
 * @param <T> the element type
 */
public final class Chan<T> implements SendChan<T>, RecvChan<T> {
    static {
        ChanPanic.installInRuntime();
        Linkname.installHChanOf(Chan::hchan); // for dev.gort.time's timer channels
    }

    /** The runtime channel. */
    final HChan c;

    private Chan(int capacity) {
        this.c = new HChan(capacity);
    }

    /** Go's {@code make(chan T)}: an unbuffered channel. */
    public static <T> Chan<T> make() {
        return new Chan<>(0);
    }

    /**
     * Go's {@code make(chan T, capacity)}: a channel buffering up to {@code capacity} values;
     * 0 makes an unbuffered channel.
     *
     * @throws IllegalArgumentException if capacity is negative (the message names the value)
     */
    public static <T> Chan<T> make(int capacity) {
        return new Chan<>(capacity);
    }

    /**
     * Go's {@code c <- v}: sends v, blocking until a receiver takes it (unbuffered) or there is
     * room in the buffer.
     *
     * @throws ChanPanic "send on closed channel" if the channel is closed, or is closed while this
     *     send is blocked (the value is then not delivered)
     * @throws ChanInterruptedException if interrupted while blocked; v was not sent
     */
    @Override
    public void send(T v) {
        c.chansend(v, true);
    }

    /**
     * Go's {@code v := <-c}: receives a value, blocking until one is available. Returns
     * {@code null} (Go's zero value) once the channel is closed and drained.
     *
     * @throws ChanInterruptedException if interrupted while blocked; nothing was received
     */
    @Override
    @SuppressWarnings("unchecked")
    public T recv() {
        Object v = c.chanrecv(true);
        return v == HChan.CLOSED ? null : (T) v;
    }

    /**
     * Go's {@code v, ok := <-c}: as {@link #recv()}, and {@code ok} tells a sent value (true) from
     * a closed, drained channel (false, value null).
     *
     * @throws ChanInterruptedException if interrupted while blocked; nothing was received
     */
    @Override
    @SuppressWarnings("unchecked")
    public Recv<T> recvOk() {
        Object v = c.chanrecv(true);
        return v == HChan.CLOSED ? Recv.closed() : new Recv<>((T) v, true);
    }

    /**
     * Go's {@code select { case c <- v: return true; default: return false }}: sends v if that can
     * be done without blocking (a receiver is waiting, or the buffer has room).
     *
     * @throws ChanPanic "send on closed channel" if the channel is closed
     */
    @Override
    public boolean trySend(T v) {
        return c.chansend(v, false);
    }

    /**
     * Go's {@code select { case v, ok := <-c: ...; default: ... }}: receives without blocking.
     * Returns {@code null} if a receive would block (Go's default case), {@code (value, true)} if
     * a value was received, and {@code (null, false)} if the channel is closed and drained.
     * So {@code var r = c.tryRecv(); if (r == null) {default} else if (r.ok()) {...} else {closed}}.
     */
    @Override
    @SuppressWarnings("unchecked")
    public Recv<T> tryRecv() {
        Object v = c.chanrecv(false);
        if (v == HChan.EMPTY) {
            return null;
        }
        return v == HChan.CLOSED ? Recv.closed() : new Recv<>((T) v, true);
    }

    /**
     * Go's {@code close(c)}: no more values will be sent. Wakes every blocked receiver with
     * (null, false) and every blocked sender with {@link ChanPanic} "send on closed channel".
     *
     * @throws ChanPanic "close of closed channel" if already closed
     */
    @Override
    public void close() {
        c.closechan();
    }

    /** Go's {@code len(c)}: the number of values buffered now (always 0 when unbuffered). */
    @Override
    public int len() {
        return c.len();
    }

    /** Go's {@code cap(c)}: the buffer's capacity. */
    @Override
    public int cap() {
        return c.cap();
    }

    /**
     * Go's {@code for v := range c}: an iterator whose {@code hasNext} blocks until a value arrives
     * (true) or the channel is closed and drained (false). Each iterator receives values for
     * itself: two iterators (or an iterator and other receivers) share the values, each value going
     * to one of them.
     */
    @Override
    public Iterator<T> iterator() {
        return new Iterator<>() {
            private Object next = HChan.EMPTY;

            @Override
            public boolean hasNext() {
                if (next == HChan.EMPTY) {
                    next = c.chanrecv(true);
                }
                return next != HChan.CLOSED;
            }

            @Override
            @SuppressWarnings("unchecked")
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("range over closed and drained channel");
                }
                T v = (T) next;
                next = HChan.EMPTY;
                return v;
            }
        };
    }

    @Override
    public String toString() {
        return c.toString();
    }

    // ---------------------------------------------------------------- nil-channel forms

    /**
     * {@code c <- v} where c may be Go's nil channel: a {@code null} c blocks forever (wait reason
     * "chan send (nil chan)"; only an interrupt ends it, with {@link ChanInterruptedException}).
     */
    public static <T> void send(SendChan<T> c, T v) {
        if (c == null) {
            Linkname.blockForever(WaitReason.CHAN_SEND_NIL_CHAN);
        }
        c.send(v);
    }

    /** {@code <-c} where c may be nil: a {@code null} c blocks forever ("chan receive (nil chan)"). */
    public static <T> T recv(RecvChan<T> c) {
        if (c == null) {
            Linkname.blockForever(WaitReason.CHAN_RECEIVE_NIL_CHAN);
        }
        return c.recv();
    }

    /** {@code v, ok := <-c} where c may be nil: a {@code null} c blocks forever. */
    public static <T> Recv<T> recvOk(RecvChan<T> c) {
        if (c == null) {
            Linkname.blockForever(WaitReason.CHAN_RECEIVE_NIL_CHAN);
        }
        return c.recvOk();
    }

    /** Non-blocking send where c may be nil: a {@code null} c is never ready (false). */
    public static <T> boolean trySend(SendChan<T> c, T v) {
        return c != null && c.trySend(v);
    }

    /** Non-blocking receive where c may be nil: a {@code null} c is never ready (null). */
    public static <T> Recv<T> tryRecv(RecvChan<T> c) {
        return c == null ? null : c.tryRecv();
    }

    /**
     * Go's {@code close(c)} where c may be nil.
     *
     * @throws ChanPanic "close of nil channel" if c is null; "close of closed channel" if closed
     */
    public static void close(SendChan<?> c) {
        if (c == null) {
            throw new ChanPanic(ChanPanic.CLOSE_OF_NIL);
        }
        c.close();
    }

    /** The runtime channel of a view (every view is a Chan), or null for a nil channel. */
    static HChan hchan(Object view) {
        return view == null ? null : ((Chan<?>) view).c;
    }
}
