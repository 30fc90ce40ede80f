/**
 * Go's {@code golang.org/x/sync/errgroup}: {@link dev.gort.errgroup.Group} runs goroutines working
 * on subtasks of a common task, waits for them, returns the first error and cancels the group's
 * {@link dev.gort.context.Context}. It lives in its own package, as in Go, so that {@code sync}
 * does not depend on {@code context}.
 */
package dev.gort.errgroup;
