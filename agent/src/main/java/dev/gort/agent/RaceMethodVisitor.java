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
 *   builder.start(r), Thread.startVirtualThread(r)
 *                           replaced by RT.builderStart / RT.startVirtualThread (unstarted, fork, start)
 *   a hand-over: a call on an executor or stage type (see HAND_OVER_OWNERS) with code, stage,
 *   executor or ForkJoinTask arguments, or any invokeAll of ForkJoinTasks:
 *                           s = RT.submission(receiver, waits); each such argument a :=
 *                           (T) RT.arg(s, a, kind) (code is wrapped); after: RT.submitted(result, s)
 *   executor.close(), awaitTermination/awaitQuiescence      RT.closed / RT.awaited after
 *   x.fork(), x.join()/invoke()/get() on the application's ForkJoinTask subclass
 *                           RT.fork(x) before / RT.joined(x) after
 *   compute() of any class  RT.computeBegin(this) at entry, RT.computeEnd(this) at exit (they do
 *                           nothing unless this is a ForkJoinTask)
 *   method entry            ts = RT.enter(); d = RT.depth(ts)   (two fresh locals; not in a
 *                           method without calls, which never moves the shadow stack)
 *   every call              RT.call(ts, site) before, RT.ret(ts, d) after; RT.ret(ts, d) at the
 *                           start of every exception handler (a throw skipped the returns)
 *   a call on a java.util collection (Map, List, Set, Deque, their JDK classes):
 *                           RT.collection(c, site) before: a write of c for mutators, else a read
 *                           (Go's -race checks map operations the same way, as one variable);
 *                           a thread-safe one (ConcurrentHashMap through Map, Vector, ...)
 *                           releases there and acquires in RT.collectionDone(c) after
 *
 * Placement: releases before the operation and acquires after it (FastTrack's essay says why).
 * Reads of fields are hooked after the GETFIELD so that a volatile read acquires what the write it
 * observed released.
 *
 * Invariants
 * ----------
 *  - Operand stack and locals are as before around every original instruction; inserted sequences
 *    contain no branch, so no new stack map frame is needed; the arguments of a hooked call are
 *    parked in fresh locals (LocalVariablesSorter) to reach the receiver under them. The two
 *    entry locals (ts, d) are typed in every frame after the entry (they are assigned before any
 *    branch); parked values are TOP.
 *  - In a constructor nothing is hooked on fields before the super/this constructor call: 'this' is
 *    uninitialised there and may not be passed to a method (AdviceAdapter finds that call).
 *  - Accesses to this agent and to gort are never instrumented (AgentOptions excludes them).
 *
 * Rejected alternatives
 * ---------------------
 *  - Hooks at method entry and exit only (Go's racefuncenter/exit) for the shadow stack: a frame
 *    needs the line of its call, which only the caller knows; and an exit hook is skipped by a
 *    throw. Call sites push and pop instead, and the method's entry depth, kept in a local,
 *    makes every return and every handler restore the stack exactly. The current access's stack
 *    still comes from StackWalker (it has the JDK frames the shadow stack cannot).
 *  - Wrapping code at hand-overs by static type only ignores an application's own subclass of
 *    ThreadPoolExecutor used through its own type; deciding by the receiver's class at run time
 *    would put a check on every call of the application. FastTrack's essay lists the limits.
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
    private static final Method COLLECTION_DONE = Method.getMethod("void collectionDone(Object)");
    private static final Method ENTER = Method.getMethod("Object enter()");
    private static final Method DEPTH = Method.getMethod("int depth(Object)");
    private static final Method CALL = Method.getMethod("void call(Object,int)");
    private static final Method RET = Method.getMethod("void ret(Object,int)");
    private static final Method SUBMISSION = Method.getMethod("Object submission(Object,boolean)");
    private static final Method ARG = Method.getMethod("Object arg(Object,Object,int)");
    private static final Method SUBMITTED = Method.getMethod("void submitted(Object,Object)");
    private static final Method CLOSED = Method.getMethod("void closed(Object)");
    private static final Method AWAITED = Method.getMethod("boolean awaited(boolean,Object)");
    private static final Method COMPUTE_BEGIN = Method.getMethod("void computeBegin(Object)");
    private static final Method COMPUTE_END = Method.getMethod("void computeEnd(Object)");
    private static final Method FORK = Method.getMethod("void fork(Object)");
    private static final Method JOINED = Method.getMethod("void joined(Object)");

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
    /** A method named compute() with no parameters: a ForkJoinTask's body, if this is one. */
    private final boolean isCompute;
    /** Whether the method calls anything: a leaf needs no shadow stack locals. */
    private final boolean hasCalls;
    /** Locals holding the thread's state and the shadow stack's depth at entry; -1 before entry or in a leaf. */
    private int tsLocal = -1, depthLocal = -1;
    /** False in a constructor until the super/this constructor has been called. */
    private boolean thisReady;
    private int line;

    RaceMethodVisitor(MethodVisitor next, int access, String name, String desc, ClassLoader loader,
                      String owner, String sourceFile, boolean hasCalls) {
        super(Opcodes.ASM9, next, access, name, desc);
        this.hasCalls = hasCalls;
        this.loader = loader;
        this.owner = owner;
        this.methodName = name;
        this.sourceFile = sourceFile;
        this.isSynchronized = (access & ACC_SYNCHRONIZED) != 0;
        this.isStatic = (access & ACC_STATIC) != 0;
        this.isCompute = !isStatic && name.equals("compute") && desc.startsWith("()");
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
        if (hasCalls) {
            tsLocal = newLocal(OBJECT);
            invokeStatic(RT, ENTER);
            storeLocal(tsLocal);
            depthLocal = newLocal(Type.INT_TYPE);
            loadLocal(tsLocal);
            invokeStatic(RT, DEPTH);
            storeLocal(depthLocal);
        }
        if (isSynchronized) {
            pushMonitor();
            invokeStatic(RT, ACQUIRE);
        }
        if (isCompute) {
            loadThis();
            invokeStatic(RT, COMPUTE_BEGIN);
        }
    }

    @Override
    protected void onMethodExit(int opcode) {
        if (isCompute) {
            loadThis();
            invokeStatic(RT, COMPUTE_END);
        }
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
        flushHandler();
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
        flushHandler();
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
        flushHandler();
        if (!thisReady) {
            super.visitMethodInsn(opcode, mowner, name, desc, itf);
            return;
        }
        if (opcode == INVOKEINTERFACE && mowner.startsWith("java/lang/Thread$Builder") && name.equals("start")
                && desc.equals("(Ljava/lang/Runnable;)Ljava/lang/Thread;")) {
            invokeTracked(INVOKESTATIC, RaceRuntime.NAME, "builderStart",
                    "(Ljava/lang/Object;Ljava/lang/Runnable;)Ljava/lang/Thread;", false, mowner, name);
            return;
        }
        if (opcode == INVOKESTATIC && mowner.equals("java/lang/Thread") && name.equals("startVirtualThread")) {
            invokeTracked(INVOKESTATIC, RaceRuntime.NAME, "startVirtualThread",
                    "(Ljava/lang/Runnable;)Ljava/lang/Thread;", false, mowner, name);
            return;
        }
        Type[] args = Type.getArgumentTypes(desc);
        boolean instance = opcode == INVOKEVIRTUAL || opcode == INVOKEINTERFACE;
        boolean juc = instance && mowner.startsWith("java/util/concurrent/");
        boolean handsOver = handsOver(mowner, name, args);
        if (!instance && !handsOver) {
            invokeTracked(opcode, mowner, name, desc, itf, mowner, name);
            return;
        }
        boolean coll = instance && COLLECTIONS.contains(mowner);
        boolean wait = instance && name.equals("wait")
                && (desc.equals("()V") || desc.equals("(J)V") || desc.equals("(JI)V"));
        boolean start = instance && name.equals("start") && desc.equals("()V");
        boolean join = instance && name.equals("join") && (desc.equals("()V") || desc.equals("(J)V")
                || desc.equals("(JI)V") || desc.equals("(Ljava/time/Duration;)Z"));
        // ForkJoinTask's fork/join/invoke/get, called on the application's subclass (the owner)
        boolean app = !mowner.startsWith("java/");
        boolean fork = instance && app && name.equals("fork") && desc.equals("()Ljava/util/concurrent/ForkJoinTask;");
        boolean fjWait = instance && app && (name.equals("join") || name.equals("invoke") || name.equals("get"))
                && desc.startsWith("()");
        boolean close = instance && juc && name.equals("close") && desc.equals("()V");
        boolean await = instance && juc && (name.equals("awaitTermination") || name.equals("awaitQuiescence"))
                && desc.endsWith(")Z");
        if (!juc && !coll && !wait && !start && !join && !fork && !fjWait && !handsOver) {
            invokeTracked(opcode, mowner, name, desc, itf, mowner, name);
            return;
        }
        // park the arguments in locals to reach the receiver
        int[] locals = new int[args.length];
        for (int i = args.length - 1; i >= 0; i--) {
            locals[i] = temp(args[i]);
            storeLocal(locals[i]);
        }
        int recv = -1;
        if (instance) {
            recv = temp(OBJECT);
            dup();
            storeLocal(recv);
        }
        if (juc || wait) {
            loadLocal(recv);
            invokeStatic(RT, RELEASE);
        }
        if (start) {
            loadLocal(recv);
            invokeStatic(RT, THREAD_START);
        }
        if (fork) {
            loadLocal(recv);
            invokeStatic(RT, FORK);
        }
        if (coll) {
            int kind = MUTATORS.contains(name) ? Sites.WRITE : Sites.READ;
            loadLocal(recv);
            push(Sites.register(loader, owner, methodName, sourceFile, line, kind, mowner, name));
            invokeStatic(RT, COLLECTION);
        }
        int sub = -1;
        if (handsOver) {
            // a Submission, then each argument replaced by what it returns (a wrapper for code)
            sub = temp(OBJECT);
            if (instance) {
                loadLocal(recv);
            } else {
                push((String) null);
            }
            push(name.equals("invokeAll") || name.equals("invokeAny") || name.equals("invoke"));
            invokeStatic(RT, SUBMISSION);
            storeLocal(sub);
            for (int i = 0; i < args.length; i++) {
                int kind = argKind(args[i]);
                if (kind >= 0) {
                    loadLocal(sub);
                    loadLocal(locals[i]);
                    push(kind);
                    invokeStatic(RT, ARG);
                    checkCast(args[i]);
                    storeLocal(locals[i]);
                }
            }
        }
        for (int i = 0; i < args.length; i++) {
            loadLocal(locals[i]);
        }
        invokeTracked(opcode, mowner, name, desc, itf, mowner, name);
        if (handsOver) {
            Type ret = Type.getReturnType(desc);
            if (ret.getSort() == Type.OBJECT || ret.getSort() == Type.ARRAY) {
                dup();
            } else {
                push((String) null);
            }
            loadLocal(sub);
            invokeStatic(RT, SUBMITTED);
        }
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
        if (coll) {
            loadLocal(recv);
            invokeStatic(RT, COLLECTION_DONE);
        }
        if (fjWait) {
            loadLocal(recv);
            invokeStatic(RT, JOINED);
        }
        if (close) {
            loadLocal(recv);
            invokeStatic(RT, CLOSED);
        }
        if (await) {
            loadLocal(recv);
            invokeStatic(RT, AWAITED);
        }
    }

    /** The j.u.c types whose calls hand code over to run elsewhere or later. */
    private static final java.util.Set<String> HAND_OVER_OWNERS = java.util.Set.of(
            "java/util/concurrent/Executor", "java/util/concurrent/ExecutorService",
            "java/util/concurrent/ScheduledExecutorService", "java/util/concurrent/AbstractExecutorService",
            "java/util/concurrent/ThreadPoolExecutor", "java/util/concurrent/ScheduledThreadPoolExecutor",
            "java/util/concurrent/ForkJoinPool", "java/util/concurrent/CompletableFuture",
            "java/util/concurrent/CompletionStage", "java/util/concurrent/CompletionService",
            "java/util/concurrent/ExecutorCompletionService", "java/util/concurrent/ForkJoinTask",
            "java/util/concurrent/RecursiveTask", "java/util/concurrent/RecursiveAction",
            "java/util/concurrent/CountedCompleter");

    /**
     * Whether a call hands work over (see dev.gort.agent.race.Tasks): a call on an executor or a
     * stage with an argument of a kind argKind knows, or ForkJoinTask.invokeAll however it is
     * named (on the application's subclass, its owner is that class).
     */
    private static boolean handsOver(String mowner, String name, Type[] args) {
        boolean known = HAND_OVER_OWNERS.contains(mowner) && !name.equals("<init>");
        if (!known && !name.equals("invokeAll")) {
            return false;
        }
        for (Type a : args) {
            int k = argKind(a);
            if (k >= 0 && (known || k == FJ_TASK || k == CALLABLES)) {
                return true;
            }
        }
        return false;
    }

    private static final int FUNCTION = RaceRuntime.ARG_FUNCTION, BIFUNCTION = RaceRuntime.ARG_BIFUNCTION,
            CALLABLES = RaceRuntime.ARG_CALLABLES, STAGE = RaceRuntime.ARG_STAGE, EXECUTOR = RaceRuntime.ARG_EXECUTOR,
            FJ_TASK = RaceRuntime.ARG_FJ_TASK;

    /** How a parameter's declared type takes part in a hand-over, or -1. */
    private static int argKind(Type t) {
        return switch (t.getDescriptor()) {
            case "Ljava/lang/Runnable;", "Ljava/util/concurrent/Callable;", "Ljava/util/function/Supplier;",
                 "Ljava/util/function/Function;", "Ljava/util/function/Consumer;",
                 "Ljava/util/function/BiConsumer;" -> FUNCTION;
            case "Ljava/util/function/BiFunction;" -> BIFUNCTION;
            case "Ljava/util/Collection;" -> CALLABLES;
            case "Ljava/util/concurrent/CompletionStage;", "Ljava/util/concurrent/CompletableFuture;",
                 "[Ljava/util/concurrent/CompletableFuture;" -> STAGE;
            case "Ljava/util/concurrent/Executor;" -> EXECUTOR;
            case "Ljava/util/concurrent/ForkJoinTask;", "[Ljava/util/concurrent/ForkJoinTask;" -> FJ_TASK;
            default -> -1;
        };
    }

    /**
     * The call itself, between the shadow stack's push of its site and the return to this
     * method's depth (a call that throws leaves it deeper; the handler that catches it resets it).
     */
    private void invokeTracked(int opcode, String mowner, String name, String desc, boolean itf,
                               String calledOwner, String calledName) {
        if (tsLocal < 0) {
            super.visitMethodInsn(opcode, mowner, name, desc, itf);
            return;
        }
        loadLocal(tsLocal);
        push(Sites.register(loader, owner, methodName, sourceFile, line, Sites.CALL, calledOwner, calledName));
        invokeStatic(RT, CALL);
        super.visitMethodInsn(opcode, mowner, name, desc, itf);
        loadLocal(tsLocal);
        loadLocal(depthLocal);
        invokeStatic(RT, RET);
    }

    // ---------------------------------------------------------------- exception handlers

    /** Handler labels of this method's try/catch blocks. */
    private final java.util.Set<org.objectweb.asm.Label> handlers = new java.util.HashSet<>();
    /** A handler starts here: reset the shadow stack before its first instruction. */
    private boolean atHandler;

    @Override
    public void visitTryCatchBlock(org.objectweb.asm.Label start, org.objectweb.asm.Label end,
                                   org.objectweb.asm.Label handler, String type) {
        handlers.add(handler);
        super.visitTryCatchBlock(start, end, handler, type);
    }

    @Override
    public void visitLabel(org.objectweb.asm.Label label) {
        super.visitLabel(label);
        if (handlers.contains(label)) {
            atHandler = true;
        }
    }

    /** Emits the handler's reset, after its label and frame, before its first instruction. */
    private void flushHandler() {
        if (atHandler) {
            atHandler = false;
            if (tsLocal >= 0) {
                loadLocal(tsLocal);
                loadLocal(depthLocal);
                invokeStatic(RT, RET);
            }
        }
    }

    @Override
    public void visitVarInsn(int opcode, int var) {
        flushHandler();
        super.visitVarInsn(opcode, var);
    }

    @Override
    public void visitTypeInsn(int opcode, String type) {
        flushHandler();
        super.visitTypeInsn(opcode, type);
    }

    @Override
    public void visitIntInsn(int opcode, int operand) {
        flushHandler();
        super.visitIntInsn(opcode, operand);
    }

    @Override
    public void visitLdcInsn(Object value) {
        flushHandler();
        super.visitLdcInsn(value);
    }

    @Override
    public void visitJumpInsn(int opcode, org.objectweb.asm.Label label) {
        flushHandler();
        super.visitJumpInsn(opcode, label);
    }

    @Override
    public void visitIincInsn(int var, int increment) {
        flushHandler();
        super.visitIincInsn(var, increment);
    }

    @Override
    public void visitTableSwitchInsn(int min, int max, org.objectweb.asm.Label dflt, org.objectweb.asm.Label... labels) {
        flushHandler();
        super.visitTableSwitchInsn(min, max, dflt, labels);
    }

    @Override
    public void visitLookupSwitchInsn(org.objectweb.asm.Label dflt, int[] keys, org.objectweb.asm.Label[] labels) {
        flushHandler();
        super.visitLookupSwitchInsn(dflt, keys, labels);
    }

    @Override
    public void visitMultiANewArrayInsn(String descriptor, int numDimensions) {
        flushHandler();
        super.visitMultiANewArrayInsn(descriptor, numDimensions);
    }

    @Override
    public void visitInvokeDynamicInsn(String name, String descriptor, org.objectweb.asm.Handle bsm, Object... bsmArgs) {
        flushHandler();
        super.visitInvokeDynamicInsn(name, descriptor, bsm, bsmArgs);
    }
}
