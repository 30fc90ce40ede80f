package com.example.squares;

import dev.gort.chan.Chan;
import dev.gort.junit.GoTest;
import dev.gort.junit.GoTestTemplate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SquaresTest {
    @GoTest
    void sumsSquares() {
        assertEquals(1000L * 1001 * 2001 / 6, Squares.sum(1000, 4));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 8})
    @GoTestTemplate
    void sumsSquaresWithAnyNumberOfWorkers(int workers) {
        assertEquals(100L * 101 * 201 / 6, Squares.sum(100, workers));
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
