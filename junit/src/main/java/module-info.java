/**
 * gort's JUnit 5 integration, the {@code go test} of gort: {@link dev.gort.junit.GoTest @GoTest}
 * runs a test method as the main goroutine of a {@code Go.run} and fails it on a deadlock, a
 * goroutine leak, a timeout (with the goroutine dump) or a data race found by the gort agent;
 * {@link dev.gort.junit.GoTestTemplate @GoTestTemplate} does the same for each invocation of a
 * {@code @RepeatedTest} or {@code @ParameterizedTest}.
 */
module dev.gort.junit {
    requires transitive dev.gort;
    requires transitive org.junit.jupiter.api;

    exports dev.gort.junit;
}
