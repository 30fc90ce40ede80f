package dev.gort.examples.chan;

import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.chan.RecvChan;
import dev.gort.chan.SendChan;

import java.util.ArrayList;
import java.util.List;

/**
 * The concurrent prime sieve from Go's documentation: a generator goroutine sends 2, 3, 4, ...; each
 * prime found adds a filter goroutine to a chain, which drops the multiples of that prime. Every
 * link is an unbuffered channel, so the numbers move through the chain hand to hand.
 */
public final class PrimeSieve {
    private PrimeSieve() {}

    /** Sends 2, 3, 4, ... on ch, forever. */
    static void generate(SendChan<Integer> ch) {
        for (int i = 2; ; i++) {
            ch.send(i);
        }
    }

    /** Copies the values from in to out, dropping those divisible by prime. */
    static void filter(RecvChan<Integer> in, SendChan<Integer> out, int prime) {
        for (;;) {
            int i = in.recv();
            if (i % prime != 0) {
                out.send(i);
            }
        }
    }

    /** The first n primes, computed by a chain of n filter goroutines. Call inside a goroutine. */
    public static List<Integer> primes(int n) {
        List<Integer> primes = new ArrayList<>(n);
        Chan<Integer> ch = Chan.make();
        Go.go(() -> generate(ch));
        RecvChan<Integer> in = ch;
        for (int i = 0; i < n; i++) {
            int prime = in.recv();
            primes.add(prime);
            Chan<Integer> out = Chan.make();
            RecvChan<Integer> from = in;
            Go.go(() -> filter(from, out, prime));
            in = out;
        }
        return primes; // the chain's goroutines stay blocked, as in Go's example
    }

    /** Prints the first 25 primes and how many goroutines the chain used. For the demo. */
    public static void demo() {
        Go.run(() -> {
            List<Integer> p = primes(25);
            System.out.println("prime sieve: a chain of " + p.size() + " filter goroutines found " + p);
        });
    }

    public static void main(String[] args) {
        demo();
    }
}
