package timeline

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/starling-social/starling"
)

// How jobs reach the workers. Every job is in the store's outbox, written
// with its status; the outbox is the record, and what makes delivery
// survive a crash. But claiming jobs from it is a write, and on SQLite
// every write waits its turn behind the posts being written, so a job is
// also handed to the workers in this process at once (StatusPosted,
// StatusDeleted), through a bounded queue. Only jobs that stay in the
// outbox longer than Config.Sweep (the queue was full, the process
// crashed, another instance wrote them and died) are claimed from it, by
// the sweep. Delivering a job twice changes no list, so the two paths
// need not exclude each other.

// queued hands j to the workers, or leaves it to the sweep when the queue
// is full: a post never waits for delivery.
func (e *Engine) queued(j starling.FanoutJob) {
	select {
	case e.queue <- j:
	default:
	}
}

// Run delivers fan-out jobs until ctx is done: those handed over by this
// process, Config.Workers at a time, and every Config.Poll those left in
// the outbox longer than Config.Sweep. Delivered jobs are deleted from the
// outbox in batches. When ctx ends it delivers what the queue holds, for
// at most Config.Drain, finishes the jobs it has claimed (each is short: a
// push per Batch followers), deletes the delivered ones, and returns; jobs
// not yet delivered stay in the outbox for the next start.
func (e *Engine) Run(ctx context.Context) {
	work := context.WithoutCancel(ctx)
	done := make(chan starling.FanoutJob, e.cfg.Claim)
	var workers, completer sync.WaitGroup
	completer.Go(func() { e.complete(work, done) })
	for range e.cfg.Workers {
		workers.Go(func() {
			for {
				select {
				case j := <-e.queue:
					if e.deliver(work, j) {
						done <- j
					}
				case <-ctx.Done():
					until := time.Now().Add(e.cfg.Drain)
					for time.Now().Before(until) {
						select {
						case j := <-e.queue:
							if e.deliver(work, j) {
								done <- j
							}
						default:
							return
						}
					}
					return
				}
			}
		})
	}
	e.sweep(ctx)
	workers.Wait()
	close(done)
	completer.Wait()
}

// sweep delivers the jobs left in the outbox, every Config.Poll, until ctx
// is done.
func (e *Engine) sweep(ctx context.Context) {
	ticker := time.NewTicker(e.cfg.Poll)
	defer ticker.Stop()
	for {
		for {
			n, err := e.deliverClaimed(context.WithoutCancel(ctx), e.cfg.Claim, time.Now().Add(-e.cfg.Sweep))
			if err != nil {
				e.log.ErrorContext(ctx, "fan-out: claiming jobs failed", slog.Any("err", err))
			}
			if err != nil || n == 0 || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// completeEvery bounds how long a delivered job waits to be deleted from
// the outbox when fewer than a claim's worth are waiting.
const completeEvery = 20 * time.Millisecond

// complete deletes the delivered jobs it receives from the outbox, many
// per write, until done is closed.
func (e *Engine) complete(ctx context.Context, done <-chan starling.FanoutJob) {
	ticker := time.NewTicker(completeEvery)
	defer ticker.Stop()
	var batch []starling.FanoutJob
	flush := func() {
		if err := e.completeJobs(ctx, batch); err != nil {
			// They stay in the outbox, and the sweep delivers them again.
			e.log.ErrorContext(ctx, "fan-out: completing jobs failed", slog.Any("err", err))
		}
		batch = batch[:0]
	}
	for {
		select {
		case j, ok := <-done:
			if !ok {
				flush()
				return
			}
			if batch = append(batch, j); len(batch) >= e.cfg.Claim {
				flush()
			}
		case <-ticker.C:
			if len(batch) > 0 {
				flush()
			}
		}
	}
}

// completeJobs deletes jobs from the outbox, a write per kind.
func (e *Engine) completeJobs(ctx context.Context, jobs []starling.FanoutJob) error {
	byKind := map[starling.FanoutKind][]int64{}
	for _, j := range jobs {
		byKind[j.Kind] = append(byKind[j.Kind], j.StatusID)
	}
	for kind, ids := range byKind {
		if err := e.store.CompleteFanoutJobs(ctx, kind, ids); err != nil {
			return err
		}
	}
	return nil
}

// DeliverPending claims up to limit jobs from the outbox, whatever their
// age, delivers them Config.Workers at a time and deletes them, returning
// how many it claimed. Tests call it to deliver everything written so
// far, deterministically.
func (e *Engine) DeliverPending(ctx context.Context, limit int) (int, error) {
	return e.deliverClaimed(ctx, limit, time.Now().Add(time.Hour))
}

// deliverClaimed claims up to limit jobs written before before, delivers
// them and deletes them. A job whose delivery fails stays in the outbox
// and is claimed again when its lease runs out.
func (e *Engine) deliverClaimed(ctx context.Context, limit int, before time.Time) (int, error) {
	jobs, err := e.store.ClaimFanoutJobs(ctx, limit, e.cfg.Lease, before)
	if err != nil || len(jobs) == 0 {
		return 0, err
	}
	next := make(chan starling.FanoutJob)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done = make([]starling.FanoutJob, 0, len(jobs))
	)
	for range min(e.cfg.Workers, len(jobs)) {
		wg.Go(func() {
			for j := range next {
				if e.deliver(ctx, j) {
					mu.Lock()
					done = append(done, j)
					mu.Unlock()
				}
			}
		})
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	// Until this commits the jobs stay leased: a crash here delivers them
	// again, which changes no list.
	return len(jobs), e.completeJobs(ctx, done)
}

// deliver carries out one job, reporting whether it succeeded; a failure
// is logged, and the job stays in the outbox for the sweep.
func (e *Engine) deliver(ctx context.Context, j starling.FanoutJob) bool {
	recipients, merged, err := e.recipientsOf(ctx, j)
	if err != nil {
		e.log.ErrorContext(ctx, "fan-out: delivery failed; it will be retried",
			slog.String("kind", string(j.Kind)), slog.Int64("status", j.StatusID), slog.Any("err", err))
		return false
	}
	e.obs.Delivered(j.Kind, merged, recipients, time.Since(j.CreatedAt))
	return true
}

// recipientsOf pushes (or removes) the job's status to (or from) the lists
// it belongs in and returns how many home lists it touched, and whether
// the author's posts are merged on read.
func (e *Engine) recipientsOf(ctx context.Context, j starling.FanoutJob) (int, bool, error) {
	own := []starling.TimelineKey{homeKey(j.AuthorID), authorKey(j.AuthorID)}
	author, err := e.store.AccountByID(ctx, j.AuthorID)
	if starling.ErrorCode(err) == starling.ENOTFOUND {
		return 0, false, nil // the author is gone, and their statuses with them
	}
	if err != nil {
		return 0, false, err
	}
	merged := e.isMerged(author)
	target := starling.FanoutTarget{StatusID: j.StatusID, AuthorID: j.AuthorID}
	apply := e.cache.Push
	if j.Kind == starling.FanoutDelete {
		apply = e.cache.Remove
	} else {
		s, err := e.store.StatusByID(ctx, j.StatusID)
		if starling.ErrorCode(err) == starling.ENOTFOUND {
			return 0, merged, nil // deleted before delivery: its delete job cleans up
		}
		if err != nil {
			return 0, merged, err
		}
		target.Visibility, target.InReplyToAccountID = s.Visibility, s.InReplyToAccountID
	}
	if merged {
		e.merged.add(j.AuthorID)
	}
	if err := apply(ctx, own, j.StatusID); err != nil {
		return 0, merged, err
	}
	if merged {
		// Followers read it from the author list; a deleted status left
		// in a home list by a rebuild is left out when read.
		return 1, true, nil
	}
	total := 1
	keys := make([]starling.TimelineKey, 0, e.cfg.Batch)
	var after int64
	for {
		mark := e.changes.mark()
		ids, next, err := e.store.FanoutRecipients(ctx, target, after, e.cfg.Batch)
		if err != nil {
			return total, false, err
		}
		keys = keys[:0]
		for _, id := range ids {
			keys = append(keys, homeKey(id))
		}
		if len(keys) > 0 {
			if err := apply(ctx, keys, j.StatusID); err != nil {
				return total, false, err
			}
			e.obs.Batch(len(keys))
			total += len(keys)
		}
		// A recipient who unfollowed the author after the recipients were
		// read may have had the list rebuilt without the author's posts
		// before this push: the push would put back a post they may no
		// longer see (a private one). Their list is dropped again, and
		// the next read rebuilds it from the database.
		for _, id := range e.changes.since(mark, ids) {
			if err := e.cache.Drop(ctx, homeKey(id)); err != nil {
				return total, false, err
			}
		}
		if next == 0 {
			return total, false, nil
		}
		after = next
	}
}

// followChanges remembers whose follows changed in the last
// followChangeMemory, numbered in order, so that a delivery can tell which
// of the recipients it read have changed their follows since.
type followChanges struct {
	gen atomic.Uint64
	mu  sync.Mutex
	at  map[int64]followChange
}

type followChange struct {
	gen uint64
	at  time.Time
}

// followChangeMemory is how long a change is remembered: far longer than a
// delivery step takes from reading its recipients to pushing to them.
const followChangeMemory = time.Minute

// note records that reader's follows changed.
func (c *followChanges) note(reader int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if len(c.at) >= 1<<16 {
		for id, ch := range c.at {
			if now.Sub(ch.at) > followChangeMemory {
				delete(c.at, id)
			}
		}
	}
	c.at[reader] = followChange{gen: c.gen.Add(1), at: now}
}

// mark is taken before reading recipients, for since.
func (c *followChanges) mark() uint64 { return c.gen.Load() }

// since returns those of readers whose follows changed after mark.
func (c *followChanges) since(mark uint64, readers []int64) []int64 {
	if c.gen.Load() == mark {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int64
	for _, id := range readers {
		if ch, ok := c.at[id]; ok && ch.gen > mark {
			out = append(out, id)
		}
	}
	return out
}
