package dev.gort.agent.race;

/**
 * One frame of a recorded call stack: the call site (a Sites id) through which the frame above
 * it was entered, and the frames below. Immutable; chains share their common prefix, and a chain
 * lives as long as a shadow keeps it (no global table: recursion cannot make it grow without
 * bound). The report of a race prints the previous access's site, then these call sites,
 * innermost first (TSan rebuilds the same from its per-thread trace).
 */
final class StackNode {
    final StackNode caller;
    final int site;

    StackNode(StackNode caller, int site) {
        this.caller = caller;
        this.site = site;
    }
}
