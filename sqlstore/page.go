package sqlstore

import (
	"fmt"

	"github.com/starling-social/starling"
)

// PageQuery appends to where (a condition on key, which is the column the
// list is ordered by) the bounds of p, and returns the ORDER BY and LIMIT
// clause. The bounds are bound as parameters numbered after args, to which
// they are appended. With MinID the query reads upwards from the cursor, so
// the rows come oldest first and the caller must reverse them (reversed is
// true).
func PageQuery(where, key string, p starling.Page, args []any) (string, []any, bool) {
	if p.MaxID > 0 {
		args = append(args, p.MaxID)
		where += fmt.Sprintf(" AND %s < $%d", key, len(args))
	}
	if p.SinceID > 0 {
		args = append(args, p.SinceID)
		where += fmt.Sprintf(" AND %s > $%d", key, len(args))
	}
	order := "DESC"
	if p.MinID > 0 {
		args = append(args, p.MinID)
		where += fmt.Sprintf(" AND %s > $%d", key, len(args))
		order = "ASC"
	}
	args = append(args, p.Limit)
	return fmt.Sprintf("%s ORDER BY %s %s LIMIT $%d", where, key, order, len(args)), args, order == "ASC"
}

// StatusPage is the query of one page of statuses (aliased s, selecting
// StatusCols) from the tables of from that match where, newest first by
// key: a column equal to s.id that an index on from holds in order. args
// are those where binds; the result's args add the page's.
func StatusPage(from, key, where string, p starling.Page, args []any) (query string, _ []any, reversed bool) {
	where, args, reversed = PageQuery(where, key, p, args)
	return `SELECT ` + StatusCols + ` FROM ` + from + ` WHERE ` + where, args, reversed
}

// Edges is a list of accounts joined to follow edges: From names the edge
// table e and joins the listed account as a, and Where picks one account's
// edges by parameter $1.
type Edges struct{ From, Where string }

// The edge lists of the FollowStore.
var (
	FollowRequestEdges = Edges{`follow_requests e JOIN accounts a ON a.id = e.follower_id`, `e.followee_id = $1`}
	FollowerEdges      = Edges{`follows e JOIN accounts a ON a.id = e.follower_id`, `e.followee_id = $1`}
	FollowingEdges     = Edges{`follows e JOIN accounts a ON a.id = e.followee_id`, `e.follower_id = $1`}
)

// Page is the query of one page of the edges of accountID, paged by the
// edge id, selecting e.id and then AccountCols.
func (e Edges) Page(accountID int64, p starling.Page) (query string, args []any, reversed bool) {
	where, args, reversed := PageQuery(e.Where, "e.id", p, []any{accountID})
	return `SELECT e.id, ` + AccountCols + ` FROM ` + e.From + ` WHERE ` + where, args, reversed
}
