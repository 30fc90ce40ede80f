package dev.gort.chan;

/**
 * The send-only view of a channel, Go's {@code chan<- T}. Every {@link Chan} is one; pass a channel
 * as {@code SendChan<T>} to let the callee only send (and close) on it. A view is the channel itself,
 * not a copy.
 *
 * @param <T> the element type
 */
public sealed interface SendChan<T> permits Chan {
    /** Go's {@code c <- v}. See {@link Chan#send}. */
    void send(T v);

    /** Go's {@code select { case c <- v: return true; default: return false }}. See {@link Chan#trySend}. */
    boolean trySend(T v);

    /** Go's {@code close(c)}. See {@link Chan#close()}. */
    void close();

    /** Go's {@code len(c)}. */
    int len();

    /** Go's {@code cap(c)}. */
    int cap();
}
