package dev.gort.bench;

import dev.gort.chan.Chan;
import dev.gort.chan.Recv;

/** gort's {@code Chan} for the channel rows: {@code Chan.make()} for capacity 0, else {@code Chan.make(capacity)}. */
final class GortChan implements BChan {
    private final Chan<Object> c;

    GortChan(int capacity) {
        c = capacity == 0 ? Chan.make() : Chan.make(capacity);
    }

    @Override
    public void send(Object v) {
        c.send(v);
    }

    @Override
    public Object recv() {
        return c.recv();
    }

    @Override
    public boolean trySend(Object v) {
        return c.trySend(v);
    }

    @Override
    public Object tryRecv() {
        Recv<Object> r = c.tryRecv();
        return r == null ? null : r.value();
    }
}
