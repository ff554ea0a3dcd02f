package kiln

import (
	"fmt"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Error is a failed Kiln call with the google.rpc.Status details the gateway attached, decoded.
// It keeps the gRPC status: status.Code(err) and status.FromError(err) work on it as usual.
type Error struct {
	Code    codes.Code
	Message string
	// FieldViolations of an INVALID_ARGUMENT (BadRequest), e.g. Field "params.temperature".
	FieldViolations []*errdetails.BadRequest_FieldViolation
	// ResourceInfo names the resource of a NOT_FOUND.
	ResourceInfo *errdetails.ResourceInfo
	// RetryInfo is the server's advice on when to retry (RESOURCE_EXHAUSTED, UNAVAILABLE).
	RetryInfo           *errdetails.RetryInfo
	PreconditionFailure *errdetails.PreconditionFailure
	QuotaFailure        *errdetails.QuotaFailure
	// Details holds every detail message, including ones of other types.
	Details []interface{}

	status *status.Status
}

// RetryDelay is the RetryInfo delay, and whether the server sent one.
func (e *Error) RetryDelay() (time.Duration, bool) {
	if e.RetryInfo == nil || e.RetryInfo.RetryDelay == nil {
		return 0, false
	}
	d := e.RetryInfo.RetryDelay
	return time.Duration(d.Seconds)*time.Second + time.Duration(d.Nanos), true
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", e.Code, e.Message)
	for _, v := range e.FieldViolations {
		fmt.Fprintf(&b, "\n  %s: %s", v.Field, v.Description)
	}
	if d, ok := e.RetryDelay(); ok {
		fmt.Fprintf(&b, "\n  retry after %s", d)
	}
	return b.String()
}

// GRPCStatus lets status.FromError and status.Code see the original status.
func (e *Error) GRPCStatus() *status.Status { return e.status }

// AsError converts an error from a gRPC call into an *Error, decoding the status details; an
// error that carries no gRPC status becomes codes.Unknown.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	if e, ok := err.(*Error); ok {
		return e
	}
	st := status.Convert(err)
	e := &Error{Code: st.Code(), Message: st.Message(), status: st}
	for _, detail := range st.Details() {
		e.Details = append(e.Details, detail)
		switch d := detail.(type) {
		case *errdetails.BadRequest:
			e.FieldViolations = append(e.FieldViolations, d.FieldViolations...)
		case *errdetails.ResourceInfo:
			e.ResourceInfo = d
		case *errdetails.RetryInfo:
			e.RetryInfo = d
		case *errdetails.PreconditionFailure:
			e.PreconditionFailure = d
		case *errdetails.QuotaFailure:
			e.QuotaFailure = d
		}
	}
	return e
}
