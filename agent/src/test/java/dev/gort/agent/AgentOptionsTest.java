package dev.gort.agent;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentOptionsTest {
    @Test
    void noArgumentsMeansPreemptEverythingButSystemClasses() {
        AgentOptions o = AgentOptions.parse(null);
        assertTrue(o.preempt);
        assertFalse(o.race);
        assertTrue(o.methodEntry);
        assertTrue(o.shouldInstrument("com/acme/Foo"));
        for (String sys : new String[] {"java/lang/String", "javax/swing/JFrame", "jdk/internal/Foo",
                "sun/misc/Unsafe", "com/sun/Foo", "dev/gort/Go", "dev/gort/agent/shaded/asm/ClassReader"}) {
            assertFalse(o.shouldInstrument(sys), sys);
        }
        assertFalse(o.shouldInstrument(null), "hidden classes have no name");
    }

    @Test
    void includeAndExcludePatterns() {
        AgentOptions o = AgentOptions.parse("race, include=com.acme.*;org.foo.Bar ,exclude=com.acme.gen.*,entry=false");
        assertTrue(o.race);
        assertFalse(o.preempt, "naming a mode turns the default off");
        assertFalse(o.methodEntry);
        assertTrue(o.shouldInstrument("com/acme/Foo"));
        assertTrue(o.shouldInstrument("com/acme/deep/Foo$1"));
        assertFalse(o.shouldInstrument("com/acme/gen/Foo"));
        assertTrue(o.shouldInstrument("org/foo/Bar"));
        assertFalse(o.shouldInstrument("org/foo/Baz"));
        assertFalse(o.shouldInstrument("com/acmeX/Foo"), "a package pattern stops at the dot");
        assertFalse(o.shouldInstrument("java/util/HashMap"), "system classes stay excluded");
        assertFalse(AgentOptions.parse("include=dev.gort.*").shouldInstrument("dev/gort/Go"));
    }

    @Test
    void bothModes() {
        AgentOptions o = AgentOptions.parse("preempt,race");
        assertTrue(o.preempt);
        assertTrue(o.race);
    }

    @Test
    void badOptionsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("preemt"));
        assertTrue(e.getMessage().contains("'preemt'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("include=com.*.Foo"));
        assertTrue(e.getMessage().contains("com.*.Foo"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("entry=maybe"));
        assertTrue(e.getMessage().contains("maybe"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("include="));
        assertEquals("gort agent: option include= needs at least one pattern", e.getMessage());
    }
}
