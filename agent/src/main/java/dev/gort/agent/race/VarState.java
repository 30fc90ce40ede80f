package dev.gort.agent.race;

/**
 * The shadow of one variable (a field of one object, a static field, an array element), FastTrack's
 * per-variable state: the last write epoch W, the last read epoch R or, when reads are concurrent,
 * a read vector clock. Also serves as a synchronisation variable (a lock, a channel address, a
 * volatile field): then only {@link #sync} is used.
 *
 * Writes to every field happen under this object's monitor. w and r are volatile so that the
 * same-epoch fast path (FastTrack's [READ SAME EPOCH] / [WRITE SAME EPOCH]) can be taken without
 * the monitor: only the thread whose epoch it is can see its own epoch there.
 */
final class VarState {
    /** Last write: epoch, its site and the call stack below the site. */
    volatile long w;
    int wSite;
    StackNode wStack;
    /** Last read: epoch, or Epoch.SHARED when rvc holds the reads; its site and call stack. */
    volatile long r;
    int rSite;
    StackNode rStack;
    /** Read-shared: the clock of each tid's last read, its site (rSites[tid]) and stack. */
    VectorClock rvc;
    int[] rSites;
    StackNode[] rStacks;
    /** As a synchronisation variable: what was released to it. Null until the first release. */
    VectorClock sync;
}
