package dev.gort.junit;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * {@link GoTest @GoTest} for a test template: each invocation of a {@code @RepeatedTest},
 * {@code @ParameterizedTest} or other {@code @TestTemplate} method runs as the main goroutine of
 * a {@link dev.gort.Go#run Go.run}, with everything {@code @GoTest} checks (deadlock, leaked
 * goroutines, timeout with the goroutine dump, races). {@code @GoTest} is itself a {@code @Test},
 * so it cannot share a method with a template annotation; this one can, and is nothing without
 * one:
 * <pre>{@code
 * @ParameterizedTest
 * @ValueSource(ints = {0, 1, 16})
 * @GoTestTemplate
 * void pipeline(int capacity) {
 *     Chan<Integer> ch = Chan.make(capacity);
 *     Go.go(() -> { ch.send(42); ch.close(); });
 *     assertEquals(42, ch.recv());
 * }
 *
 * @RepeatedTest(20) // go test -count=20
 * @GoTestTemplate(timeout = "10s")
 * void handOff() { ... }
 * }</pre>
 * The attributes mean what {@code @GoTest}'s do, per invocation: the timeout bounds each
 * invocation, and {@link #seeds()} explores that many schedules in each. A method with both
 * {@code @GoTest} and a template annotation fails before it runs, with a message that names this
 * annotation; one with this annotation that is not a template, or is also a {@code @Test}, fails
 * naming {@code @GoTest}.
 */
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ExtendWith(GoTestExtension.class)
public @interface GoTestTemplate {

    /** As {@link GoTest#ignoreLeaks()}. */
    boolean ignoreLeaks() default false;

    /** As {@link GoTest#timeout()}, for each invocation. */
    String timeout() default "";

    /** As {@link GoTest#synctest()}. */
    boolean synctest() default false;

    /** As {@link GoTest#seed()}. */
    String seed() default "";

    /** As {@link GoTest#seeds()}, in each invocation. */
    int seeds() default 0;
}
