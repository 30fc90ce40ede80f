package dev.gort.agent.race;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.HashMap;

/**
 * The shadow of one array: FastTrack's per-variable state for every element, in parallel
 * primitive arrays (24 bytes an element plus two references to recorded stacks, no object per
 * element), as TSan keeps shadow words
 * beside application memory. A read-shared element (R = Epoch.SHARED) keeps its read clock in a
 * side map. All updates happen under this object's monitor; the same-epoch fast paths read w and
 * r with acquire loads and no monitor, as VarState's volatile fields.
 */
final class ArrayShadow {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] w, r;
    private final int[] wSite, rSite;
    private final StackNode[] wStack, rStack;
    /** Read clocks of the read-shared elements, by index. Under this; null until needed. */
    private HashMap<Integer, Shared> shared;

    ArrayShadow(int length) {
        w = new long[length];
        r = new long[length];
        wSite = new int[length];
        rSite = new int[length];
        wStack = new StackNode[length];
        rStack = new StackNode[length];
    }

    int length() {
        return w.length;
    }

    long w(int i) {
        return (long) LONGS.getAcquire(w, i);
    }

    long r(int i) {
        return (long) LONGS.getAcquire(r, i);
    }

    /** FastTrack's read rule for element i (see FastTrack.read, which it mirrors). */
    void read(ThreadState ts, int i, int site, Object array) {
        if (r(i) != ts.epoch) { // else [READ SAME EPOCH]; the slow path apart, so this one inlines
            readSlow(ts, i, site, array);
        }
    }

    private void readSlow(ThreadState ts, int i, int site, Object array) {
        long e = ts.epoch;
        synchronized (this) {
            long ri = r[i];
            if (ri == e) {
                return;
            }
            Shared sh = ri == Epoch.SHARED ? shared.get(i) : null;
            if (sh != null && sh.rvc.get(ts.tid) == Epoch.clock(e)) {
                return;
            }
            long wi = w[i];
            if (wi != Epoch.NONE && !ts.knows(wi)) {
                Reports.race(ts, Sites.READ, site, array, i, wi, Sites.WRITE, wSite[i], wStack[i]);
            }
            StackNode stack = ts.stack();
            if (sh != null) {
                sh.set(ts.tid, Epoch.clock(e), site, stack);
            } else if (ri == Epoch.NONE || ts.knows(ri)) {
                LONGS.setRelease(r, i, e);
                rSite[i] = site;
                rStack[i] = stack;
            } else {
                sh = new Shared();
                sh.set(Epoch.tid(ri), Epoch.clock(ri), rSite[i], rStack[i]);
                sh.set(ts.tid, Epoch.clock(e), site, stack);
                rStack[i] = null;
                if (shared == null) {
                    shared = new HashMap<>();
                }
                shared.put(i, sh);
                LONGS.setRelease(r, i, Epoch.SHARED);
            }
        }
    }

    /** FastTrack's write rule for element i (see FastTrack.write). */
    void write(ThreadState ts, int i, int site, Object array) {
        if (w(i) != ts.epoch) { // else [WRITE SAME EPOCH]
            writeSlow(ts, i, site, array);
        }
    }

    private void writeSlow(ThreadState ts, int i, int site, Object array) {
        long e = ts.epoch;
        synchronized (this) {
            long wi = w[i];
            if (wi == e) {
                return;
            }
            if (wi != Epoch.NONE && !ts.knows(wi)) {
                Reports.race(ts, Sites.WRITE, site, array, i, wi, Sites.WRITE, wSite[i], wStack[i]);
            }
            long ri = r[i];
            if (ri == Epoch.SHARED) {
                Shared sh = shared.remove(i);
                for (int u = 0; u < sh.rvc.size(); u++) {
                    if (sh.rvc.get(u) > 0 && !ts.knows(Epoch.of(u, sh.rvc.get(u)))) {
                        Reports.race(ts, Sites.WRITE, site, array, i, Epoch.of(u, sh.rvc.get(u)), Sites.READ,
                                sh.sites[u], sh.stacks[u]);
                    }
                }
                LONGS.setRelease(r, i, Epoch.NONE);
            } else if (ri != Epoch.NONE && !ts.knows(ri)) {
                Reports.race(ts, Sites.WRITE, site, array, i, ri, Sites.READ, rSite[i], rStack[i]);
            }
            LONGS.setRelease(w, i, e);
            wSite[i] = site;
            wStack[i] = ts.stack();
        }
    }

    /** A read-shared element: each tid's last read clock, site and stack. */
    private static final class Shared {
        final VectorClock rvc = new VectorClock();
        int[] sites = new int[4];
        StackNode[] stacks = new StackNode[4];

        void set(int tid, int clock, int site, StackNode stack) {
            rvc.set(tid, clock);
            if (tid >= sites.length) {
                int n = Math.max(tid + 1, sites.length * 2);
                sites = Arrays.copyOf(sites, n);
                stacks = Arrays.copyOf(stacks, n);
            }
            sites[tid] = site;
            stacks[tid] = stack;
        }
    }
}
