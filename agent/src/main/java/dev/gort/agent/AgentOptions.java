package dev.gort.agent;

import java.util.ArrayList;
import java.util.List;

/*
 * AgentOptions: the agent's argument string and the class filter.
 *
 *   -javaagent:gort-agent.jar[=OPTION[,OPTION...]]
 *
 *   preempt             insert preemption safe points (the default when no mode is named)
 *   race                insert race detector hooks
 *   include=P1;P2;...   instrument only classes matching one of the patterns
 *   exclude=P1;P2;...   never instrument classes matching one of the patterns
 *   entry=false         preempt mode: no safe point at method entries, only at loop back-edges
 *   verbose             print each instrumented class on stderr
 *
 * A pattern is a binary class name with dots ("com.acme.Foo", "com.acme.Foo$Bar") or a prefix
 * ending in '*' ("com.acme.*" matches com.acme and every package below it). Patterns are separated
 * by ';' because ',' separates options. With no include, every class that is not excluded is
 * instrumented.
 *
 * Always excluded, whatever the options say: the JDK (java., javax., jdk., sun., com.sun.), gort
 * itself (dev.gort., which includes this agent and its relocated ASM), and classes without a name
 * (hidden classes). Instrumenting the JDK would put safe points inside the runtime's own locks and
 * race hooks inside the detector's own data structures; instrumenting gort would make the detector
 * watch itself.
 */
final class AgentOptions {
    final boolean preempt;
    final boolean race;
    final boolean methodEntry;
    final boolean verbose;
    private final List<String> includes;
    private final List<String> excludes;

    private static final String[] SYSTEM = {"java/", "javax/", "jdk/", "sun/", "com/sun/", "dev/gort/"};

    private AgentOptions(boolean preempt, boolean race, boolean methodEntry, boolean verbose,
                         List<String> includes, List<String> excludes) {
        this.preempt = preempt;
        this.race = race;
        this.methodEntry = methodEntry;
        this.verbose = verbose;
        this.includes = includes;
        this.excludes = excludes;
    }

    /**
     * Parses the agent argument string (null or empty = preempt mode, every application class).
     *
     * @throws IllegalArgumentException naming the option that is not understood
     */
    static AgentOptions parse(String args) {
        boolean preempt = false, race = false, entry = true, verbose = false;
        List<String> inc = new ArrayList<>(), exc = new ArrayList<>();
        if (args != null && !args.isBlank()) {
            for (String opt : args.split(",")) {
                String o = opt.trim();
                if (o.isEmpty()) {
                    continue;
                }
                int eq = o.indexOf('=');
                String key = eq < 0 ? o : o.substring(0, eq).trim();
                String val = eq < 0 ? null : o.substring(eq + 1).trim();
                switch (key) {
                    case "preempt" -> preempt = flag(key, val);
                    case "race" -> race = flag(key, val);
                    case "entry" -> entry = flag(key, val);
                    case "verbose" -> verbose = flag(key, val);
                    case "include" -> patterns(key, val, inc);
                    case "exclude" -> patterns(key, val, exc);
                    default -> throw new IllegalArgumentException("gort agent: unknown option '" + o
                            + "' (expected preempt, race, include=, exclude=, entry=, verbose)");
                }
            }
        }
        if (!preempt && !race) {
            preempt = true;
        }
        return new AgentOptions(preempt, race, entry, verbose, List.copyOf(inc), List.copyOf(exc));
    }

    private static boolean flag(String key, String val) {
        if (val == null || val.equals("true")) {
            return true;
        }
        if (val.equals("false")) {
            return false;
        }
        throw new IllegalArgumentException("gort agent: option " + key + " takes true or false, got '" + val + "'");
    }

    private static void patterns(String key, String val, List<String> out) {
        if (val == null || val.isEmpty()) {
            throw new IllegalArgumentException("gort agent: option " + key + "= needs at least one pattern");
        }
        for (String p : val.split(";")) {
            String q = p.trim();
            if (q.isEmpty()) {
                continue;
            }
            int star = q.indexOf('*');
            if (star >= 0 && star != q.length() - 1) {
                throw new IllegalArgumentException("gort agent: pattern '" + q + "' in " + key
                        + "= may only end with '*' (e.g. com.acme.*)");
            }
            out.add(q.replace('.', '/'));
        }
    }

    /** Whether the class with this internal name (com/acme/Foo) is to be instrumented. */
    boolean shouldInstrument(String internalName) {
        if (internalName == null) {
            return false;
        }
        for (String s : SYSTEM) {
            if (internalName.startsWith(s)) {
                return false;
            }
        }
        if (matchesAny(excludes, internalName)) {
            return false;
        }
        return includes.isEmpty() || matchesAny(includes, internalName);
    }

    private static boolean matchesAny(List<String> patterns, String name) {
        for (String p : patterns) {
            if (p.endsWith("*") ? name.startsWith(p.substring(0, p.length() - 1)) : name.equals(p)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "preempt=" + preempt + " race=" + race + " entry=" + methodEntry
                + " include=" + includes + " exclude=" + excludes;
    }
}
