package dev.gort.agent.race;

import com.google.common.collect.MapMaker;

import java.lang.reflect.Array;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Where shadow state lives. Go's TSan maps every 8 application bytes to shadow words at a fixed
 * address offset; the JVM moves objects, so gort keys shadows by object identity in weak maps
 * (Guava's MapMaker with weak keys: identity comparison, concurrent, and an entry dies with its
 * object, so instrumented objects are still collected).
 *
 *  - objects: object -> FieldShadow (one VarState per field that was accessed);
 *  - arrays:  array  -> ArrayShadow, FastTrack's state of every element in parallel primitive arrays;
 *  - syncs:   any object used as a synchronisation address (a lock, a channel, a WaitGroup, a
 *             Condition, a volatile field's VarState) -> VarState whose sync clock is used;
 *  - statics: one VarState per static field, held strongly (classes rarely unload).
 */
final class Shadows {
    private Shadows() {}

    private static final ConcurrentMap<Object, FieldShadow> objects = weak();
    private static final ConcurrentMap<Object, ArrayShadow> arrays = weak();
    private static final ConcurrentMap<Object, VarState> syncs = weak();
    private static final ConcurrentHashMap<Sites.FieldInfo, VarState> statics = new ConcurrentHashMap<>();

    private static <V> ConcurrentMap<Object, V> weak() {
        return new MapMaker().weakKeys().concurrencyLevel(64).makeMap();
    }

    static VarState field(ThreadState ts, Object o, Sites.FieldInfo f) {
        Object cached = ts.lastObj == o ? ts.lastShadow : null;
        FieldShadow fs;
        if (cached instanceof FieldShadow c) {
            fs = c;
        } else {
            fs = objects.computeIfAbsent(o, k -> new FieldShadow());
            ts.lastObj = o;
            ts.lastShadow = fs;
        }
        return fs.get(f);
    }

    static VarState staticField(Sites.FieldInfo f) {
        return statics.computeIfAbsent(f, k -> new VarState());
    }

    /** The shadow of array a. */
    static ArrayShadow array(ThreadState ts, Object a) {
        if (ts.lastObj == a && ts.lastShadow instanceof ArrayShadow c) {
            return c;
        }
        ArrayShadow sh = arrays.computeIfAbsent(a, k -> new ArrayShadow(Array.getLength(k)));
        ts.lastObj = a;
        ts.lastShadow = sh;
        return sh;
    }

    /** The sync variable of addr, made if absent. */
    static VarState sync(Object addr) {
        return syncs.computeIfAbsent(addr, k -> new VarState());
    }

    /** The sync variable of addr, or null if nothing was ever released to it. */
    static VarState syncIfPresent(Object addr) {
        return syncs.get(addr);
    }

    /** The VarStates of one object's fields: a small copy-on-write list of (FieldInfo, VarState). */
    static final class FieldShadow {
        private static final Object[] EMPTY = {};
        /** Pairs f0, v0, f1, v1, ...; replaced under this object's monitor, read without it. */
        private volatile Object[] kv = EMPTY;

        VarState get(Sites.FieldInfo f) {
            Object[] a = kv;
            for (int i = 0; i < a.length; i += 2) {
                if (a[i] == f) {
                    return (VarState) a[i + 1];
                }
            }
            synchronized (this) {
                a = kv;
                for (int i = 0; i < a.length; i += 2) {
                    if (a[i] == f) {
                        return (VarState) a[i + 1];
                    }
                }
                Object[] b = java.util.Arrays.copyOf(a, a.length + 2);
                VarState v = new VarState();
                b[a.length] = f;
                b[a.length + 1] = v;
                kv = b;
                return v;
            }
        }
    }
}
