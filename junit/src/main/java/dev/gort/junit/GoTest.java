package dev.gort.junit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test whose body runs as a goroutine: gort's {@code go test}. Use it instead of {@code @Test}:
 * <pre>{@code
 * @GoTest
 * void pipeline() {
 *     Chan<Integer> ch = Chan.make();
 *     Go.go(() -> { ch.send(42); ch.close(); });
 *     assertEquals(42, ch.recv());
 * }
 * }</pre>
 * The method body runs as the main goroutine of a {@link dev.gort.Go#run Go.run} (lifecycle
 * methods such as {@code @BeforeEach} do not: they run on JUnit's thread, as usual). The test
 * fails, with a message that says why, when:
 * <ul>
 *   <li><b>it deadlocks</b>: every goroutine is asleep on gort's channels, locks or
 *       {@code select}, and nothing outside them can wake them. The failure's message is Go's,
 *       {@code fatal error: all goroutines are asleep - deadlock!}, followed by the goroutine dump,
 *       and its cause is the {@link dev.gort.DeadlockError}. Deadlock detection is process-wide,
 *       as in Go: a goroutine left running by another test (or sleeping on a timer) keeps it from
 *       firing, and the timeout below then ends the test.</li>
 *   <li><b>it leaks goroutines</b> (goleak's {@code VerifyNone}): goroutines the test started
 *       (directly or through the goroutines it started) are still alive after the body returned
 *       and a grace period of up to 2 seconds for exiting ones, which the test's timeout ends if it
 *       comes first (the test then fails for its leak, not as timed out). The message lists each
 *       one's stack.
 *       Only the test's own goroutines count ({@link dev.gort.Go#runGoroutines}), so tests running
 *       in parallel do not blame each other; goroutines started from a thread that is not a
 *       goroutine (an executor's, say) and virtual threads made with the JDK's API are not seen.
 *       No JVM flag is needed. The check is skipped when the test failed anyway, and switched off
 *       with {@link #ignoreLeaks()}.</li>
 *   <li><b>it times out</b> ({@link #timeout()}): the goroutine dump of every goroutine is printed
 *       on stderr and put in the failure, as Go's {@code panic: test timed out} and kotlinx's
 *       {@code CoroutinesTimeout}, and the main goroutine is interrupted (a blocked channel
 *       operation then throws {@link dev.gort.chan.ChanInterruptedException}). JUnit's own
 *       {@code @Timeout} works too, and gets the same dump.</li>
 *   <li><b>the race detector reports a race</b> while it runs (the JVM started with
 *       {@code -javaagent:gort-agent.jar=race}): the failure carries the report, printed on stderr
 *       as well, and the test run goes on; a race reported while no {@code @GoTest} runs still
 *       ends the JVM with status 66 at exit, as without this extension.</li>
 * </ul>
 * An exception escaping the body fails the test as it would under {@code @Test} (an assertion's
 * failure, an assumption's abort; under {@link #seeds()} too). A body that ends in
 * {@link dev.gort.Go#goexit()} fails with Go's {@code test executed panic(nil) or runtime.Goexit}.
 * One escaping another of the test's
 * goroutines is a panic: Go's {@code panic:} report goes to stderr and the exception fails the
 * test, also when it happens after the body returned, during the leak check's grace period; a body
 * still blocked then is interrupted (Go's test binary dies of the panic), so it does not outlive
 * the test. With
 * {@link #ignoreLeaks()}, goroutines that outlive the body are the program's, not the test's: a
 * later panic of theirs is only printed. The body is not given a
 * context, a test reporter or parameters other than what JUnit resolves for the method.
 * <p>
 * {@code @GoTest} is a {@code @Test}: for a {@code @RepeatedTest} ({@code go test -count}) or a
 * {@code @ParameterizedTest} (Go's table-driven tests), use {@link GoTestTemplate @GoTestTemplate},
 * which takes the same attributes and applies them to each invocation.
 */
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Test
@ExtendWith(GoTestExtension.class)
public @interface GoTest {

    /**
     * Skip the goroutine leak check for this test (goleak's opt-out): for a test that starts
     * long-lived goroutines on purpose, such as a server shared with later tests.
     */
    boolean ignoreLeaks() default false;

    /**
     * How long the test may run, in Go's duration syntax ({@code "30s"}, {@code "1m30s"},
     * {@code "500ms"}; {@code "0"} for no limit), as {@code go test -timeout}. Empty (the default)
     * means the JUnit configuration parameter {@value GoTestExtension#TIMEOUT_PROPERTY} (a system
     * property or {@code junit-platform.properties} entry, same syntax), or else 60 seconds. A
     * value that is not a duration fails the test, naming the value.
     */
    String timeout() default "";

    /**
     * Run the body as the root goroutine of a {@code dev.gort.synctest} bubble
     * ({@link dev.gort.synctest.Synctest#test(Runnable) Synctest.test}) instead of a plain
     * {@code Go.run}: a fake clock that jumps to the next timer once every goroutine of the
     * bubble is durably blocked, goroutines run one at a time, and a deadlock inside the bubble
     * fails with Go's {@code deadlock: all goroutines in bubble are blocked} and the bubble's dump.
     * The test returns only when every goroutine of the bubble has exited, so there is no leak
     * check. Implied by {@link #seed()} and {@link #seeds()}.
     */
    boolean synctest() default false;

    /**
     * Replay one seeded schedule ({@link dev.gort.synctest.Synctest#test(long, Runnable)}): the
     * seed a failing {@link #seeds()} exploration printed, in hex ({@code "0x2bc68cb5ba9b7870"}) or
     * decimal. Empty (the default): no seed.
     */
    String seed() default "";

    /**
     * Explore this many seeded schedules ({@link dev.gort.synctest.Synctest#explore}, PCT), one
     * after another: the first failing one fails the test, with its seed and how to pin it with
     * {@link #seed()}. The body runs once per schedule, on the same test instance, so state it
     * checks must be made inside it. 0 (the default): no exploration.
     */
    int seeds() default 0;
}
