package im

// MsgPriority is a group message's priority under frequency control (the
// reference's MsgPriority option). Greater is more important, so
// priorities compare with < and >; the zero value is PriorityNormal, the
// default when a request leaves MsgPriority out.
type MsgPriority int8

// The reference's four priorities.
const (
	PriorityLowest MsgPriority = -2
	PriorityLow    MsgPriority = -1
	PriorityNormal MsgPriority = 0
	PriorityHigh   MsgPriority = 1
)

// ParseMsgPriority parses the reference's names, case-sensitively: "High",
// "Normal", "Low" or "Lowest"; the empty string is PriorityNormal. Anything
// else is a 90010 *Error.
func ParseMsgPriority(s string) (MsgPriority, error) {
	switch s {
	case "High":
		return PriorityHigh, nil
	case "Normal", "":
		return PriorityNormal, nil
	case "Low":
		return PriorityLow, nil
	case "Lowest":
		return PriorityLowest, nil
	}
	return PriorityNormal, Errorf(CodeMsgFormat, "MsgPriority %.40q must be one of High, Normal, Low, Lowest", s)
}

// String returns the reference's name of p, or "MsgPriority(n)" for a value
// outside the four.
func (p MsgPriority) String() string {
	switch p {
	case PriorityHigh:
		return "High"
	case PriorityNormal:
		return "Normal"
	case PriorityLow:
		return "Low"
	case PriorityLowest:
		return "Lowest"
	}
	return "MsgPriority(" + itoa(int(p)) + ")"
}

// valid reports whether p is one of the four priorities.
func (p MsgPriority) valid() bool { return p >= PriorityLowest && p <= PriorityHigh }

// MarshalText encodes p as its reference name, so JSON carries "High".
func (p MsgPriority) MarshalText() ([]byte, error) {
	if !p.valid() {
		return nil, Errorf(CodeMsgFormat, "invalid %v", p)
	}
	return []byte(p.String()), nil
}

// UnmarshalText parses a reference name (see ParseMsgPriority).
func (p *MsgPriority) UnmarshalText(text []byte) error {
	v, err := ParseMsgPriority(string(text))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

func itoa(n int) string {
	var buf [20]byte
	return string(appendIntField(buf[:0], "", n))
}
