package fakeserver

import "container/list"

// lru is a recency list for a bounded store: the front is the least recently
// used. Records keep their own element, so a touch or a removal is O(1).
type lru[T any] struct{ l list.List }

// add puts v at the most recently used end and returns its element.
func (q *lru[T]) add(v T) *list.Element { return q.l.PushBack(v) }

// touch marks e most recently used; an element already removed is left alone.
func (q *lru[T]) touch(e *list.Element) {
	if e != nil {
		q.l.MoveToBack(e)
	}
}

// remove takes e out; nil or an element already removed is a no-op.
func (q *lru[T]) remove(e *list.Element) {
	if e != nil {
		q.l.Remove(e)
	}
}

// oldest is the least recently used value.
func (q *lru[T]) oldest() (T, bool) {
	e := q.l.Front()
	if e == nil {
		var zero T
		return zero, false
	}
	return e.Value.(T), true
}

func (q *lru[T]) len() int { return q.l.Len() }

// each calls fn on every value, least recently used first.
func (q *lru[T]) each(fn func(T)) {
	for e := q.l.Front(); e != nil; e = e.Next() {
		fn(e.Value.(T))
	}
}

// eachNewest calls fn on values, most recently used first, until fn returns false:
// the newest few of a long list, without walking it all.
func (q *lru[T]) eachNewest(fn func(T) bool) {
	for e := q.l.Back(); e != nil; e = e.Prev() {
		if !fn(e.Value.(T)) {
			return
		}
	}
}
