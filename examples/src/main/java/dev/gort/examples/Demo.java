package dev.gort.examples;

/** The demo: placeholder until the scenarios land (issue 2). */
public final class Demo {
    public static void main(String[] args) {
        System.out.println("gort demo");
    }
}
