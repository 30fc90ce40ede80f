package dev.gort.runtime;

import java.util.function.Function;

/*
 * ChanErrors: how the runtime raises the channel API's exceptions without importing the API.
 *
 * Users catch dev.gort.chan.ChanPanic and dev.gort.chan.ChanInterruptedException; HChan and
 * SelectGo are where they arise. Importing them from here would make runtime and chan import each
 * other. Instead the API installs their constructors here when it is initialised (the JDK's
 * SharedSecrets pattern, turned round): dev.gort.chan.Chan's and Select's static initialisers call
 * ChanPanic.installInRuntime, which calls install (through Linkname, the API's door into the
 * runtime). A channel (HChan) or a select (SelectGo) exists only through Chan or Select, and
 * HChan.blockForever is reached only from them, so the constructors are installed before the
 * runtime can need them; if that ever stops being true the runtime fails loudly
 * (IllegalStateException naming the cause) instead of throwing the wrong type.
 *
 * Rejected alternatives
 * ---------------------
 *  - The exception classes in the runtime (or in dev.gort), with dev.gort.chan subclassing them:
 *    the runtime would still have to construct the API's subclass, or users would catch a type
 *    from an internal package.
 *  - Status codes from HChan and SelectGo, thrown by Chan and Select: every blocking path would
 *    grow a result to decode, and the throw would move away from where Go's chan.go panics.
 *
 * Go's messages live here, next to the code that raises them; ChanPanic's public constants are
 * these strings (re-exported by Linkname, as this class is package-private).
 */
/** Internal: the channel API's exception constructors, installed by {@code dev.gort.chan}. */
final class ChanErrors {
    private ChanErrors() {}

    /** Go's message for a send on a closed channel. */
    static final String SEND_ON_CLOSED = "send on closed channel";
    /** Go's message for closing a closed channel. */
    static final String CLOSE_OF_CLOSED = "close of closed channel";
    /** Go's message for closing a nil channel. */
    static final String CLOSE_OF_NIL = "close of nil channel";

    /** Makes a ChanPanic from one of the messages above. Written once by install; volatile. */
    private static volatile Function<String, ? extends RuntimeException> panic;
    /** Makes a ChanInterruptedException from a wait reason's Go name. Written once by install; volatile. */
    private static volatile Function<String, ? extends RuntimeException> interrupted;

    /**
     * Installs the API's constructors: panic makes a {@code ChanPanic} from a message,
     * interrupted a {@code ChanInterruptedException} from the interrupted operation's Go name.
     * Called by {@code dev.gort.chan} only; idempotent.
     */
    static void install(Function<String, ? extends RuntimeException> panic,
                               Function<String, ? extends RuntimeException> interrupted) {
        ChanErrors.panic = panic;
        ChanErrors.interrupted = interrupted;
    }

    /** The ChanPanic with Go's message msg, for the caller to throw. */
    static RuntimeException panic(String msg) {
        return installed(panic).apply(msg);
    }

    /** The ChanInterruptedException for the blocked operation op (a wait reason's Go name). */
    static RuntimeException interrupted(String op) {
        return installed(interrupted).apply(op);
    }

    private static Function<String, ? extends RuntimeException> installed(Function<String, ? extends RuntimeException> f) {
        if (f == null) {
            throw new IllegalStateException("gort: channel exceptions not installed; a channel was used before dev.gort.chan.Chan was initialised");
        }
        return f;
    }
}
