// Package ratelimit limits how often each client may act: a token bucket per client,
// refilled continuously, with idle buckets swept away.
package ratelimit

import (
	"errors"
	"sync"
	"time"
)

// ErrLimited is returned when a client has no token left.
var ErrLimited = errors.New("ratelimit: too many requests")

// Clock tells the time; tests give a fake one.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// bucket holds one client's tokens as of its last refill.
type bucket struct {
	tokens float64
	last   time.Time
}

// Limiter hands out tokens per client: at most Burst at once, Rate per second on
// average. It is safe for concurrent use.
type Limiter struct {
	// Rate is the tokens added per second.
	Rate float64
	// Burst is the most tokens a client can hold.
	Burst float64
	// Idle is how long an untouched bucket is kept.
	Idle time.Duration

	mu      sync.Mutex
	clock   Clock
	buckets map[string]*bucket
}

// New returns a limiter of rate tokens per second and bursts of burst.
func New(rate, burst float64) *Limiter {
	return &Limiter{
		Rate:    rate,
		Burst:   burst,
		Idle:    10 * time.Minute,
		clock:   systemClock{},
		buckets: make(map[string]*bucket),
	}
}

// Allow takes one token from client's bucket, or returns ErrLimited and the time
// until the next token when there is none. A client seen for the first time starts
// with a full bucket.
func (l *Limiter) Allow(client string) (time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	b, ok := l.buckets[client]
	if !ok {
		b = &bucket{tokens: l.Burst, last: now}
		l.buckets[client] = b
	}
	l.refill(b, now)
	if b.tokens < 1 {
		missing := 1 - b.tokens
		wait := time.Duration(missing / l.Rate * float64(time.Second))
		return wait, ErrLimited
	}
	b.tokens--
	return 0, nil
}

// refill adds the tokens earned since the bucket's last refill, up to Burst.
func (l *Limiter) refill(b *bucket, now time.Time) {
	elapsed := now.Sub(b.last).Seconds()
	if elapsed <= 0 {
		return
	}
	b.tokens += elapsed * l.Rate
	if b.tokens > l.Burst {
		b.tokens = l.Burst
	}
	b.last = now
}

// Sweep drops the buckets untouched for longer than Idle and returns how many it
// dropped. A dropped client starts again with a full bucket, which is what a bucket
// idle that long holds anyway.
func (l *Limiter) Sweep() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	dropped := 0
	for client, b := range l.buckets {
		if now.Sub(b.last) > l.Idle {
			delete(l.buckets, client)
			dropped++
		}
	}
	return dropped
}

// Clients returns how many buckets the limiter holds.
func (l *Limiter) Clients() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
