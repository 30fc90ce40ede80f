/**
 * Go's {@code context} package: {@link dev.gort.context.Context} carries deadlines, cancellation
 * and request-scoped values across goroutines. {@code done()} is a gort channel, so it works in a
 * {@link dev.gort.chan.Select} beside other channel cases.
 */
package dev.gort.context;
