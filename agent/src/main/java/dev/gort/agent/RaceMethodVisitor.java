package dev.gort.agent;

import dev.gort.agent.race.RaceRuntime;
import dev.gort.agent.race.Sites;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.commons.AdviceAdapter;
import org.objectweb.asm.commons.Method;

/*
 * RaceMethodVisitor: puts the race detector's hooks into one method (Go's -race compiler pass,
 * which inserts raceread/racewrite before memory accesses and funcenter/exit around calls).
 *
 * What it inserts (RT = dev.gort.agent.race.RaceRuntime; site = an int id, see Sites)
 * ---------------------------------------------------------------------------------
 *   GETFIELD o.f            DUP; GETFIELD; (swap o on top); RT.read(o, site)        - after
 *   PUTFIELD o.f = v        (v to a local); DUP; RT.write(o, site); (v back); PUTFIELD - before
 *   GETSTATIC / PUTSTATIC   RT.readStatic(site) after / RT.writeStatic(site) before
 *   xALOAD a[i]             DUP2; RT.readArray(a, i, site); xALOAD
 *   xASTORE a[i] = v        (v to a local); DUP2; RT.writeArray(a, i, site); (v back); xASTORE
 *   MONITORENTER o          DUP; MONITORENTER; RT.acquire(o)
 *   MONITOREXIT o           DUP; RT.release(o); MONITOREXIT
 *   synchronized method     RT.acquire(this|class) at entry; RT.release(this|class) before each
 *                           return and athrow
 *   o.wait(...)             RT.release(o) before, RT.acquire(o) after (wait gives up the monitor)
 *   a call on java.util.concurrent.** (atomics, locks, latches, queues, maps, ...):
 *                           RT.release(o) before, RT.acquire(o) after, on the receiver o;
 *                           after newCondition(), RT.newCondition(cond, lock)
 *   t.start()               RT.threadStart(t) before;   t.join(...)   RT.threadJoin(t) after
 *   a call on a java.util collection (Map, List, Set, Deque, their JDK classes):
 *                           RT.collection(c, site) before: a write of c for mutators, else a read
 *                           (Go's -race checks map operations the same way, as one variable)
 *
 * Placement: releases before the operation and acquires after it (FastTrack's essay says why).
 * Reads of fields are hooked after the GETFIELD so that a volatile read acquires what the write it
 * observed released.
 *
 * Invariants
 * ----------
 *  - Operand stack and locals are as before around every original instruction; inserted sequences
 *    contain no branch, so no new stack map frame is needed; the arguments of a hooked call are
 *    parked in fresh locals (LocalVariablesSorter) to reach the receiver under them.
 *  - In a constructor nothing is hooked on fields before the super/this constructor call: 'this' is
 *    uninitialised there and may not be passed to a method (AdviceAdapter finds that call).
 *  - Accesses to this agent and to gort are never instrumented (AgentOptions excludes them).
 *
 * Rejected alternatives
 * ---------------------
 *  - Hooking every method call (Go's racefuncenter/exit) to keep a shadow stack: doubles the cost
 *    of calls; a report's current stack comes from StackWalker, and the previous access keeps its
 *    site only (see FastTrack's Differences from Go).
 *  - Deciding volatile/final at transform time: needs the field's declaring class, i.e. loading
 *    classes inside the transformer. Sites resolve the field on first execution instead.
 */
final class RaceMethodVisitor extends AdviceAdapter {
    private static final Type RT = Type.getObjectType(RaceRuntime.NAME);
    private static final Type OBJECT = Type.getObjectType("java/lang/Object");
    private static final Method READ = Method.getMethod("void read(Object,int)");
    private static final Method WRITE = Method.getMethod("void write(Object,int)");
    private static final Method READ_STATIC = Method.getMethod("void readStatic(int)");
    private static final Method WRITE_STATIC = Method.getMethod("void writeStatic(int)");
    private static final Method READ_ARRAY = Method.getMethod("void readArray(Object,int,int)");
    private static final Method WRITE_ARRAY = Method.getMethod("void writeArray(Object,int,int)");
    private static final Method ACQUIRE = Method.getMethod("void acquire(Object)");
    private static final Method RELEASE = Method.getMethod("void release(Object)");
    private static final Method NEW_CONDITION = Method.getMethod("void newCondition(Object,Object)");
    private static final Method THREAD_START = Method.getMethod("void threadStart(Object)");
    private static final Method THREAD_JOIN = Method.getMethod("void threadJoin(Object)");
    private static final Method COLLECTION = Method.getMethod("void collection(Object,int)");

    /** java.util collection types whose calls are checked as a read or write of the collection. */
    private static final java.util.Set<String> COLLECTIONS = java.util.Set.of(
            "java/util/Collection", "java/util/List", "java/util/Set", "java/util/Map", "java/util/Queue",
            "java/util/Deque", "java/util/SequencedCollection", "java/util/SequencedMap", "java/util/SortedMap",
            "java/util/NavigableMap", "java/util/SortedSet", "java/util/NavigableSet", "java/util/AbstractMap",
            "java/util/AbstractList", "java/util/HashMap", "java/util/LinkedHashMap", "java/util/TreeMap",
            "java/util/ArrayList", "java/util/LinkedList", "java/util/HashSet", "java/util/LinkedHashSet",
            "java/util/TreeSet", "java/util/ArrayDeque", "java/util/PriorityQueue", "java/util/IdentityHashMap",
            "java/util/WeakHashMap", "java/util/EnumMap", "java/util/Vector", "java/util/Stack");

    /** Collection methods that modify; any other method counts as a read (see Go's map hooks). */
    private static final java.util.Set<String> MUTATORS = java.util.Set.of(
            "add", "addAll", "addFirst", "addLast", "put", "putAll", "putIfAbsent", "putFirst", "putLast",
            "remove", "removeAll", "removeIf", "removeFirst", "removeLast", "retainAll", "clear", "set",
            "replace", "replaceAll", "compute", "computeIfAbsent", "computeIfPresent", "merge", "sort",
            "offer", "offerFirst", "offerLast", "poll", "pollFirst", "pollLast", "push", "pop",
            "pollFirstEntry", "pollLastEntry", "trimToSize", "ensureCapacity", "removeFirstOccurrence",
            "removeLastOccurrence", "addElement", "insertElementAt", "removeElement", "removeElementAt",
            "removeAllElements", "setElementAt", "setSize");

    private final ClassLoader loader;
    private final String owner, methodName, sourceFile;
    private final boolean isSynchronized, isStatic;
    /** False in a constructor until the super/this constructor has been called. */
    private boolean thisReady;
    private int line;

    RaceMethodVisitor(MethodVisitor next, int access, String name, String desc, ClassLoader loader,
                      String owner, String sourceFile) {
        super(Opcodes.ASM9, next, access, name, desc);
        this.loader = loader;
        this.owner = owner;
        this.methodName = name;
        this.sourceFile = sourceFile;
        this.isSynchronized = (access & ACC_SYNCHRONIZED) != 0;
        this.isStatic = (access & ACC_STATIC) != 0;
        this.thisReady = !name.equals("<init>");
    }

    /** The fresh locals this visitor made: (index, size) pairs. */
    private final java.util.List<int[]> temps = new java.util.ArrayList<>();

    /** A fresh local for a value parked across a hook. */
    private int temp(Type t) {
        int i = newLocal(t);
        temps.add(new int[] {i, t.getSize()});
        return i;
    }

    /**
     * A parked value lives only between two inserted instructions, and a later frame may be reached
     * by a path that never stored it: declare it TOP in every frame (LocalVariablesSorter would
     * declare its type, which the verifier rejects on such a path).
     */
    @Override
    protected void updateNewLocals(Object[] newLocals) {
        for (int[] t : temps) {
            for (int k = 0; k < t[1]; k++) {
                if (t[0] + k < newLocals.length) {
                    newLocals[t[0] + k] = Opcodes.TOP;
                }
            }
        }
    }

    private int site(int kind, String fieldOwner, String fieldName) {
        return Sites.register(loader, owner, methodName, sourceFile, line, kind, fieldOwner, fieldName);
    }

    private void pushMonitor() {
        if (isStatic) {
            push(Type.getObjectType(owner));
        } else {
            loadThis();
        }
    }

    @Override
    protected void onMethodEnter() {
        thisReady = true;
        if (isSynchronized) {
            pushMonitor();
            invokeStatic(RT, ACQUIRE);
        }
    }

    @Override
    protected void onMethodExit(int opcode) {
        if (isSynchronized) {
            pushMonitor();
            invokeStatic(RT, RELEASE);
        }
    }

    @Override
    public void visitLineNumber(int line, org.objectweb.asm.Label start) {
        this.line = line;
        super.visitLineNumber(line, start);
    }

    @Override
    public void visitFieldInsn(int opcode, String fowner, String fname, String fdesc) {
        if (!thisReady) {
            super.visitFieldInsn(opcode, fowner, fname, fdesc);
            return;
        }
        Type t = Type.getType(fdesc);
        switch (opcode) {
            case GETFIELD -> {
                int s = site(Sites.READ, fowner, fname);
                dup();
                super.visitFieldInsn(opcode, fowner, fname, fdesc);
                // [o v] -> [v o]
                if (t.getSize() == 2) {
                    dup2X1();
                    pop2();
                } else {
                    swap();
                }
                push(s);
                invokeStatic(RT, READ);
            }
            case PUTFIELD -> {
                int s = site(Sites.WRITE, fowner, fname);
                int v = temp(t);
                storeLocal(v);
                dup();
                push(s);
                invokeStatic(RT, WRITE);
                loadLocal(v);
                super.visitFieldInsn(opcode, fowner, fname, fdesc);
            }
            case GETSTATIC -> {
                int s = site(Sites.READ, fowner, fname);
                super.visitFieldInsn(opcode, fowner, fname, fdesc);
                push(s);
                invokeStatic(RT, READ_STATIC);
            }
            case PUTSTATIC -> {
                int s = site(Sites.WRITE, fowner, fname);
                push(s);
                invokeStatic(RT, WRITE_STATIC);
                super.visitFieldInsn(opcode, fowner, fname, fdesc);
            }
            default -> super.visitFieldInsn(opcode, fowner, fname, fdesc);
        }
    }

    @Override
    public void visitInsn(int opcode) {
        if (!thisReady) {
            super.visitInsn(opcode);
            return;
        }
        switch (opcode) {
            case IALOAD, LALOAD, FALOAD, DALOAD, AALOAD, BALOAD, CALOAD, SALOAD -> {
                int s = site(Sites.READ, null, null);
                dup2();
                push(s);
                invokeStatic(RT, READ_ARRAY);
                super.visitInsn(opcode);
            }
            case IASTORE, LASTORE, FASTORE, DASTORE, AASTORE, BASTORE, CASTORE, SASTORE -> {
                int s = site(Sites.WRITE, null, null);
                int v = temp(storedType(opcode));
                storeLocal(v);
                dup2();
                push(s);
                invokeStatic(RT, WRITE_ARRAY);
                loadLocal(v);
                super.visitInsn(opcode);
            }
            case MONITORENTER -> {
                dup();
                super.visitInsn(opcode);
                invokeStatic(RT, ACQUIRE);
            }
            case MONITOREXIT -> {
                dup();
                invokeStatic(RT, RELEASE);
                super.visitInsn(opcode);
            }
            default -> super.visitInsn(opcode);
        }
    }

    private static Type storedType(int opcode) {
        return switch (opcode) {
            case LASTORE -> Type.LONG_TYPE;
            case FASTORE -> Type.FLOAT_TYPE;
            case DASTORE -> Type.DOUBLE_TYPE;
            case AASTORE -> OBJECT;
            default -> Type.INT_TYPE; // IASTORE, BASTORE, CASTORE, SASTORE: an int on the stack
        };
    }

    @Override
    public void visitMethodInsn(int opcode, String mowner, String name, String desc, boolean itf) {
        if (!thisReady || (opcode != INVOKEVIRTUAL && opcode != INVOKEINTERFACE)) {
            super.visitMethodInsn(opcode, mowner, name, desc, itf);
            return;
        }
        boolean juc = mowner.startsWith("java/util/concurrent/");
        boolean coll = COLLECTIONS.contains(mowner);
        boolean wait = name.equals("wait") && (desc.equals("()V") || desc.equals("(J)V") || desc.equals("(JI)V"));
        boolean start = name.equals("start") && desc.equals("()V");
        boolean join = name.equals("join") && (desc.equals("()V") || desc.equals("(J)V") || desc.equals("(JI)V")
                || desc.equals("(Ljava/time/Duration;)Z"));
        if (!juc && !coll && !wait && !start && !join) {
            super.visitMethodInsn(opcode, mowner, name, desc, itf);
            return;
        }
        // park the arguments in locals to reach the receiver
        Type[] args = Type.getArgumentTypes(desc);
        int[] locals = new int[args.length];
        for (int i = args.length - 1; i >= 0; i--) {
            locals[i] = temp(args[i]);
            storeLocal(locals[i]);
        }
        int recv = temp(OBJECT);
        dup();
        storeLocal(recv);
        if (juc || wait) {
            loadLocal(recv);
            invokeStatic(RT, RELEASE);
        }
        if (start) {
            loadLocal(recv);
            invokeStatic(RT, THREAD_START);
        }
        if (coll) {
            int kind = MUTATORS.contains(name) ? Sites.WRITE : Sites.READ;
            loadLocal(recv);
            push(Sites.register(loader, owner, methodName, sourceFile, line, kind, mowner, name));
            invokeStatic(RT, COLLECTION);
        }
        for (int i = 0; i < args.length; i++) {
            loadLocal(locals[i]);
        }
        super.visitMethodInsn(opcode, mowner, name, desc, itf);
        if (juc && name.equals("newCondition") && desc.equals("()Ljava/util/concurrent/locks/Condition;")) {
            dup();
            loadLocal(recv);
            invokeStatic(RT, NEW_CONDITION);
        }
        if (juc || wait) {
            loadLocal(recv);
            invokeStatic(RT, ACQUIRE);
        }
        if (join) {
            loadLocal(recv);
            invokeStatic(RT, THREAD_JOIN);
        }
    }
}
