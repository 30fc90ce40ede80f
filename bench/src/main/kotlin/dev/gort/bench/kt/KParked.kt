package dev.gort.bench.kt

import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.launch

/** Kotlin's side of ParkedMemory: n coroutines suspended receiving from one channel. */
object KParked {
    /** Kept reachable for the measurement: unreachable suspended coroutines would be collected. */
    @JvmStatic
    var keep: Any? = null

    @JvmStatic
    fun park(procs: Int, n: Int, started: AtomicInteger) {
        val scope = CoroutineScope(Dispatchers.Default.limitedParallelism(procs))
        val ch = Channel<Any>()
        keep = arrayOf(scope, ch)
        repeat(n) {
            scope.launch {
                started.incrementAndGet()
                ch.receive()
            }
        }
    }
}
