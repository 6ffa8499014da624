package timeline

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/starling-social/starling"
)

// Run delivers fan-out jobs until ctx is done: it claims jobs from the
// outbox, Config.Claim per claim, and delivers them Config.Workers at a
// time, whenever Wake is called and every Config.Poll otherwise. When ctx
// ends it finishes the jobs it holds
// (they are short: a batch of pushes per Batch followers) and returns;
// jobs not yet claimed stay in the outbox for the next start, and a job
// cut short by a crash is claimed again once its lease runs out.
func (e *Engine) Run(ctx context.Context) {
	ticker := time.NewTicker(e.cfg.Poll)
	defer ticker.Stop()
	for {
		n, err := e.DeliverPending(context.WithoutCancel(ctx), e.cfg.Claim)
		if err != nil {
			e.log.ErrorContext(ctx, "fan-out: claiming jobs failed", slog.Any("err", err))
		}
		if ctx.Err() != nil {
			return
		}
		if n > 0 && err == nil {
			continue // there may be more
		}
		select {
		case <-ctx.Done():
			return
		case <-e.wake:
		case <-ticker.C:
		}
	}
}

// DeliverPending claims up to limit jobs and delivers them, Config.Workers
// at a time, returning how many it claimed. A job whose delivery fails is
// left in the outbox and retried when its lease runs out. Tests call it to
// deliver everything written so far, deterministically.
func (e *Engine) DeliverPending(ctx context.Context, limit int) (int, error) {
	jobs, err := e.store.ClaimFanoutJobs(ctx, limit, e.cfg.Lease)
	if err != nil || len(jobs) == 0 {
		return 0, err
	}
	next := make(chan starling.FanoutJob)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done = make([]int64, 0, len(jobs))
	)
	for range min(e.cfg.Workers, len(jobs)) {
		wg.Go(func() {
			for j := range next {
				recipients, merged, err := e.recipientsOf(ctx, j)
				if err != nil {
					e.log.ErrorContext(ctx, "fan-out: delivery failed; it will be retried",
						slog.Int64("job", j.ID), slog.Int64("status", j.StatusID), slog.Any("err", err))
					continue
				}
				e.obs.Delivered(j.Kind, merged, recipients, time.Since(j.CreatedAt))
				mu.Lock()
				done = append(done, j.ID)
				mu.Unlock()
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
	return len(jobs), e.store.CompleteFanoutJobs(ctx, done)
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
		if next == 0 {
			return total, false, nil
		}
		after = next
	}
}
