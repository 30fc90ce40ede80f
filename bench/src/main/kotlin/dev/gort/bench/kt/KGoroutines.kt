package dev.gort.bench.kt

import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking

/** Kotlin's side of the goroutine rows: coroutines on Dispatchers.Default limited to P threads. */
object KGoroutines {
    /** Launches n coroutines that each count down, and waits for all of them; returns the count. */
    @JvmStatic
    fun spawnJoin(procs: Int, n: Int): Int {
        val counted = AtomicInteger()
        runBlocking(Dispatchers.Default.limitedParallelism(procs)) {
            repeat(n) { launch { counted.incrementAndGet() } }
        }
        return counted.get()
    }
}
