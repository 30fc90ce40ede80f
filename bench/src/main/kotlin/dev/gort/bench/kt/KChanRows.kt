package dev.gort.bench.kt

import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.SendChannel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.selects.select
import org.openjdk.jmh.infra.Blackhole

/**
 * kotlinx.coroutines' side of the channel rows: the same shapes as the Java rows in
 * dev.gort.bench.ChanRows and Selects, with coroutines on Dispatchers.Default limited to P threads
 * (the parallelism the other sides get) and boxed values, as every side sends. Each function is one
 * benchmark invocation: it runs a fresh runBlocking main and returns when the row is done.
 */
object KChanRows {
    private val ONE: Any = 1
    private val ZERO: Any = 0
    private const val BATCH = 1000
    private const val C = 100

    private fun disp(p: Int): CoroutineDispatcher = Dispatchers.Default.limitedParallelism(p)

    private fun main(p: Int, body: suspend CoroutineScope.() -> Unit) = runBlocking(disp(p)) { body() }

    /** Runs body(id) in p coroutines and waits for all of them. */
    private suspend fun parallel(p: Int, body: suspend (Int) -> Unit) = coroutineScope {
        repeat(p) { id -> launch { body(id) } }
    }

    @JvmStatic
    fun chanSync(p: Int, n: Int) = main(p) {
        val c = Channel<Any>()
        parallel(2) { id ->
            repeat(n / 2) {
                if (id == 0) { c.receive(); c.send(ZERO) } else { c.send(ZERO); c.receive() }
            }
        }
    }

    @JvmStatic
    fun prodCons(p: Int, cap: Int, n: Int) = main(p) {
        val c = Channel<Any>(cap)
        val batches = AtomicInteger(n / BATCH)
        parallel(2 * p) { id ->
            if (id % 2 == 0) {
                while (batches.getAndDecrement() > 0) repeat(BATCH) { c.send(ONE) }
                c.send(ZERO)
            } else {
                while (c.receive() != ZERO) { /* consume */ }
            }
        }
    }

    @JvmStatic
    fun uncontended(p: Int, n: Int) = main(p) {
        parallel(p) {
            val c = Channel<Any>(C)
            repeat(n / p) {
                repeat(C) { c.send(ZERO) }
                repeat(C) { c.receive() }
            }
        }
    }

    @JvmStatic
    fun contended(p: Int, n: Int) = main(p) {
        val c = Channel<Any>(C * p)
        parallel(p) {
            repeat(n / p) {
                repeat(C) { c.send(ZERO) }
                repeat(C) { c.receive() }
            }
        }
    }

    @JvmStatic
    fun nonblocking(p: Int, n: Int) = main(p) {
        val c = Channel<Any>()
        parallel(p) {
            repeat(n / p) { check(c.tryReceive().getOrNull() == null) }
        }
    }

    @JvmStatic
    fun sem(p: Int, n: Int) = main(p) {
        val c = Channel<Any>(p)
        parallel(p) {
            repeat(n / p) { c.send(ZERO); c.receive() }
        }
    }

    @JvmStatic
    fun creation(p: Int, n: Int) = main(p) {
        parallel(p) {
            repeat(n / p) {
                val c = Channel<Any>(1)
                c.send(ZERO)
                c.receive()
            }
        }
    }

    @JvmStatic
    fun selectNonblock(p: Int, n: Int) = main(p) {
        val c1 = Channel<Any>()
        val c2 = Channel<Any>()
        val c3 = Channel<Any>(1)
        val c4 = Channel<Any>(1)
        parallel(p) {
            repeat(n / p) {
                c1.tryReceive()
                c2.trySend(ZERO)
                c3.tryReceive()
                c4.trySend(ZERO)
            }
        }
    }

    @JvmStatic
    fun pingPong(p: Int, n: Int) = main(p) {
        val ping = Channel<Any>()
        val pong = Channel<Any>()
        launch { repeat(n) { pong.send(ping.receive()) } }
        var ball = ONE
        repeat(n) {
            ping.send(ball)
            ball = pong.receive()
        }
        check(ball === ONE)
    }

    @JvmStatic
    fun skynet(p: Int, size: Int): Long {
        var sum = 0L
        main(p) {
            val out = Channel<Long>()
            val scope = this
            launch { skynet(scope, out, 0L, size) }
            sum = out.receive()
        }
        return sum
    }

    private suspend fun skynet(scope: CoroutineScope, out: SendChannel<Long>, num: Long, size: Int) {
        if (size == 1) {
            out.send(num)
            return
        }
        val rc = Channel<Long>()
        val sub = size / 10
        for (i in 0 until 10) {
            val subNum = num + i.toLong() * sub
            scope.launch { skynet(scope, rc, subNum, sub) }
        }
        var sum = 0L
        repeat(10) { sum += rc.receive() }
        out.send(sum)
    }

    @JvmStatic
    fun selectUncontended(p: Int, n: Int) = main(p) {
        parallel(p) {
            val c1 = Channel<Any>(1)
            val c2 = Channel<Any>(1)
            c1.send(ZERO)
            repeat(n / p) {
                select<Unit> {
                    c1.onReceive { c2.send(ZERO) }
                    c2.onReceive { c1.send(ZERO) }
                }
            }
        }
    }

    @JvmStatic
    fun selectSyncContended(p: Int, n: Int) = main(p) {
        val c1 = Channel<Any>()
        val c2 = Channel<Any>()
        val c3 = Channel<Any>()
        val done = Channel<Any>()
        coroutineScope {
            repeat(p) {
                launch {
                    var running = true
                    while (running) {
                        select<Unit> {
                            c1.onSend(ZERO) {}
                            c2.onSend(ZERO) {}
                            c3.onSend(ZERO) {}
                            done.onReceiveCatching { running = false }
                        }
                    }
                }
            }
            parallel(p) {
                repeat(n / p) {
                    select<Unit> {
                        c1.onReceive {}
                        c2.onReceive {}
                        c3.onReceive {}
                    }
                }
            }
            done.close()
        }
    }

    @JvmStatic
    fun selectProdCons(p: Int, n: Int) = main(p) {
        val c = Channel<Any>(128)
        val never = Channel<Any>()
        val myclose = Channel<Any>()
        val batches = AtomicInteger(n / BATCH)
        parallel(2 * p) { id ->
            if (id % 2 == 0) {
                while (batches.getAndDecrement() > 0) {
                    repeat(BATCH) {
                        Blackhole.consumeCPU(WORK)
                        select<Unit> {
                            c.onSend(ONE) {}
                            never.onReceive {}
                            myclose.onReceive {}
                        }
                    }
                }
                c.send(ZERO)
            } else {
                var running = true
                while (running) {
                    select<Unit> {
                        c.onReceive { v -> if (v == ZERO) running = false }
                        never.onReceive {}
                        myclose.onReceive {}
                    }
                    if (running) Blackhole.consumeCPU(WORK)
                }
            }
        }
    }

    /** The local work of Go's SelectProdCons (100 multiply-divide steps), as JMH CPU tokens. */
    const val WORK = 100L
}
