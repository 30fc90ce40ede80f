package dev.gort.chan;

/**
 * The receive-only view of a channel, Go's {@code <-chan T}. Every {@link Chan} is one. Iterating
 * it (for-each) is Go's {@code for v := range c}: it receives until the channel is closed and drained.
 *
 * @param <T> the element type
 */
public sealed interface RecvChan<T> extends Iterable<T> permits Chan {
    /** Go's {@code v := <-c}. See {@link Chan#recv}. */
    T recv();

    /** Go's {@code v, ok := <-c}. See {@link Chan#recvOk}. */
    Recv<T> recvOk();

    /** Go's {@code select { case v, ok := <-c: ...; default: ... }}. See {@link Chan#tryRecv}. */
    Recv<T> tryRecv();

    /** Go's {@code len(c)}. */
    int len();

    /** Go's {@code cap(c)}. */
    int cap();
}
