package dev.gort.junit;

import org.junit.jupiter.api.Test;
import org.junit.platform.commons.PreconditionViolationException;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

class GoDurationTest {
    @Test
    void parsesGosSyntax() {
        assertEquals(Duration.ofSeconds(30), GoDuration.parse("30s", "t"));
        assertEquals(Duration.ofSeconds(90), GoDuration.parse("1m30s", "t"));
        assertEquals(Duration.ofMillis(500), GoDuration.parse("500ms", "t"));
        assertEquals(Duration.ofMinutes(90), GoDuration.parse("1.5h", "t"));
        assertEquals(Duration.ofNanos(1500), GoDuration.parse("1us500ns", "t"));
        assertEquals(Duration.ZERO, GoDuration.parse("0", "t"));
    }

    @Test
    void rejectsWhatIsNotADuration() {
        for (String bad : new String[] {"", "30", "s", "-1s", "1x", "1s 2s", "1.2.3s"}) {
            var e = assertThrows(PreconditionViolationException.class, () -> GoDuration.parse(bad, "where"), bad);
            assertTrue(e.getMessage().startsWith("where: '" + bad + "' is not a Go duration"), e.getMessage());
        }
    }

    /** Past int64 nanoseconds, as Go's ParseDuration; the largest Go duration still parses. */
    @Test
    void rejectsADurationLongerThanGosLongest() {
        assertEquals(Duration.ofNanos(Long.MAX_VALUE), GoDuration.parse("2562047h47m16.854775807s", "t"));
        assertEquals(Duration.ofNanos(Long.MAX_VALUE), GoDuration.parse("9223372036854775807.5ns", "t")); // as Go: truncated
        for (String bad : new String[] {"2562047h47m16.854775808s", "3000000h", "99999999999999999999ns"}) {
            var e = assertThrows(PreconditionViolationException.class, () -> GoDuration.parse(bad, "where"), bad);
            assertTrue(e.getMessage().startsWith("where: '" + bad + "' is longer than a Go duration can be"), e.getMessage());
        }
    }

    @Test
    void formatsAsGo() {
        assertEquals("0s", GoDuration.format(Duration.ZERO));
        assertEquals("250ms", GoDuration.format(Duration.ofMillis(250)));
        assertEquals("1.5s", GoDuration.format(Duration.ofMillis(1500)));
        assertEquals("1m30s", GoDuration.format(Duration.ofSeconds(90)));
        assertEquals("2h0m0s", GoDuration.format(Duration.ofHours(2)));
    }
}
