package dev.gort.examples.context;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class ContextPipelineTest {
    @Test
    void everyStageStopsAndNothingLeaks() {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            ContextPipeline.run();
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        old.print(out);
        assertTrue(out.contains("group error after"), out);
        assertTrue(out.contains("java.lang.IllegalStateException: sink: cannot store 400"), out);
        assertTrue(out.contains("ContextException: context deadline exceeded"), out);
        for (String stage : new String[] {"gen", "square"}) {
            assertEquals(2, count(out, stage + "\\s+stops after"), stage + " must stop in both scenarios:\n" + out);
        }
        assertEquals(1, count(out, "sink\\s+fails at value 20"), out);
        assertEquals(1, count(out, "sink\\s+stops after"), "the sink stops on the deadline:\n" + out);
        Matcher m = Pattern.compile("goroutines before: (\\d+), after: (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        assertEquals(m.group(1), m.group(2), "a stage leaked");
    }

    private static int count(String s, String regex) {
        Matcher m = Pattern.compile(regex).matcher(s);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
