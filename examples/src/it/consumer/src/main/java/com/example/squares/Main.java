package com.example.squares;

import dev.gort.Go;

public final class Main {
    public static void main(String[] args) {
        Go.run(() -> System.out.println("sum of squares 1..1000 = " + Squares.sum(1000, 4)));
    }
}
