package dev.gort.trace.format;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The trace format, both directions: what the Writer writes, read reads back; bad input is named. */
class TraceFileTest {
    @Test
    void writerAndReaderAgree() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TraceFile.Writer w = new TraceFile.Writer(out, 1_700_000_000_000_000L, 3,
                List.of("chan receive", "IO wait"), List.of("main", "Main.main:7", "caf\u00e9"), 4);
        w.event(10, TraceFile.GOMAXPROCS, -1, 0, 0, 4);
        w.event(10, TraceFile.GO_CREATE, 0, 1, 0, 1);
        w.event(300, TraceFile.GO_UNBLOCK, -1, 1, -3, 0); // a waker: b negative
        w.event(1L << 40, TraceFile.GO_BLOCK, 3, 1, 0, -1); // extra's 32 bits survive
        TraceFile f = TraceFile.read(new ByteArrayInputStream(out.toByteArray()), "t");

        assertEquals(1_700_000_000_000_000L, f.startEpochMicros());
        assertEquals(3, f.dropped());
        assertEquals(List.of("chan receive", "IO wait"), f.reasons());
        assertEquals(List.of("main", "Main.main:7", "caf\u00e9"), f.labels());
        assertEquals(4, f.size());
        assertArrayEquals(new long[] {10, 10, 300, 1L << 40}, f.ts());
        assertArrayEquals(new int[] {TraceFile.GOMAXPROCS, TraceFile.GO_CREATE, TraceFile.GO_UNBLOCK,
                TraceFile.GO_BLOCK}, f.type());
        assertArrayEquals(new int[] {-1, 0, -1, 3}, f.p());
        assertArrayEquals(new long[] {0, 1, 1, 1}, f.a());
        assertArrayEquals(new long[] {0, 0, -3, 0}, f.b());
        assertArrayEquals(new int[] {4, 1, 0, -1}, f.extra());
        assertEquals("#3 GO_BLOCK t=1099511627776 p=3 g=1 b=0 x=-1", f.describe(3));
        assertTrue(TraceFile.isGoroutineEvent(TraceFile.GO_BLOCK));
        assertFalse(TraceFile.isGoroutineEvent(TraceFile.PROC_START));
        assertEquals("USER_LOG", TraceFile.typeName(TraceFile.USER_LOG));
        assertEquals("?", TraceFile.typeName(99));
    }

    @Test
    void writerRefusesWhatTheFormatCannotSay() throws IOException {
        TraceFile.Writer w = new TraceFile.Writer(new ByteArrayOutputStream(), 0, 0, List.of(), List.of(), 1);
        assertThrows(IllegalArgumentException.class, () -> w.event(0, 0, -1, 0, 0, 0), "type 0");
        assertThrows(IllegalArgumentException.class, () -> w.event(0, 21, -1, 0, 0, 0), "type past USER_LOG");
        assertThrows(IllegalArgumentException.class, () -> w.event(0, TraceFile.GO_START, -2, 0, 0, 0), "p -2");
        w.event(5, TraceFile.GO_START, 0, 1, 0, 0);
        assertThrows(IllegalStateException.class, () -> w.event(6, TraceFile.GO_END, 0, 1, 0, 0), "a second of one");
        TraceFile.Writer back = new TraceFile.Writer(new ByteArrayOutputStream(), 0, 0, List.of(), List.of(), 2);
        back.event(5, TraceFile.GO_START, 0, 1, 0, 0);
        assertThrows(IllegalArgumentException.class, () -> back.event(4, TraceFile.GO_END, 0, 1, 0, 0),
                "time goes back");
        assertThrows(IllegalArgumentException.class,
                () -> new TraceFile.Writer(new ByteArrayOutputStream(), 0, 0, List.of(), List.of(), -1));
    }

    @Test
    void readerNamesWhatIsWrong() throws IOException {
        byte[] json = "{\"traceEvents\":[]}".getBytes(StandardCharsets.UTF_8);
        IOException notATrace = assertThrows(IOException.class,
                () -> TraceFile.read(new ByteArrayInputStream(json), "x.json"));
        assertTrue(notATrace.getMessage().startsWith("x.json is not a gort trace"), notATrace.getMessage());

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new TraceFile.Writer(out, 0, 0, List.of(), List.of(), 2).event(1, TraceFile.GO_START, 0, 7, 0, 0);
        byte[] truncated = out.toByteArray(); // announces 2 events, holds 1
        EOFException eof = assertThrows(EOFException.class,
                () -> TraceFile.read(new ByteArrayInputStream(truncated), "t"));
        assertEquals("t: truncated after 1 of 2 events", eof.getMessage());

        out = new ByteArrayOutputStream();
        new TraceFile.Writer(out, 0, 0, List.of(), List.of(), 1).event(1, TraceFile.GO_START, 0, 7, 0, 0);
        byte[] bad = out.toByteArray();
        int typeAt = bad.length - 6; // the event: type, ts delta, p+1, a, b, extra, one byte each here
        assertEquals(TraceFile.GO_START, bad[typeAt]);
        bad[typeAt] = 42;
        IOException unknown = assertThrows(IOException.class, () -> TraceFile.read(new ByteArrayInputStream(bad), "t"));
        assertEquals("t: event 0 has unknown type 42", unknown.getMessage());
    }

    @Test
    void aDecodedTraceHasOneLengthForAllItsArrays() {
        long[] two = new long[2];
        int[] one = new int[1];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TraceFile(0, 0, List.of(), List.of(), two, one, new int[2], two, two, new int[2]));
        assertTrue(e.getMessage().contains("one length"), e.getMessage());
        assertThrows(NullPointerException.class,
                () -> new TraceFile(0, 0, null, List.of(), two, new int[2], new int[2], two, two, new int[2]));
        assertEquals(2, new TraceFile(0, 0, List.of(), List.of(), two, new int[2], new int[2], Arrays.copyOf(two, 2),
                two, new int[2]).size());
    }
}
