package dev.gort.chan;

/**
 * The result of a receive that asks for {@code ok}, Go's {@code v, ok := <-c}: {@code ok} is true
 * if {@code value} was sent, false if the channel is closed and drained (then {@code value} is
 * null, Go's zero value).
 *
 * @param value the value received; null when {@code ok} is false (or when null was sent)
 * @param ok whether a sent value was received
 * @param <T> the element type
 */
public record Recv<T>(T value, boolean ok) {
    private static final Recv<?> CLOSED = new Recv<>(null, false);

    /** The result of a receive on a closed, drained channel: (null, false). One shared instance. */
    @SuppressWarnings("unchecked")
    public static <T> Recv<T> closed() {
        return (Recv<T>) CLOSED;
    }
}
