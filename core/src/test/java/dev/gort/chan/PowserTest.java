package dev.gort.chan;

import dev.gort.Go;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The behaviour of Go's test/chan/powser1.go (McIlroy's power series, "Squinting at power series"):
 * a power series is a stream of rational coefficients produced on demand by its own goroutine. A
 * consumer asks for the next coefficient on a request channel and gets it on a data channel.
 * Series are combined by goroutines (add, multiply, integrate, differentiate), split for two
 * consumers with a select over both requests, and defined recursively through feedback (exp),
 * which only works if every hand-off and select is exactly right.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PowserTest {

    /** An exact rational. */
    record Rat(long num, long den) {
        static Rat of(long n, long d) {
            if (d < 0) {
                n = -n;
                d = -d;
            }
            long g = gcd(Math.abs(n), d);
            return new Rat(n / g, d / g);
        }

        static long gcd(long a, long b) {
            return b == 0 ? Math.max(a, 1) : gcd(b, a % b);
        }

        Rat add(Rat o) {
            return of(num * o.den + o.num * den, den * o.den);
        }

        Rat mul(Rat o) {
            return of(num * o.num, den * o.den);
        }

        @Override
        public String toString() {
            return den == 1 ? Long.toString(num) : num + "/" + den;
        }
    }

    static final Rat ZERO = Rat.of(0, 1), ONE = Rat.of(1, 1);

    /** A power series: demand on req, receive the coefficient on dat. */
    record PS(Chan<Boolean> req, Chan<Rat> dat) {
        static PS make() {
            return new PS(Chan.make(), Chan.make());
        }

        Rat get() {
            req.send(true);
            return dat.recv();
        }

        /** Waits for a demand, then answers it. */
        void put(Rat r) {
            req.recv();
            dat.send(r);
        }
    }

    interface Gen {
        Rat next(int n);
    }

    static PS series(Gen g) {
        PS out = PS.make();
        Go.go(() -> {
            for (int n = 0; ; n++) {
                out.put(g.next(n));
            }
        });
        return out;
    }

    /**
     * Go's split/dosplit: copies in onto out[0] and out[1], which may be read at different rates.
     * One goroutine per coefficient: it serves whichever copy asks first (renaming it out[0] by a
     * swap in the shared array), starts the next generation before waiting for the value, and
     * serves the other copy only after the previous generation released it.
     */
    static void split(PS in, PS[] out) {
        PS[] shared = out.clone(); // the generations swap within this array; the caller's stays
        Chan<Integer> release = Chan.make();
        Go.go(() -> dosplit(in, shared, release));
        release.send(0);
    }

    static PS[] split(PS in) {
        PS[] out = {PS.make(), PS.make()};
        split(in, out);
        return out;
    }

    private static void dosplit(PS in, PS[] out, Chan<Integer> wait) {
        boolean both = false; // do not service both channels
        int c = new Select().recv(out[0].req(), x -> {}).recv(wait, x -> {}).run();
        if (c == 1) {
            both = true;
            int d = new Select().recv(out[0].req(), x -> {}).recv(out[1].req(), x -> {}).run();
            if (d == 1) {
                PS t = out[0];
                out[0] = out[1];
                out[1] = t;
            }
        }
        in.req().send(true);
        Chan<Integer> release = Chan.make();
        Go.go(() -> dosplit(in, out, release));
        Rat dat = in.dat().recv();
        out[0].dat().send(dat);
        if (!both) {
            wait.recv();
        }
        out[1].req().recv();
        out[1].dat().send(dat);
        release.send(0);
    }

    static PS add(PS u, PS v) {
        PS out = PS.make();
        Go.go(() -> {
            for (;;) {
                out.req().recv();
                out.dat().send(u.get().add(v.get()));
            }
        });
        return out;
    }

    /** Cauchy product; keeps the coefficients seen so far. */
    static PS mul(PS u, PS v) {
        PS out = PS.make();
        Go.go(() -> {
            List<Rat> us = new ArrayList<>(), vs = new ArrayList<>();
            for (int n = 0; ; n++) {
                out.req().recv();
                us.add(u.get());
                vs.add(v.get());
                Rat s = ZERO;
                for (int i = 0; i <= n; i++) {
                    s = s.add(us.get(i).mul(vs.get(n - i)));
                }
                out.dat().send(s);
            }
        });
        return out;
    }

    /** c + integral of U: the constant first, without asking U. */
    static PS integ(Rat c, PS u) {
        PS out = PS.make();
        Go.go(() -> {
            out.put(c);
            for (int n = 1; ; n++) {
                out.put(u.get().mul(Rat.of(1, n)));
            }
        });
        return out;
    }

    static PS deriv(PS u) {
        PS out = PS.make();
        Go.go(() -> {
            u.get(); // drop the constant
            for (int n = 1; ; n++) {
                out.put(u.get().mul(Rat.of(n, 1)));
            }
        });
        return out;
    }

    /** exp(U) = X where X = integ(1, X * U'): a feedback loop through split (Go's Exp). Requires u0 == 0. */
    static PS exp(PS u) {
        PS[] zz = {PS.make(), PS.make()};
        split(integ(ONE, mul(zz[0], deriv(u))), zz);
        return zz[1];
    }

    static List<String> first(PS s, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(s.get().toString());
        }
        return out;
    }

    @Test
    void powerSeries() {
        List<List<String>> got = new ArrayList<>();
        Go.run(() -> {
            PS[] o = split(series(n -> ONE));
            got.add(first(add(o[0], o[1]), 5));                      // 2 2 2 2 2
            got.add(first(mul(series(n -> ONE), series(n -> ONE)), 6)); // 1/(1-x)^2 = 1 2 3 4 5 6
            got.add(first(integ(ZERO, series(n -> ONE)), 5));        // -log(1-x) = 0 1 1/2 1/3 1/4
            got.add(first(deriv(series(n -> Rat.of(n + 1, 1))), 4)); // d/dx sum (n+1)x^n = 2 6 12 20
            got.add(first(exp(series(n -> n == 1 ? ONE : ZERO)), 8)); // e^x = 1/n!
            PS[] e = split(exp(series(n -> n == 1 ? ONE : ZERO)));
            got.add(first(mul(e[0], e[1]), 6));                       // e^2x = 2^n/n!
        });
        assertEquals(List.of("2", "2", "2", "2", "2"), got.get(0));
        assertEquals(List.of("1", "2", "3", "4", "5", "6"), got.get(1));
        assertEquals(List.of("0", "1", "1/2", "1/3", "1/4"), got.get(2));
        assertEquals(List.of("2", "6", "12", "20"), got.get(3));
        assertEquals(List.of("1", "1", "1/2", "1/6", "1/24", "1/120", "1/720", "1/5040"), got.get(4));
        assertEquals(List.of("1", "2", "2", "4/3", "2/3", "4/15"), got.get(5));
    }
}
