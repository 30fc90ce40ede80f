package dev.gort.junit;

import org.junit.platform.commons.PreconditionViolationException;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go's duration syntax (time.ParseDuration), for timeouts: a sequence of decimal numbers, each
 * with a unit ("300ms", "1.5h", "2h45m"); units ns, us (or µs), ms, s, m, h; "0" alone is zero.
 * Negative durations are rejected: a timeout cannot be negative.
 */
final class GoDuration {
    private GoDuration() {}

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");

    /** Parses s; a bad value throws naming it and where it came from. */
    static Duration parse(String s, String where) {
        String v = s.trim();
        if (v.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = PART.matcher(v);
        BigDecimal nanos = BigDecimal.ZERO;
        int at = 0;
        while (at < v.length() && m.find(at) && m.start() == at) {
            nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unitNanos(m.group(2)))));
            at = m.end();
        }
        if (v.isEmpty() || at != v.length()) {
            throw new PreconditionViolationException(where + ": '" + s
                    + "' is not a Go duration (examples: 30s, 1m30s, 500ms; 0 for none)");
        }
        nanos = nanos.setScale(0, java.math.RoundingMode.DOWN); // Go drops fractions of a nanosecond
        if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            // Go's ParseDuration: "time: invalid duration" past int64 nanoseconds (about 292 years);
            // longValue would wrap negative, and the test would time out at once.
            throw new PreconditionViolationException(where + ": '" + s
                    + "' is longer than a Go duration can be (at most 2562047h47m16.854775807s)");
        }
        return Duration.ofNanos(nanos.longValue());
    }

    private static long unitNanos(String unit) {
        return switch (unit) {
            case "ns" -> 1L;
            case "us", "µs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L; // "h"
        };
    }

    /** Go's Duration.String, to whole milliseconds: "1m30s", "1.5s", "250ms", "0s". */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + (ms == 0 ? "s" : "ms");
        }
        StringBuilder sb = new StringBuilder();
        long h = ms / 3_600_000, m = ms / 60_000 % 60, sMs = ms % 60_000;
        if (h > 0) {
            sb.append(h).append('h');
        }
        if (h > 0 || m > 0) {
            sb.append(m).append('m');
        }
        sb.append(BigDecimal.valueOf(sMs, 3).stripTrailingZeros().toPlainString()).append('s');
        return sb.toString();
    }
}
