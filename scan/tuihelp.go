package scan

import "iter"

// ListedAll yields the targets All yields from the plan's lists, in All's
// order, without making a block's targets: a consumer that shows only the
// range targets that answer (the TUI on a large block) can show the listed
// ones, waiting, before the scan reaches them, however far into the plan
// they come.
func (p *Plan) ListedAll() iter.Seq[Target] {
	return func(yield func(Target) bool) {
		for k, q := range p.parts {
			for i, t := range q.targets {
				if p.listedDup(k, i, t) || !p.inShard(t) {
					continue
				}
				if !yield(t) {
					return
				}
			}
		}
	}
}
