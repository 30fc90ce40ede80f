package dev.gort.chan;

import dev.gort.Panic;
import dev.gort.runtime.Linkname;

/**
 * A Go run-time panic of a channel operation. The message is exactly Go's:
 * <ul>
 *   <li>{@value #SEND_ON_CLOSED}: {@code send}, {@code trySend} or a select send case on a closed
 *       channel, including a sender that was blocked when the channel was closed;</li>
 *   <li>{@value #CLOSE_OF_CLOSED}: closing a channel twice;</li>
 *   <li>{@value #CLOSE_OF_NIL}: {@link Chan#close(SendChan)} of {@code null}.</li>
 * </ul>
 * Compare {@link #getMessage()} with these constants to tell them apart, as Go code compares the
 * recovered error's string.
 */
public final class ChanPanic extends Panic {
    /** Go's message for a send on a closed channel. */
    public static final String SEND_ON_CLOSED = Linkname.SEND_ON_CLOSED;
    /** Go's message for closing a closed channel. */
    public static final String CLOSE_OF_CLOSED = Linkname.CLOSE_OF_CLOSED;
    /** Go's message for closing a nil channel. */
    public static final String CLOSE_OF_NIL = Linkname.CLOSE_OF_NIL;

    /** Creates the panic with one of the messages above. */
    public ChanPanic(String message) {
        super(message);
    }

    /**
     * Lets the runtime throw this package's exceptions without importing it (see the runtime's
     * ChanErrors). Called from Chan's and Select's static initialisers.
     */
    static void installInRuntime() {
        Linkname.installChanErrors(ChanPanic::new, ChanInterruptedException::new);
    }
}
