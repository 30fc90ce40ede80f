package dev.gort.testprog;

import dev.gort.Go;

import java.lang.management.ManagementFactory;

/** Prints what gort run gave the program's JVM: arguments, properties, JVM options, loaders. */
public final class LaunchEnv {
    public static void main(String[] args) {
        ClassLoader ccl = Thread.currentThread().getContextClassLoader();
        boolean picocli;
        try {
            Class.forName("picocli.CommandLine");
            picocli = true;
        } catch (ClassNotFoundException e) {
            picocli = false;
        }
        System.out.println("args=" + String.join(",", args));
        System.out.println("goid=" + Go.goid() + " procs=" + Go.gomaxprocs(0));
        System.out.println("opt=" + System.getProperty("gort.test.opt"));
        System.out.println("jvm=" + ManagementFactory.getRuntimeMXBean().getInputArguments());
        System.out.println("ccl=" + (ccl == ClassLoader.getSystemClassLoader()) + " loader="
                + (LaunchEnv.class.getClassLoader() == ClassLoader.getSystemClassLoader()));
        System.out.println("picocli=" + picocli);
    }
}
