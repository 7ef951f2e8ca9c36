package im

// Default message limits: the reference's C2C values. A megabyte here is
// 1,048,576 bytes.
const (
	DefaultMaxBodyBytes            = 8192
	DefaultMaxCloudCustomDataBytes = 8192
	DefaultMaxImageBytes           = 28 << 20
	DefaultMaxSoundBytes           = 28 << 20
	DefaultMaxFileBytes            = 100 << 20
	DefaultMaxVideoBytes           = 100 << 20
)

// Limits bounds what one message may carry. The zero value, and any field
// left at zero or below, means the default above, which is the reference's
// C2C rule set; group messages or an app's settings may pass their own.
//
// Media sizes are the sizes the elements declare for the files they point
// to; Parley stores the element, not the file.
type Limits struct {
	// MaxBodyBytes caps the canonical JSON encoding of the MsgBody array,
	// exactly the bytes MsgBody.AppendJSON produces (compact, no HTML
	// escaping, every element's fields in reference order). Over it: 80002.
	MaxBodyBytes int

	// MaxCloudCustomDataBytes caps the CloudCustomData string, in bytes of
	// UTF-8, counted separately from the body. Over it: 80002.
	MaxCloudCustomDataBytes int

	// MaxImageBytes caps every TIMImageElem ImageInfoArray[].Size and a
	// TIMVideoFileElem's ThumbSize (the thumbnail is an image).
	MaxImageBytes int64

	// MaxSoundBytes caps TIMSoundElem.Size.
	MaxSoundBytes int64

	// MaxFileBytes caps TIMFileElem.FileSize.
	MaxFileBytes int64

	// MaxVideoBytes caps TIMVideoFileElem.VideoSize.
	MaxVideoBytes int64
}

// withDefaults returns l with every unset field replaced by its default.
func (l Limits) withDefaults() Limits {
	l.MaxBodyBytes = orDefault(l.MaxBodyBytes, DefaultMaxBodyBytes)
	l.MaxCloudCustomDataBytes = orDefault(l.MaxCloudCustomDataBytes, DefaultMaxCloudCustomDataBytes)
	l.MaxImageBytes = orDefault(l.MaxImageBytes, DefaultMaxImageBytes)
	l.MaxSoundBytes = orDefault(l.MaxSoundBytes, DefaultMaxSoundBytes)
	l.MaxFileBytes = orDefault(l.MaxFileBytes, DefaultMaxFileBytes)
	l.MaxVideoBytes = orDefault(l.MaxVideoBytes, DefaultMaxVideoBytes)
	return l
}

func orDefault[T int | int64](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
