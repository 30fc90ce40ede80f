/**
 * Go's {@code time} package for goroutines: {@link dev.gort.time.Time#sleep},
 * {@link dev.gort.time.Time#after}, {@link dev.gort.time.Time#tick},
 * {@link dev.gort.time.Time#afterFunc}, {@link dev.gort.time.Timer} and
 * {@link dev.gort.time.Ticker}, with Go 1.23 timer-channel semantics. Timers belong to gort's
 * runtime (per-P timer heaps, run by the scheduler), so they cost no thread and the deadlock
 * detector knows when one is pending. As in Go 1.23, a channel timer is in a heap only while a
 * goroutine waits on its channel: one nobody references is garbage, stopped or not, and one
 * nobody waits on does not hold back a deadlock report.
 */
package dev.gort.time;
