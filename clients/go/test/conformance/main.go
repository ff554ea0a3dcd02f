// Command conformance runs the shared scenarios (tests/e2e/clients/scenarios.json, resolved by
// the test driver) through the kiln package and prints what it observed, one JSON object a line.
// Environment: KILN_SCENARIOS, KILN_TARGET, KILN_API_KEY, KILN_OTHER_API_KEY, KILN_FAULT_TARGET.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"time"

	_ "kiln/clients/go/gen/kiln/v1" // registers the kiln.v1 descriptors looked up below
	"kiln/clients/go/kiln"

	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

type scenario struct {
	Name      string          `json:"name"`
	Service   string          `json:"service"`
	Method    string          `json:"method"`
	As        string          `json:"as"`
	Target    string          `json:"target"`
	Request   json.RawMessage `json:"request"`
	TimeoutMs int             `json:"timeoutMs"`
}

func main() {
	raw, err := os.ReadFile(os.Getenv("KILN_SCENARIOS"))
	if err != nil {
		log.Fatal(err)
	}
	var file struct{ Scenarios []scenario }
	if err := json.Unmarshal(raw, &file); err != nil {
		log.Fatal(err)
	}
	keys := map[string]string{"default": os.Getenv("KILN_API_KEY"), "other": os.Getenv("KILN_OTHER_API_KEY"), "anonymous": ""}
	// Dial falls back to $KILN_API_KEY for an empty key; "anonymous" must send none.
	os.Unsetenv("KILN_API_KEY")
	targets := map[string]string{"gateway": os.Getenv("KILN_TARGET"), "fault": os.Getenv("KILN_FAULT_TARGET")}
	clients := map[string]*kiln.Client{}
	for _, s := range file.Scenarios {
		id := s.As + "@" + s.Target
		if clients[id] == nil {
			c, err := kiln.Dial(kiln.Options{Target: targets[s.Target], APIKey: keys[s.As]})
			if err != nil {
				log.Fatal(err)
			}
			clients[id] = c
		}
		out, _ := json.Marshal(observe(clients[id], s))
		fmt.Println(string(out))
	}
}

func observe(c *kiln.Client, s scenario) map[string]interface{} {
	observed := map[string]interface{}{"name": s.Name}
	desc, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(s.Service))
	if err != nil {
		log.Fatal(err)
	}
	method := desc.(protoreflect.ServiceDescriptor).Methods().ByName(protoreflect.Name(s.Method))
	request := newMessage(method.Input().FullName())
	if err := protojson.Unmarshal(s.Request, request.Interface()); err != nil {
		log.Fatalf("%s: %v", s.Name, err)
	}
	reply := newMessage(method.Output().FullName())
	ctx := context.Background()
	if s.TimeoutMs > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(s.TimeoutMs)*time.Millisecond)
		defer cancel()
	}
	// Invoke goes through the same interceptors as the generated clients.
	err = c.Conn.Invoke(ctx, "/"+s.Service+"/"+s.Method, request.Interface(), reply.Interface())
	if err == nil {
		observed["code"] = "OK"
		return observed
	}
	e := kiln.AsError(err)
	observed["code"] = codeName(e)
	observed["message"] = e.Message
	fields := []string{}
	for _, v := range e.FieldViolations {
		fields = append(fields, v.Field)
	}
	observed["fieldViolations"] = fields
	if e.ResourceInfo != nil {
		observed["resourceInfo"] = map[string]string{"resourceType": e.ResourceInfo.ResourceType, "resourceName": e.ResourceInfo.ResourceName}
	}
	if d, ok := e.RetryDelay(); ok {
		observed["retryDelayMs"] = d.Milliseconds()
	}
	return observed
}

func newMessage(name protoreflect.FullName) protoreflect.Message {
	t, err := protoregistry.GlobalTypes.FindMessageByName(name)
	if err != nil {
		log.Fatal(err)
	}
	return t.New()
}

// codeName spells a code the way google.rpc.Code does ("INVALID_ARGUMENT").
func codeName(e *kiln.Error) string { return code.Code_name[int32(e.Code)] }
