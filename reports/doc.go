// Package reports turns a conformance run's result model (Run, the form of
// results.json) into the files people and CI read: results.json, junit.xml,
// report.html and summary.md.
package reports
