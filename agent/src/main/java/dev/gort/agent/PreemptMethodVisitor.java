package dev.gort.agent;

import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.util.HashSet;
import java.util.Set;

/*
 * PreemptMethodVisitor: puts preemption safe points into one method.
 *
 * What it inserts
 * ---------------
 *   INVOKESTATIC dev/gort/Go.checkPreempt ()V
 * at the entry of every method that calls something (unless entry=false; a leaf method needs none,
 * see Transformer.callers) and before every backward branch: a jump, or a switch
 * with a case, whose target label has already been visited. Every loop in Java bytecode closes with
 * a backward branch (javac puts the test either at the top with a GOTO back, or at the bottom with
 * a conditional jump back), so every iteration of every loop passes a safe point, and so does every
 * call into a non-leaf method, recursion included.
 *
 * Why this is enough for Go's semantics: Go >= 1.14 preempts a goroutine anywhere with a signal;
 * the JVM cannot stop a virtual thread (Continuation.tryPreempt throws in JDK 25), so gort does
 * what Go did before 1.14 at function prologues, and what the JVM itself does for its own
 * safepoints: a poll on back-edges and entries. Go.checkPreempt reads one static volatile boolean
 * (Proc.preemptRequested) and only on the slow path looks at the current goroutine's preempt flag
 * and yields, which sends it to the global run queue (Go's gopreempt_m).
 *
 * Invariants
 * ----------
 *  - The call takes no operands and leaves none, so it may sit anywhere, including before a
 *    conditional jump whose operands are on the stack: max_stack, the locals and every stack map
 *    frame stay valid. That is why this visitor needs neither COMPUTE_FRAMES (which would load
 *    classes from inside a transformer) nor new locals.
 *  - Labels are visited in code order by ASM, so "already visited" is exactly "at a lower offset".
 *
 * Rejected alternatives
 * ---------------------
 *  - A counter per loop that calls out every N iterations: cheaper by a load, but needs a local per
 *    method and a frame rewrite, and delays preemption by N iterations of unknown length.
 *  - Polling only at method entries (Go before 1.14): a loop without calls would never yield, which
 *    is exactly the case the agent exists for.
 *  - Thread.yield() unconditionally at back-edges: gives the P away thousands of times a
 *    millisecond.
 */
final class PreemptMethodVisitor extends MethodVisitor {
    static final String GO = "dev/gort/Go";
    private final boolean entry;
    private final Set<Label> visited = new HashSet<>();
    /** counter[0] counts the safe points inserted (for verbose output); owned by the transforming thread. */
    private final int[] counter;

    PreemptMethodVisitor(MethodVisitor next, boolean entry, int[] counter) {
        super(Opcodes.ASM9, next);
        this.entry = entry;
        this.counter = counter;
    }

    private void safePoint() {
        super.visitMethodInsn(Opcodes.INVOKESTATIC, GO, "checkPreempt", "()V", false);
        counter[0]++;
    }

    @Override
    public void visitCode() {
        super.visitCode();
        if (entry) {
            safePoint();
        }
    }

    @Override
    public void visitLabel(Label label) {
        visited.add(label);
        super.visitLabel(label);
    }

    @Override
    public void visitJumpInsn(int opcode, Label label) {
        if (visited.contains(label)) {
            safePoint();
        }
        super.visitJumpInsn(opcode, label);
    }

    @Override
    public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
        if (anyVisited(dflt, labels)) {
            safePoint();
        }
        super.visitTableSwitchInsn(min, max, dflt, labels);
    }

    @Override
    public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
        if (anyVisited(dflt, labels)) {
            safePoint();
        }
        super.visitLookupSwitchInsn(dflt, keys, labels);
    }

    private boolean anyVisited(Label dflt, Label[] labels) {
        if (visited.contains(dflt)) {
            return true;
        }
        for (Label l : labels) {
            if (visited.contains(l)) {
                return true;
            }
        }
        return false;
    }
}
