package dev.gort.synctest;

/** Child JVM entry: keeps every CPU busy until killed (the "another JVM loading the CPU"). */
public final class CpuLoad {
    public static void main(String[] args) {
        int n = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < n; i++) {
            Thread.ofPlatform().start(() -> {
                long x = 1;
                for (;;) {
                    x = x * 6364136223846793005L + 1442695040888963407L;
                    if (x == 42) {
                        System.out.println(x);
                    }
                }
            });
        }
    }
}
