package dev.gort.runtime;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which wait reasons checkdead may count as asleep for ever: an allow-list. */
class CheckdeadReasonsTest {
    @Test
    void timersPollerAndJdkParksNeverCount() {
        EnumSet<WaitReason> never = EnumSet.noneOf(WaitReason.class);
        for (WaitReason r : WaitReason.values()) {
            if (!Checkdead.canSleepForever(r)) {
                never.add(r);
            }
        }
        // synctest.Wait: a bubble decides for its own goroutines (see Bubble)
        assertEquals(EnumSet.of(WaitReason.SLEEP, WaitReason.IO_WAIT, WaitReason.SYNCTEST_WAIT, WaitReason.JDK_PARK), never);
    }
}
