// A test-only stand-in for the part of Infinity 3.11.1's backend that turns an HTTP body into the rows
// its framer types: the body check (status, empty, BOM, json.Unmarshal), the re-marshal of
// GetJSONBackendResponse, jsonframer's root selector (gjson first; only when gjson finds nothing,
// JSONata with jsonata-go, whose undefined result is an error) and its column step (gjson paths per
// row). The typing of those rows (gframer) is not redone here. Infinity's steps are written from
// infinity-facts.md (§1.2 response handling, §3 and §3.1-3.2); the libraries are the ones Infinity
// resolves: github.com/tidwall/gjson v1.19.0 and github.com/xiatechs/jsonata-go v1.8.8.
//
// stdin:  {"nowMs": 1767225600000, "cases": [{"id", "refId", "url", "status", "body", "rootSelector", "columns": [{"selector", "text"}]}]}
// stdout: {"results": [{"id", "outcome": "error"|"no data"|"value", "error", "value", "selection"}]}
//
// nowMs (optional) is the instant $millis() and $now() return, so that both engines of a differential
// test read the same clock.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/tidwall/gjson"
	jsonata "github.com/xiatechs/jsonata-go"
	"github.com/xiatechs/jsonata-go/jlib"
	"github.com/xiatechs/jsonata-go/jtypes"
)

type column struct {
	Selector string `json:"selector"`
	Text     string `json:"text"`
}

type testCase struct {
	ID           string   `json:"id"`
	RefID        string   `json:"refId"`
	URL          string   `json:"url"`
	Status       int      `json:"status"`
	Body         string   `json:"body"`
	RootSelector string   `json:"rootSelector"`
	Columns      []column `json:"columns"`
}

type batch struct {
	NowMs *int64     `json:"nowMs"`
	Cases []testCase `json:"cases"`
}

// How the root selector was answered, with the exact text jsonframer hands on.
type selection struct {
	Via  string `json:"via"` // "whole document", "gjson" or "jsonata"
	Text string `json:"text"`
}

type result struct {
	ID        string          `json:"id"`
	Outcome   string          `json:"outcome"`
	Error     string          `json:"error,omitempty"`
	Value     json.RawMessage `json:"value,omitempty"`
	Selection *selection      `json:"selection,omitempty"`
}

// The errors jsonframer joins with the library's own (infinity-libs jsonframer errors.go).
var (
	errInvalidRootSelector = errors.New("failed to compile JSONata expression")
	errEvaluatingJSONata   = errors.New("error evaluating JSONata expression")
	errInvalidJSONContent  = errors.New("invalid/empty JSON")
)

const queryErrorPrefix = "error while performing the infinity query. "

func main() {
	var input batch
	decoder := json.NewDecoder(os.Stdin)
	decoder.UseNumber()
	if err := decoder.Decode(&input); err != nil {
		fail(fmt.Sprintf("stdin is not a batch of cases: %v", err))
	}
	if input.NowMs != nil {
		freezeClock(*input.NowMs)
	}
	results := make([]result, 0, len(input.Cases))
	for _, c := range input.Cases {
		results = append(results, run(c))
	}
	out, err := json.Marshal(map[string]any{"results": results})
	if err != nil {
		fail(fmt.Sprintf("cannot write the results: %v", err))
	}
	os.Stdout.Write(append(out, '\n'))
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, "jsonata-go harness: "+message)
	os.Exit(2)
}

// Registered extensions are bound after jsonata-go's own time functions, so these replace them.
func freezeClock(nowMs int64) {
	err := jsonata.RegisterExts(map[string]jsonata.Extension{
		"millis": {Func: func() int64 { return nowMs }},
		"now": {Func: func(picture jtypes.OptionalString, tz jtypes.OptionalString) (string, error) {
			return jlib.FromMillis(nowMs, picture, tz)
		}},
	})
	if err != nil {
		fail(fmt.Sprintf("cannot freeze the clock: %v", err))
	}
}

func run(c testCase) (r result) {
	r.ID = c.ID
	defer func() {
		// a panic inside the library fails the whole QueryData call in the plugin; say so, do not crash
		if p := recover(); p != nil {
			r = result{ID: c.ID, Outcome: "error", Error: fmt.Sprintf("panic triggered: %v", p)}
		}
	}()
	document, err := responseDocument(c)
	if err != nil {
		return result{ID: c.ID, Outcome: "error", Error: queryErrorPrefix + err.Error()}
	}
	root, sel, err := rootData(document, c.RootSelector)
	if err != nil {
		return result{ID: c.ID, Outcome: "error", Error: queryErrorPrefix + "error converting json data to frame: " + err.Error(), Selection: sel}
	}
	rows := root
	if len(c.Columns) > 0 {
		rows, err = columnValues(root, c.Columns)
		if err != nil {
			return result{ID: c.ID, Outcome: "error", Error: queryErrorPrefix + "error converting json data to frame: " + err.Error(), Selection: sel}
		}
	}
	var parsed any
	if err := json.Unmarshal([]byte(rows), &parsed); err != nil {
		// getFrameFromResponseString
		message := fmt.Sprintf("error while un-marshaling response. %s", err.Error())
		return result{ID: c.ID, Outcome: "error", Error: queryErrorPrefix + "error converting json data to frame: " + message, Selection: sel}
	}
	if list, ok := parsed.([]any); ok && len(list) == 0 {
		// gframer gives an empty array a frame with no fields: the panel says "No data"
		return result{ID: c.ID, Outcome: "no data", Selection: sel}
	}
	return result{ID: c.ID, Outcome: "value", Value: json.RawMessage(rows), Selection: sel}
}

// client.req and GetJSONBackendResponse: status, empty body, BOM, json.Unmarshal, then json.Marshal again
func responseDocument(c testCase) (string, error) {
	status := c.Status
	if status == 0 {
		status = http.StatusOK
	}
	if status >= 400 {
		return "", fmt.Errorf("unsuccessful HTTP response code\nstatus code : %d %s", status, http.StatusText(status))
	}
	body := []byte(c.Body)
	if len(body) == 0 {
		return "", fmt.Errorf("empty response body received for the URL %s", c.URL)
	}
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	var parsed any
	if err := json.Unmarshal(body, &parsed); err != nil {
		return "", fmt.Errorf("unable to parse response body as JSON. %s", err.Error())
	}
	remarshalled, err := json.Marshal(parsed)
	if err != nil {
		return "", fmt.Errorf("unable to parse response body as JSON. %s", err.Error())
	}
	document := string(remarshalled)
	if strings.TrimSpace(document) == "" || !gjson.Valid(document) {
		return "", errInvalidJSONContent
	}
	return document, nil
}

// jsonframer GetRootData: an empty selector keeps the document; gjson answers first when it resolves
// the selector (a string as its unquoted text, null as ""); otherwise JSONata, whose result is marshalled.
func rootData(document, selector string) (string, *selection, error) {
	if selector == "" {
		return document, &selection{Via: "whole document", Text: document}, nil
	}
	if found := gjson.Get(document, selector); found.Exists() {
		return found.String(), &selection{Via: "gjson", Text: found.String()}, nil
	}
	expression, err := jsonata.Compile(selector)
	if err != nil {
		return "", nil, errors.Join(errInvalidRootSelector, err)
	}
	var data any
	if err := json.Unmarshal([]byte(document), &data); err != nil {
		return "", nil, errors.Join(errInvalidJSONContent, err)
	}
	value, err := expression.Eval(data)
	if err != nil {
		return "", &selection{Via: "jsonata"}, errors.Join(errEvaluatingJSONata, err)
	}
	text, err := json.Marshal(value)
	if err != nil {
		return "", nil, errors.Join(errInvalidJSONContent, err)
	}
	return string(text), &selection{Via: "jsonata", Text: string(text)}, nil
}

// jsonframer getColumnValuesFromResponseString: one row per array item, one for an object, none else;
// each column is a gjson path on the row, named by its text (or its selector).
func columnValues(root string, columns []column) (string, error) {
	parsed := gjson.Parse(root)
	rows := []map[string]any{}
	row := func(raw string) map[string]any {
		values := map[string]any{}
		for _, col := range columns {
			name := col.Text
			if name == "" {
				name = col.Selector
			}
			values[name] = gjson.Get(raw, col.Selector).Value()
		}
		return values
	}
	if parsed.IsArray() {
		parsed.ForEach(func(_, item gjson.Result) bool {
			rows = append(rows, row(item.Raw))
			return true
		})
	} else if parsed.IsObject() {
		rows = append(rows, row(parsed.Raw))
	}
	text, err := json.Marshal(rows)
	return string(text), err
}
