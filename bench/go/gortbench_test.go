// Go's side of the gort benchmark rows that Go's own test suites do not have (bench/go/run-go-bench
// runs these next to Go's runtime, sync and time benchmarks). Each mirrors a JMH row in bench/.
package gortbench

import (
	"runtime"
	"sync"
	"testing"
)

// BenchmarkSpawnJoin1M: start 1,000,000 goroutines that each call wg.Done, and wait (SpawnJoin.spawnJoin1M).
func BenchmarkSpawnJoin1M(b *testing.B) {
	for i := 0; i < b.N; i++ {
		var wg sync.WaitGroup
		wg.Add(1000000)
		for j := 0; j < 1000000; j++ {
			go wg.Done()
		}
		wg.Wait()
	}
}

// BenchmarkPingPong: one round trip of a value over two unbuffered channels (Chans.pingPong).
func BenchmarkPingPong(b *testing.B) {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for j := 0; j < b.N; j++ {
			pong <- <-ping
		}
	}()
	for j := 0; j < b.N; j++ {
		ping <- 1
		<-pong
	}
}

// BenchmarkYieldPingPong: two goroutines take turns on a shared flag, waiting with Gosched (Goroutines.yieldPingPong).
func BenchmarkYieldPingPong(b *testing.B) {
	var turn int32
	var wg sync.WaitGroup
	wg.Add(2)
	for me := int32(0); me < 2; me++ {
		go func(self int32) {
			defer wg.Done()
			for j := 0; j < b.N; j++ {
				for atomicLoad(&turn) != self {
					runtime.Gosched()
				}
				atomicStore(&turn, 1-self)
			}
		}(me)
	}
	wg.Wait()
}

func skynet(c chan int, num, size, div int) {
	if size == 1 {
		c <- num
		return
	}
	rc := make(chan int)
	sum := 0
	for i := 0; i < div; i++ {
		go skynet(rc, num+i*(size/div), size/div, div)
	}
	for i := 0; i < div; i++ {
		sum += <-rc
	}
	c <- sum
}

// BenchmarkSkynet: 1,000,000 goroutines in a 10-ary tree summing over unbuffered channels (Skynet.skynet).
func BenchmarkSkynet(b *testing.B) {
	for i := 0; i < b.N; i++ {
		c := make(chan int)
		go skynet(c, 0, 1000000, 10)
		if s := <-c; s != 499999500000 {
			b.Fatalf("skynet: got %d", s)
		}
	}
}
