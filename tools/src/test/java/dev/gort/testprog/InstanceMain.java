package dev.gort.testprog;

import dev.gort.Go;

/** Java 25's instance main without parameters (JEP 512): gort run makes an instance and calls it. */
final class InstanceMain {
    private final String greeting = "instance main";

    void main() {
        System.out.println(greeting + " goid=" + Go.goid());
    }
}
