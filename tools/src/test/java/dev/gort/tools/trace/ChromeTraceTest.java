package dev.gort.tools.trace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The Chrome Trace Event export of a real trace: schema-valid, one lane per P, paired flows. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ChromeTraceTest {
    @TempDir
    Path dir;

    @Test
    void exportOfARealTraceMatchesTheSchemaAndTheModel() throws Exception {
        Path trace = TraceWorkload.traced(dir.resolve("chrome.trace"));
        Path json = dir.resolve("chrome.json");
        TraceModel m = TraceFiles.writeChromeJson(trace, json);

        JsonNode doc = new ObjectMapper().readTree(json.toFile());
        JsonSchema schema;
        try (InputStream in = getClass().getResourceAsStream("/chrome-trace-event.schema.json")) {
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(in);
        }
        Set<ValidationMessage> errors = schema.validate(doc);
        assertEquals(Set.of(), errors, "schema violations");

        int slices = 0;
        Map<Long, String> flowPhases = new HashMap<>();
        Map<Integer, String> threadNames = new HashMap<>();
        for (JsonNode e : doc.get("traceEvents")) {
            switch (e.get("ph").asText()) {
                case "X" -> {
                    slices++;
                    assertTrue(m.lanes().containsKey(e.get("tid").asInt()), "slice on a P lane: " + e);
                    assertTrue(e.get("name").asText().startsWith("G" + e.get("args").get("goid").asLong() + " "), e.toString());
                }
                case "s", "f" -> flowPhases.merge(e.get("id").asLong(), e.get("ph").asText(), String::concat);
                case "M" -> {
                    if (e.get("name").asText().equals("thread_name")) {
                        threadNames.put(e.get("tid").asInt(), e.get("args").get("name").asText());
                    }
                }
                default -> { }
            }
        }
        assertEquals(m.lanes().values().stream().mapToInt(List::size).sum(), slices);
        assertFalse(flowPhases.isEmpty(), "flows from unblocker to unblocked");
        flowPhases.forEach((id, phases) -> assertEquals("sf", phases, "flow " + id + " is one s then one f"));
        m.lanes().keySet().forEach(p -> assertEquals("P" + p, threadNames.get(p)));
    }
}
