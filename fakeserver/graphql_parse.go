package fakeserver

import (
	"encoding/json"
	"fmt"
	"strings"
)

// The two operations POST PathGraphQL knows, as the journal's graphqlOp names them.
const (
	graphqlOpMe         = "me"
	graphqlOpCreateIdea = "createIdea"
)

// graphqlMaxDepth bounds how deeply selection sets, types and values may nest: a
// 1 MiB query of "{{{{…" must be refused, not recursed into.
const graphqlMaxDepth = 32

// graphqlUnsupported is what a document that is neither operation is told.
const graphqlUnsupported = `this server answers only the query { me { id name email } } and the mutation ` +
	`createIdea(input: {title, summary, description, tags}) { … }`

// graphqlCall is a POST PathGraphQL body, read on arrival: why it is not a GraphQL
// request (bad), or why its document is not one of the two operations (err), or
// the operation it asks for.
type graphqlCall struct {
	bad       string // 400: not {"query": "…", "variables": {…}}
	err       string // 200 BAD_USER_INPUT: the document is not an operation this server knows
	op        *graphqlOperation
	variables map[string]json.RawMessage
}

// graphqlOperation is a recognised operation.
type graphqlOperation struct {
	name     string               // graphqlOpMe or graphqlOpCreateIdea
	key      string               // the answer's key: the field's alias, else its name
	input    *gqlValue            // createIdea's input argument
	defaults map[string]*gqlValue // the operation's variable defaults
}

// opName is the recognised operation's name, "" when there is none.
func (c *graphqlCall) opName() string {
	if c == nil || c.op == nil {
		return ""
	}
	return c.op.name
}

// readGraphQL reads a body as a GraphQL-over-HTTP request: a JSON object with
// "query" a string, "variables" an object or null, "operationName" a string or
// null (accepted and otherwise ignored: a document holds one operation here).
func readGraphQL(body []byte) *graphqlCall {
	m, err := jsonObject(body)
	if err != nil {
		return &graphqlCall{bad: strings.TrimPrefix(err.Error(), errBadBody.Error()+": ")}
	}
	var query string
	if raw, ok := m["query"]; !ok || isNull(raw) || json.Unmarshal(raw, &query) != nil {
		return &graphqlCall{bad: `"query" is required: a string holding the GraphQL document`}
	}
	c := &graphqlCall{}
	if raw, ok := m["variables"]; ok && !isNull(raw) {
		if json.Unmarshal(raw, &c.variables) != nil || c.variables == nil {
			return &graphqlCall{bad: `"variables" must be a JSON object`}
		}
	}
	var name string
	if raw, ok := m["operationName"]; ok && !isNull(raw) && json.Unmarshal(raw, &name) != nil {
		return &graphqlCall{bad: `"operationName" must be a string`}
	}
	c.op, c.err = parseGraphQL(query)
	return c
}

// resolve turns a value of the document into what encodes as its JSON: variables
// from the request's variables (or the operation's defaults), raw as sent.
func (c *graphqlCall) resolve(v *gqlValue) (any, string) {
	switch v.kind {
	case gqlVariable:
		if raw, ok := c.variables[v.text]; ok {
			return raw, ""
		}
		if def, ok := c.op.defaults[v.text]; ok {
			return c.resolve(def) // a default is constant: no variable in it, no loop
		}
		return nil, fmt.Sprintf("variable $%s is not provided", v.text)
	case gqlString, gqlEnum:
		return v.text, ""
	case gqlNumber:
		return json.Number(v.text), ""
	case gqlBool:
		return v.text == "true", ""
	case gqlList:
		out := make([]any, 0, len(v.list))
		for _, item := range v.list {
			x, msg := c.resolve(item)
			if msg != "" {
				return nil, msg
			}
			out = append(out, x)
		}
		return out, ""
	case gqlObject:
		out := make(map[string]any, len(v.fields))
		for _, f := range v.fields {
			x, msg := c.resolve(f.value)
			if msg != "" {
				return nil, msg
			}
			out[f.name] = x
		}
		return out, ""
	}
	return nil, "" // gqlNull
}

// gqlKind is the kind of a value in the document.
type gqlKind int

const (
	gqlNull gqlKind = iota
	gqlVariable
	gqlString
	gqlNumber
	gqlBool
	gqlEnum
	gqlList
	gqlObject
)

// gqlValue is one value of the document (an argument, a default).
type gqlValue struct {
	kind   gqlKind
	text   string // variable name, string, number, "true"/"false", enum name
	list   []*gqlValue
	fields []gqlObjectField
}

// gqlObjectField is one field of an object value, in document order.
type gqlObjectField struct {
	name  string
	value *gqlValue
}

// gqlField is a field of a selection set, with what classification needs.
type gqlField struct {
	alias, name string
	args        []gqlObjectField
}

// gqlSyntaxError stops the parser; parseGraphQL recovers it into a message.
type gqlSyntaxError struct{ msg string }

// parseGraphQL parses a document and recognises its operation, or says why not.
// Only what executable documents use is parsed (no fragments); the selection
// sets below the root field are checked for syntax and otherwise ignored: the
// answer always carries the whole user or idea.
func parseGraphQL(src string) (op *graphqlOperation, msg string) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(gqlSyntaxError)
			if !ok {
				panic(r)
			}
			op, msg = nil, "syntax error: "+e.msg
		}
	}()
	p := &gqlParser{lex: gqlLexer{src: src}}
	p.next()
	if p.tok.kind == tokEOF {
		return nil, "the query is empty"
	}
	kind, vars, sel := p.operation()
	if p.tok.kind != tokEOF {
		return nil, "a document of several operations (or fragments) is not supported: send one operation"
	}
	return classifyGraphQL(kind, vars, sel)
}

// classifyGraphQL recognises query { me } and mutation { createIdea(input: …) }:
// exactly one root field.
func classifyGraphQL(kind string, defaults map[string]*gqlValue, sel []gqlField) (*graphqlOperation, string) {
	if kind == "subscription" {
		return nil, "subscriptions are not supported; " + graphqlUnsupported
	}
	if len(sel) != 1 {
		return nil, graphqlUnsupported
	}
	f := sel[0]
	key := f.name
	if f.alias != "" {
		key = f.alias
	}
	switch {
	case kind == "query" && f.name == graphqlOpMe:
		if len(f.args) != 0 {
			return nil, "me takes no arguments"
		}
		return &graphqlOperation{name: graphqlOpMe, key: key}, ""
	case kind == "mutation" && f.name == graphqlOpCreateIdea:
		if len(f.args) != 1 || f.args[0].name != "input" {
			return nil, "createIdea takes one argument, input"
		}
		return &graphqlOperation{name: graphqlOpCreateIdea, key: key, input: f.args[0].value, defaults: defaults}, ""
	}
	return nil, graphqlUnsupported
}

// gqlParser is a recursive-descent parser over gqlLexer with one token of lookahead.
type gqlParser struct {
	lex gqlLexer
	tok gqlToken
}

// gqlFail stops the parse with a syntax error.
func gqlFail(format string, args ...any) {
	panic(gqlSyntaxError{msg: fmt.Sprintf(format, args...)})
}

func (p *gqlParser) next() { p.tok = p.lex.next() }

// isPunct reports whether the current token is that punctuator.
func (p *gqlParser) isPunct(s string) bool { return p.tok.kind == tokPunct && p.tok.text == s }

// expect consumes that punctuator or fails.
func (p *gqlParser) expect(s string) {
	if !p.isPunct(s) {
		gqlFail("expected %q, found %s", s, p.tok.describe())
	}
	p.next()
}

// name consumes a name or fails.
func (p *gqlParser) name() string {
	if p.tok.kind != tokName {
		gqlFail("expected a name, found %s", p.tok.describe())
	}
	n := p.tok.text
	p.next()
	return n
}

// operation: SelectionSet | ("query"|"mutation"|"subscription") Name?
// VariableDefinitions? Directives? SelectionSet.
func (p *gqlParser) operation() (string, map[string]*gqlValue, []gqlField) {
	if p.isPunct("{") {
		return "query", nil, p.selectionSet(0)
	}
	if p.tok.kind != tokName {
		gqlFail("expected an operation, found %s", p.tok.describe())
	}
	kind := p.tok.text
	switch kind {
	case "query", "mutation", "subscription":
	case "fragment":
		gqlFail("fragments are not supported")
	default:
		gqlFail(`expected "query", "mutation" or "{", found %s`, p.tok.describe())
	}
	p.next()
	if p.tok.kind == tokName {
		p.next() // the operation's name
	}
	var defaults map[string]*gqlValue
	if p.isPunct("(") {
		defaults = p.variableDefinitions()
	}
	p.directives(0)
	return kind, defaults, p.selectionSet(0)
}

// variableDefinitions: "(" ("$" Name ":" Type ("=" ConstValue)? Directives?)+ ")";
// it returns the defaults.
func (p *gqlParser) variableDefinitions() map[string]*gqlValue {
	defaults := map[string]*gqlValue{}
	p.expect("(")
	for {
		p.expect("$")
		n := p.name()
		p.expect(":")
		p.typeRef(0)
		if p.isPunct("=") {
			p.next()
			defaults[n] = p.value(0, true)
		}
		p.directives(0)
		if p.isPunct(")") {
			p.next()
			return defaults
		}
	}
}

// typeRef: Name "!"? | "[" Type "]" "!"?.
func (p *gqlParser) typeRef(depth int) {
	p.deeper(depth)
	if p.isPunct("[") {
		p.next()
		p.typeRef(depth + 1)
		p.expect("]")
	} else {
		p.name()
	}
	if p.isPunct("!") {
		p.next()
	}
}

// directives: ("@" Name Arguments?)*, parsed and ignored.
func (p *gqlParser) directives(depth int) {
	for p.isPunct("@") {
		p.next()
		p.name()
		if p.isPunct("(") {
			p.arguments(depth)
		}
	}
}

// selectionSet: "{" Field+ "}". Fragment spreads and inline fragments are refused.
func (p *gqlParser) selectionSet(depth int) []gqlField {
	p.deeper(depth)
	p.expect("{")
	var fields []gqlField
	for {
		if p.isPunct("...") {
			gqlFail("fragments are not supported")
		}
		f := gqlField{name: p.name()}
		if p.isPunct(":") {
			p.next()
			f.alias, f.name = f.name, p.name()
		}
		if p.isPunct("(") {
			f.args = p.arguments(depth)
		}
		p.directives(depth)
		if p.isPunct("{") {
			p.selectionSet(depth + 1)
		}
		fields = append(fields, f)
		if p.isPunct("}") {
			p.next()
			return fields
		}
	}
}

// arguments: "(" (Name ":" Value)+ ")".
func (p *gqlParser) arguments(depth int) []gqlObjectField {
	p.expect("(")
	var args []gqlObjectField
	for {
		n := p.name()
		p.expect(":")
		args = append(args, gqlObjectField{name: n, value: p.value(depth+1, false)})
		if p.isPunct(")") {
			p.next()
			return args
		}
	}
}

// value: Variable | Int | Float | String | true | false | null | Enum | List |
// Object; a constant value (a default) has no variable in it.
func (p *gqlParser) value(depth int, constant bool) *gqlValue {
	p.deeper(depth)
	t := p.tok
	switch {
	case t.kind == tokPunct && t.text == "$":
		if constant {
			gqlFail("a default value cannot use a variable")
		}
		p.next()
		return &gqlValue{kind: gqlVariable, text: p.name()}
	case t.kind == tokNumber:
		p.next()
		return &gqlValue{kind: gqlNumber, text: t.text}
	case t.kind == tokString:
		p.next()
		return &gqlValue{kind: gqlString, text: t.text}
	case t.kind == tokName:
		p.next()
		switch t.text {
		case "true", "false":
			return &gqlValue{kind: gqlBool, text: t.text}
		case "null":
			return &gqlValue{kind: gqlNull}
		}
		return &gqlValue{kind: gqlEnum, text: t.text}
	case t.kind == tokPunct && t.text == "[":
		p.next()
		v := &gqlValue{kind: gqlList}
		for !p.isPunct("]") {
			v.list = append(v.list, p.value(depth+1, constant))
		}
		p.next()
		return v
	case t.kind == tokPunct && t.text == "{":
		p.next()
		v := &gqlValue{kind: gqlObject}
		for !p.isPunct("}") {
			n := p.name()
			p.expect(":")
			v.fields = append(v.fields, gqlObjectField{name: n, value: p.value(depth+1, constant)})
		}
		p.next()
		return v
	}
	gqlFail("expected a value, found %s", t.describe())
	return nil
}

// deeper refuses nesting beyond graphqlMaxDepth.
func (p *gqlParser) deeper(depth int) {
	if depth >= graphqlMaxDepth {
		gqlFail("the document nests more than %d levels deep", graphqlMaxDepth)
	}
}
