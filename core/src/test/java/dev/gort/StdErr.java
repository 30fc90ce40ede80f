package dev.gort;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Captures System.err (also echoing it) while a block runs. Tests only; not thread-safe across tests. */
final class StdErr implements AutoCloseable {
    private final PrintStream old = System.err;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

    StdErr() {
        PrintStream tee = new PrintStream(new java.io.OutputStream() {
            @Override
            public synchronized void write(int b) {
                buf.write(b);
                old.write(b);
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) {
                buf.write(b, off, len);
                old.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8);
        System.setErr(tee);
    }

    String text() {
        synchronized (buf) {
            return buf.toString(StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        System.setErr(old);
    }
}
