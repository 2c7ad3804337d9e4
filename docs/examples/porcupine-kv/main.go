// Checks Raft Lab client histories exported as Porcupine JSON (history.porcupine.json) with
// Porcupine, as an independent second opinion on the lab's own checker. Usage:
//
//	go mod tidy && go run . history.porcupine.json [more.json ...]
//
// Prints one line per file: the file name, a tab, and true (linearizable) or false.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/anishathalye/porcupine"
)

// register is one key's value; present is false while the key is absent.
type register struct {
	present bool
	value   string
}

// optional reads a string-or-null field; ok is false for null or a missing field.
func optional(m map[string]interface{}, field string) (string, bool) {
	v, ok := m[field]
	if !ok || v == nil {
		return "", false
	}
	return v.(string), true
}

func holds(r register, value string, present bool) bool {
	return r.present == present && (!present || r.value == value)
}

// step is the sequential specification of one key. Operations with output status "unknown"
// got no answer: they are accepted in any state (a write applies, a cas applies if it matches).
func step(state, input, output interface{}) (bool, interface{}) {
	r := state.(register)
	in := input.(map[string]interface{})
	out := output.(map[string]interface{})
	status := out["status"].(string)
	switch in["op"].(string) {
	case "get":
		if status == "unknown" {
			return true, r
		}
		v, present := optional(out, "value")
		return holds(r, v, present), r
	case "put":
		v, _ := optional(in, "value")
		return true, register{true, v}
	case "delete":
		return true, register{}
	case "cas":
		expected, expectedPresent := optional(in, "expected")
		v, _ := optional(in, "value")
		matches := holds(r, expected, expectedPresent)
		if status == "cas-mismatch" {
			if matches {
				return false, r
			}
			if _, reported := out["actual"]; reported {
				actual, actualPresent := optional(out, "actual")
				return holds(r, actual, actualPresent), r
			}
			return true, r
		}
		if matches {
			return true, register{true, v}
		}
		return status == "unknown", r
	}
	panic(fmt.Sprintf("unknown op %v", in["op"]))
}

// byKey partitions the history: keys are independent registers.
func byKey(history []porcupine.Operation) [][]porcupine.Operation {
	groups := map[string][]porcupine.Operation{}
	var order []string
	for _, op := range history {
		key := op.Input.(map[string]interface{})["key"].(string)
		if _, seen := groups[key]; !seen {
			order = append(order, key)
		}
		groups[key] = append(groups[key], op)
	}
	partitions := make([][]porcupine.Operation, 0, len(order))
	for _, key := range order {
		partitions = append(partitions, groups[key])
	}
	return partitions
}

func main() {
	model := porcupine.Model{
		Partition: byKey,
		Init:      func() interface{} { return register{} },
		Step:      step,
		Equal:     func(a, b interface{}) bool { return a.(register) == b.(register) },
	}
	for _, file := range os.Args[1:] {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		var history []porcupine.Operation
		if err := json.Unmarshal(data, &history); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
			os.Exit(2)
		}
		fmt.Printf("%s\t%v\n", file, porcupine.CheckOperations(model, history))
	}
}
