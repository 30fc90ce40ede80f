/**
 * Go's {@code testing/synctest} for gort: bubbles with a fake clock, {@code await} (Go's
 * {@code Wait}), durable blocking including gort's mutexes, and seeded, replayable schedules with
 * {@code explore}. Start at {@link dev.gort.synctest.Synctest}.
 */
package dev.gort.synctest;
