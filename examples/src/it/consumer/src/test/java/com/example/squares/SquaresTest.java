package com.example.squares;

import dev.gort.chan.Chan;
import dev.gort.junit.GoTest;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SquaresTest {
    @GoTest
    void sumsSquares() {
        assertEquals(1000L * 1001 * 2001 / 6, Squares.sum(1000, 4));
    }

    @GoTest
    void squarerStopsWhenItsInputCloses() {
        Chan<Integer> in = Chan.make();
        var out = Squares.squarer(in);
        in.send(7);
        assertEquals(49L, out.recv());
        in.close(); // the worker returns: no leak
    }
}
