// Package clientundertest holds the clients the harness runs scenarios against: the
// Client interface, the protocol-v1 Process adapter for drivers in any language, the
// in-process Go reference client, the known-buggy mutants, and (under node/) the
// bundled Node drivers. Import it with the alias cut.
package clientundertest
